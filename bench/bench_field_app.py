"""Field app (issue 21): how big it is, and how fast it opens on a cheap phone.

The app's HTML, CSS and JS are weighed gzip-compressed (nginx's default level 1, as
``deploy/htx-nginx.conf`` serves them; level 9 beside it). Chromium (Debian's) then opens
``/field`` signed in as a cooperative user, with Chrome's DevTools protocol emulating a
slow network (``Network.emulateNetworkConditions``) and a phone's CPU four times slower
(``Emulation.setCPUThrottlingRate``):

- first open, nothing cached: from navigation start to the app being usable (its script
  ran and drew the forms and the queue: the ``field-ready`` mark), on slow 3G as
  WebPageTest defines it (400 ms round trip, 400 kbit/s each way), and on DevTools'
  own "Slow 3G" preset (2,000 ms added to every request, 400 kbit/s);
- each later open, from the service worker's cache, same conditions.

Baseline, same run and same conditions: a request of ``/healthz`` (one round trip, a few
bytes), the floor of any page on that network. The app is served by the werkzeug server in
a thread with a gzip layer standing for nginx, on a SQLite database of its own.

Run alone with ``python -m bench.bench_field_app``, or as ``field_app`` of ``python -m bench``.
"""

import gzip
import os
import statistics
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

from flask_migrate import upgrade
from werkzeug.serving import make_server

from bench.common import Result, skipped

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
RUNS = int(os.environ.get("BENCH_FIELD_RUNS", "5"))
KBIT_400 = 400 * 1000 / 8  # bytes per second
NETWORKS = {
    "slow3g": {"latency": 400, "downloadThroughput": KBIT_400, "uploadThroughput": KBIT_400},
    "devtools_slow3g": {
        "latency": 2000, "downloadThroughput": KBIT_400, "uploadThroughput": KBIT_400,
    },
}  # fmt: skip
CPU_SLOWDOWN = 4
BUDGET_BYTES = 60 * 1024
COMPRESSED = ("text/html", "text/css", "text/javascript", "application/javascript",
              "application/json", "application/manifest+json")  # fmt: skip
PASSWORD = "bench field password"  # noqa: S105 - a throwaway database's user


def run(ctx=None) -> list[Result]:
    """The size figure and the three open times (see the module's docstring)."""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
        return [skipped("field_app", "s", "", reason)]
    from playwright.sync_api import sync_playwright

    with _served_app() as (app, base_url), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            cookies = _sign_in(browser, base_url)
            results = [_size(browser, cookies, base_url)]
            results += _open_times(browser, cookies, base_url)
        finally:
            browser.close()
    return results


class _Gzip:
    """WSGI layer compressing text answers as nginx does in production."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.wsgi_app(environ, capture))
        headers = captured["headers"]
        kind = next((v for k, v in headers if k.lower() == "content-type"), "")
        wanted = "gzip" in environ.get("HTTP_ACCEPT_ENCODING", "")
        if wanted and body and kind.split(";")[0].strip() in COMPRESSED:
            body = gzip.compress(body, compresslevel=1)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))]
        start_response(captured["status"], headers)
        return [body]


@contextmanager
def _served_app():
    from core.config import TestConfig
    from core.factory import create_app

    with tempfile.TemporaryDirectory() as folder:
        config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{folder}/field.sqlite3"
        config["INSTANCE_DIR"] = folder
        app = create_app(config)
        _cooperative(app)
        app.wsgi_app = _Gzip(app.wsgi_app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, f"http://127.0.0.1:{server.server_port}"
        finally:
            server.shutdown()
            thread.join()


def _cooperative(app) -> None:
    """A cooperative with a user, three products, two growing areas and 40 households."""
    from core.extensions import db
    from registry.models import Role, User
    from registry.schemas import MemberInputSchema, OrganizationInputSchema
    from registry.services import accounts, members, organizations, units

    with app.app_context():
        upgrade()
        units.load_units()
        admin = User(role=Role.DEPARTMENT_ADMIN, email="x", full_name="x", password_hash="x")  # noqa: S106
        org = organizations.create_organization(
            admin,
            OrganizationInputSchema().load(
                {"kind": "cooperative", "name": "HTX Cà phê Đăk Đoa",
                 "registration_code": "HTX-F-001", "admin_unit": "23677",
                 "sector": "agricultural", "status": "active"}
            ),
        )  # fmt: skip
        user = accounts.create_user(
            None,
            {"email": "field@htx.vn", "full_name": "Nguyễn Thị Ruộng", "password": PASSWORD,
             "role": "cooperative", "organization": "HTX-F-001"},
        )  # fmt: skip
        for n in range(40):
            data = MemberInputSchema().load({"head_name": f"Hộ {n:02d}", "admin_unit": "23677"})
            members.add_member(admin, org.id, data)
        _token, secret = accounts.issue_token(user, "bench")
        db.session.commit()
    client, headers = app.test_client(), {"Authorization": f"Bearer {secret}"}
    for name in ("Cà phê nhân Robusta", "Hồ tiêu đen", "Sầu riêng Ri6"):
        body = {"name": name, "category": "coffee", "unit": "kg", "standards": []}
        assert client.post("/api/v1/products", json=body, headers=headers).status_code == 201
    for name in ("Vùng trồng Làng Kon", "Vùng trồng Ia Băng"):
        body = {"name": name, "admin_unit": "23677"}
        assert client.post("/api/v1/sites", json=body, headers=headers).status_code == 201


def _sign_in(browser, base_url) -> list:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("field@htx.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")
    cookies = context.cookies()
    context.close()
    return cookies


def _phone(browser, cookies):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
        locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
    )  # fmt: skip
    context.add_cookies(cookies)
    return context


SCRIPT_FILES = "[...document.querySelectorAll('script[src]')].map((s) => s.src)"


def _size(browser, cookies, base_url) -> Result:
    """The app's page as served, compressed: its HTML with its CSS and JS inside it, and any
    script file it still loads."""
    context = _phone(browser, cookies)
    page = context.new_page()
    raw = {"html": page.goto(f"{base_url}/field").body()}
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    for index, script in enumerate(page.evaluate(SCRIPT_FILES)):
        raw[f"js{index}"] = context.request.get(script).body()
    context.close()
    level1 = {name: len(gzip.compress(body, compresslevel=1)) for name, body in raw.items()}
    level9 = {name: len(gzip.compress(body, compresslevel=9)) for name, body in raw.items()}
    total = sum(level1.values())
    return Result(
        "field_app.compressed_size",
        total,
        "bytes",
        sum(len(body) for body in raw.values()),
        "the same files uncompressed",
        f"≤ {BUDGET_BYTES:,} bytes (60 kB) compressed",
        params={"gzip_level_1": level1, "gzip_level_9": level9,
                "raw": {name: len(body) for name, body in raw.items()}},
    )  # fmt: skip


def _throttled(context, page, network: dict) -> None:
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.emulateNetworkConditions", {"offline": False, **network})
    session.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})


def _ready_ms(page) -> float:
    page.wait_for_function("() => document.body.dataset.ready === '1'", timeout=60_000)
    return page.evaluate("performance.getEntriesByName('field-ready')[0].startTime")


def _paint_ms(page) -> float | None:
    return page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"
    )


def _healthz_ms(context, page, base_url) -> float:
    page.goto(f"{base_url}/healthz")
    return page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")


def _one_network(browser, cookies, base_url, network: dict) -> dict:
    samples = {"first": [], "paint": [], "cached": [], "baseline": []}
    for _ in range(RUNS):
        context = _phone(browser, cookies)
        page = context.new_page()
        _throttled(context, page, network)
        samples["baseline"].append(_healthz_ms(context, page, base_url))
        page.goto(f"{base_url}/field", wait_until="commit")
        samples["first"].append(_ready_ms(page))
        samples["paint"].append(_paint_ms(page))
        page.wait_for_function(
            "() => navigator.serviceWorker.controller !== null", timeout=120_000, polling=200
        )
        page.evaluate("caches.keys().then((keys) => keys.length)")
        page.reload(wait_until="commit")
        samples["cached"].append(_ready_ms(page))
        context.close()
    return samples


def _open_times(browser, cookies, base_url) -> list[Result]:
    results = []
    for name, network in NETWORKS.items():
        samples = _one_network(browser, cookies, base_url, network)
        median = {key: statistics.median(v) / 1000 for key, v in samples.items() if all(v)}
        conditions = {**network, "cpu_slowdown": CPU_SLOWDOWN, "runs": RUNS}
        detail = {key: [round(v) for v in values] for key, values in samples.items() if all(values)}
        params = {"conditions": conditions, "samples_ms": detail,
                  "first_contentful_paint_s": median.get("paint")}  # fmt: skip
        baseline = "a request of /healthz, same conditions"
        results.append(Result(f"field_app.first_open.{name}", median["first"], "s",
                              median["baseline"], baseline, "< 3 s", params))  # fmt: skip
        results.append(Result(f"field_app.cached_open.{name}", median["cached"], "s",
                              median["baseline"], baseline, "< 1 s", params))  # fmt: skip
    return results


def main() -> None:
    """Print the figures (the suite's table and JSON come from ``python -m bench``)."""
    for result in run():
        print(result.as_dict())


if __name__ == "__main__":
    main()
