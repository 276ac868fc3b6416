"""Web security headers and settings: CSP, HSTS behind HTTPS, framing, cookies, CSRF, secrets.

Each header is checked on a web page, a public consumer page, an API response and the
API docs page; the CSRF check walks the app's url_map so a new form cannot be forgotten.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from core.config import ProductionConfig
from core.factory import create_app
from core.security import inline_blocks, sha256_source
from tests.consumer_helpers import BROWSER, make_lot

PROJECT_DIR = Path(__file__).resolve().parents[2]
SECRET = "a-long-random-secret-from-the-environment"  # noqa: S105 - test value


def csp(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy as {directive: [sources]}."""
    value = response.headers.get("Content-Security-Policy")
    assert value, f"no CSP on {response.request.path}"
    directives = {}
    for part in value.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def assert_hardened(response, html: bool = True) -> None:
    """The headers every response must carry."""
    policy = csp(response)
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"]
    if html:
        body = response.get_data(as_text=True)
        scripts = set(policy["script-src"])
        for block in inline_blocks(body, "script"):  # the field app's own, by its hash only
            assert sha256_source(block) in scripts, "inline <script> not allowed by its hash"
        assert not re.search(r"\son[a-z]+\s*=", body), "inline event handler on a page"
        allowed = set(policy["style-src"])
        for block in inline_blocks(body, "style"):
            assert sha256_source(block) in allowed, "inline <style> not allowed by its hash"
        assert "'unsafe-inline'" not in policy["style-src"]
        assert "'unsafe-inline'" not in policy["style-src-elem"]


def test_web_pages_carry_the_headers(app, client, login, world):
    response = client.get("/login")
    assert response.status_code == 200
    assert_hardened(response)
    dept = login(world["users"]["department"])
    coop = login(world["users"]["coop_a"])
    checked = 0
    for rule in app.url_map.iter_rules():
        if (
            "GET" not in rule.methods
            or rule.arguments
            or rule.rule.startswith(("/api/", "/static"))
        ):
            continue
        for who in (dept, coop):
            response = who.get(rule.rule)
            if response.status_code == 200 and response.mimetype == "text/html":
                assert_hardened(response)
                checked += 1
            response.close()
    assert checked >= 10, "too few pages checked"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


def test_error_pages_carry_the_headers(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert_hardened(response)


def test_public_page_carries_the_headers_and_its_style_is_allowed(client, farm):
    lot = make_lot(farm)
    response = client.get(f"/q/{lot['code']}", headers=BROWSER)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert inline_blocks(body, "style"), "the public page inlines its style"
    assert_hardened(response)


def test_api_responses_carry_the_headers(client, world, token_for):
    response = client.get("/api/v1/organizations", headers=token_for(world["users"]["department"]))
    assert response.status_code == 200
    assert_hardened(response, html=False)
    refused = client.get("/api/v1/organizations")
    assert refused.status_code == 401
    assert_hardened(refused, html=False)
    spec = client.get("/api/v1/openapi.json")
    assert_hardened(spec, html=False)


def test_api_docs_page_runs_only_its_own_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    policy = csp(response)
    scripts = inline_blocks(response.get_data(as_text=True), "script")
    assert scripts, "Swagger UI's configuration script is expected inline"
    for script in scripts:
        assert sha256_source(script) in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert policy["frame-ancestors"] == ["'none'"]
    bundle = client.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and bundle.headers["X-Content-Type-Options"] == "nosniff"
    bundle.close()


def _tmp_app(tmp_path, **settings):
    config = {"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_DIR": tmp_path, **settings}
    return create_app(config)


def test_hsts_only_over_https_behind_a_trusted_proxy(tmp_path):
    client = _tmp_app(tmp_path, PROXY_COUNT=1).test_client()
    https = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    hsts = https.headers.get("Strict-Transport-Security", "")
    assert re.match(r"max-age=(\d+)", hsts) and int(re.match(r"max-age=(\d+)", hsts)[1]) >= 15552000
    assert "Strict-Transport-Security" not in client.get("/login").headers
    # Without a proxy in front, a client cannot claim HTTPS with a forged header.
    direct = _tmp_app(tmp_path, PROXY_COUNT=0).test_client()
    forged = direct.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers


def _production_settings(tmp_path, **overrides) -> dict:
    settings = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    settings.update(SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_DIR=tmp_path, SECRET_KEY=SECRET)
    settings.update(overrides)
    return settings


def test_production_cookies_are_secure_httponly_samesite(tmp_path):
    app = create_app(_production_settings(tmp_path))
    assert app.debug is False and app.config["DEBUG"] is False
    response = app.test_client().get("/login", base_url="https://trace.example.vn")
    cookie = response.headers.get("Set-Cookie", "")
    assert cookie.startswith("session="), cookie
    flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
    assert {"secure", "httponly", "samesite=lax"} <= flags, cookie
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert app.config["WTF_CSRF_ENABLED"] is not False


def test_production_refuses_a_blank_or_default_secret(tmp_path):
    for secret in ("", None, "dev-only-change-me"):
        with pytest.raises(RuntimeError, match="SECRET_KEY"):
            create_app(_production_settings(tmp_path, SECRET_KEY=secret))


def _start_production(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "FLASK_DEBUG", "DATABASE_URL"}
    }
    environment.update(
        APP_ENV="production",
        INSTANCE_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        PYTHONPATH=str(PROJECT_DIR),
        **env,
    )
    code = (
        "from core.factory import create_app; app = create_app(); "
        "print(app.debug, app.config['SECRET_KEY'] == 'from-env-0123456789abcdef')"
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed snippet
        [sys.executable, "-c", code],
        env=environment,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_takes_its_secret_from_the_environment_only(tmp_path):
    refused = _start_production(tmp_path)
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr
    started = _start_production(tmp_path, SECRET_KEY="from-env-0123456789abcdef")
    assert started.returncode == 0, started.stderr[-2000:]
    assert started.stdout.split() == ["False", "True"]  # no debug; the secret is the env's


def _fill(rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        kind = converter.__class__.__name__
        if kind == "AnyConverter":  # one of a fixed list, e.g. a status action
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "harvest" if kind == "UnicodeConverter" else 1
    return rule.build(values, append_unknown=False)[1]


# APIs: bearer tokens only, never the session cookie, so no CSRF token either. GS1's EPCIS
# REST binding lives at /epcis/v2 because the standard names its paths.
API_PREFIXES = ("/api/", "/epcis/v2/")


def state_changing_web_rules(app) -> list:
    """Every non-API URL rule that accepts a state-changing method."""
    unsafe = {"POST", "PUT", "PATCH", "DELETE"}
    return [
        rule
        for rule in app.url_map.iter_rules()
        if rule.methods & unsafe and not rule.rule.startswith(API_PREFIXES)
    ]


def test_every_state_changing_form_needs_a_csrf_token(app, login, world):
    clients: dict[str, FlaskClient] = {
        "anonymous": app.test_client(),
        "department": login(world["users"]["department"]),
        "cooperative": login(world["users"]["coop_a"]),
    }
    rules = state_changing_web_rules(app)
    assert len(rules) >= 30, "the url_map walk found too few forms"
    failures = []
    for rule in rules:
        path = _fill(rule)
        for method in sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}):
            for who, client in clients.items():
                response = client.open(path, method=method, data={"name": "x"})
                if response.status_code != 400:
                    failures.append((who, method, path, response.status_code))
    assert not failures, f"accepted without a CSRF token: {failures}"
    # The sessions are still logged in: the refusals were CSRF's, not a logout.
    assert clients["department"].get("/registry/organizations").status_code == 200


def _violations(page) -> list[str]:
    """CSP violations the browser reports on the console."""
    found = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def test_the_browser_runs_our_pages_under_the_policy(page, base_url, farm, world, app):
    lot = make_lot(farm)
    violations = _violations(page)
    page.goto(f"{base_url}/q/{lot['code']}")
    # The inlined style applied: the header bar has its green background.
    background = page.eval_on_selector(".bar", "e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(31, 111, 67)"
    page.goto(f"{base_url}/login")
    page.goto(f"{base_url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=20000)  # Swagger UI rendered the operations
    assert violations == [], violations


def test_production_trusts_no_forwarded_for_unless_told(tmp_path):
    """Rotating X-Forwarded-For does not escape the login limit when no proxy is declared."""
    from flask_migrate import upgrade

    from tests.conftest import csrf_token

    settings = _production_settings(
        tmp_path,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        SESSION_COOKIE_SECURE=False,
        LOGIN_RATE_LIMIT="10 per minute",
    )
    app = create_app(settings)
    assert app.config["PROXY_COUNT"] == 0
    with app.app_context():
        upgrade()
    client = app.test_client()
    token = csrf_token(client)
    statuses = [
        client.post(
            "/login",
            data={"email": f"guess{attempt}@htx.vn", "password": "guess", "csrf_token": token},
            headers={"X-Forwarded-For": f"198.51.100.{attempt}"},
        ).status_code
        for attempt in range(11)
    ]
    assert statuses == [401] * 10 + [429]
