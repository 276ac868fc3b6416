"""Logins limited per account, whatever addresses the attempts come from.

The per-address limit is set out of reach here, and each attempt comes from another
address (REMOTE_ADDR), so only the per-account limit can stop them.
"""

from datetime import UTC, datetime, timedelta

import pytest
from limits import parse

from core.config import TestConfig
from core.extensions import limiter
from core.factory import create_app
from registry.services import login_limit
from tests.conftest import PASSWORD, csrf_token
from tests.consumer_helpers import local_redis
from tests.server_helpers import at_once

REDIS_URL = "redis://127.0.0.1:6379/12"


@pytest.fixture
def spread(app, monkeypatch):
    """The app with one trusted proxy and a per-address limit no attacker reaches."""
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "1000 per minute")
    return app


def web_login(client, email, password, address):
    return client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_token(client)},
        environ_base={"REMOTE_ADDR": address},
    )


def api_login(client, email, password, address):
    return client.post(
        "/api/v1/auth/tokens",
        json={"email": email, "password": password, "name": "erp"},
        environ_base={"REMOTE_ADDR": address},
    )


def test_failures_from_many_addresses_lock_the_account(spread, world):
    client = spread.test_client()
    client.get("/lang/en")
    statuses = [
        web_login(client, "a@htx.vn", "guess!", f"198.51.100.{n}").status_code for n in range(5)
    ]
    assert statuses == [401] * 5
    refused = web_login(client, "A@HTX.VN", PASSWORD, "203.0.113.9")  # the right password
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Too many failed logins for this account. Try again in 15 minutes." in html
    assert 840 < int(refused.headers["Retry-After"]) <= 900
    assert client.get("/").status_code == 302  # not logged in


def test_the_lock_says_how_long_in_vietnamese(spread, world):
    client = spread.test_client()
    for n in range(5):
        web_login(client, "a@htx.vn", "guess!", f"198.51.100.{n}")
    html = web_login(client, "a@htx.vn", PASSWORD, "203.0.113.9").get_data(as_text=True)
    assert "Thử lại sau 15 phút" in html


def test_another_account_is_unaffected(spread, world):
    client = spread.test_client()
    for n in range(6):
        web_login(client, "a@htx.vn", "guess!", f"198.51.100.{n}")
    assert web_login(client, "b@htx.vn", PASSWORD, "198.51.100.1").status_code == 302


def test_a_login_after_the_wait_works(spread, world, monkeypatch):
    client = spread.test_client()
    for n in range(5):
        web_login(client, "a@htx.vn", "guess!", f"198.51.100.{n}")
    assert web_login(client, "a@htx.vn", PASSWORD, "203.0.113.9").status_code == 429
    # The window ends: the store's clock is time.time(); move it past the window.
    later = datetime.now(UTC) + timedelta(minutes=16)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    assert web_login(client, "a@htx.vn", PASSWORD, "203.0.113.9").status_code == 302


def test_a_success_forgets_earlier_failures(spread, world):
    client = spread.test_client()
    for n in range(4):
        web_login(client, "a@htx.vn", "guess!", f"198.51.100.{n}")
    assert web_login(client, "a@htx.vn", PASSWORD, "203.0.113.9").status_code == 302
    other = spread.test_client()
    for n in range(4):
        assert web_login(other, "a@htx.vn", "guess!", f"198.51.100.{n}").status_code == 401


def test_unknown_accounts_are_counted_alike(spread, world):
    client = spread.test_client()
    statuses = [
        web_login(client, "nobody@htx.vn", "guess!", f"198.51.100.{n}").status_code
        for n in range(6)
    ]
    assert statuses == [401] * 5 + [429]


def test_the_api_token_request_is_limited_per_account_too(spread, world):
    client = spread.test_client()
    statuses = [
        api_login(client, "a@htx.vn", "guess!", f"198.51.100.{n}").status_code for n in range(5)
    ]
    assert statuses == [401] * 5
    refused = api_login(client, "a@htx.vn", PASSWORD, "203.0.113.9")
    assert refused.status_code == 429
    assert refused.json["code"] == "too_many_requests"
    assert "15" in refused.json["message"]
    assert int(refused.headers["Retry-After"]) > 840
    # The web form and the API count the same failures.
    assert web_login(client, "a@htx.vn", PASSWORD, "203.0.113.9").status_code == 429


def test_a_burst_at_once_gets_no_more_password_checks_than_the_limit(spread, world):
    clients = [spread.test_client() for _ in range(12)]
    tokens = [csrf_token(client) for client in clients]

    def attempt(n):
        return lambda: clients[n].post(
            "/login",
            data={"email": "a@htx.vn", "password": "guess!", "csrf_token": tokens[n]},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        )

    statuses = [response.status_code for response in at_once([attempt(n) for n in range(12)])]
    assert sorted(statuses) == [401] * 5 + [429] * 7


def test_the_store_holds_no_address(spread, world):
    with spread.test_request_context():
        key = login_limit._account_key(" A@htx.vn")
        assert key == login_limit._account_key("a@htx.vn")
        assert "htx" not in key and "@" not in key


# Two app instances (two workers, or two hosts) sharing the store ---------------------------


def _instance(app, instance_dir, storage_uri):
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        INSTANCE_DIR=instance_dir,
        RATELIMIT_STORAGE_URI=storage_uri,
        LOGIN_RATE_LIMIT="1000 per minute",
    )
    return create_app(config)


@pytest.fixture
def keep_limiter(monkeypatch):
    """A new app binds the process's one Flask-Limiter to its store: give it back after."""
    monkeypatch.setattr(limiter, "_storage", limiter._storage)
    monkeypatch.setattr(limiter, "_limiter", limiter._limiter)


def _alternate(first, second):
    clients = [first.test_client(), second.test_client()]
    statuses = [
        web_login(clients[n % 2], "a@htx.vn", "guess!", f"198.51.100.{n}").status_code
        for n in range(5)
    ]
    assert statuses == [401] * 5
    for client in clients:
        assert web_login(client, "a@htx.vn", PASSWORD, "203.0.113.9").status_code == 429


def test_two_instances_share_the_count_in_the_hosts_file(app, world, tmp_path, keep_limiter):
    # No REDIS_URL: the default config, the host's file in INSTANCE_DIR.
    first, second = (_instance(app, tmp_path, None) for _ in range(2))
    assert first.config["RATELIMIT_STORAGE_URI"].startswith("htx-local://")
    assert first.config["RATELIMIT_STORAGE_URI"] == second.config["RATELIMIT_STORAGE_URI"]
    _alternate(first, second)
    assert (tmp_path / "shared-cache.sqlite3").exists()


def test_two_instances_share_the_count_in_redis(app, world, tmp_path, keep_limiter):
    redis = local_redis(REDIS_URL)
    redis.flushdb()
    try:
        first = _instance(app, tmp_path / "one", REDIS_URL)
        second = _instance(app, tmp_path / "two", REDIS_URL)
        _alternate(first, second)
        with first.test_request_context():
            key = login_limit._account_key("a@htx.vn")
            item = parse(first.config["LOGIN_ACCOUNT_LIMIT"])
        stored = redis.keys(f"*{key}*")
        assert len(stored) == 1 and 840 < redis.ttl(stored[0]) <= 900
        assert item.key_for("login-account", key).encode() in stored[0]
    finally:
        redis.flushdb()


# Per address, only failures count (issue #26 item 6) ----------------------------------------


def test_eleven_people_behind_one_address_all_sign_in(app, make_org, make_user):
    # The default per-address limit (10 a minute) counts failures only: a training room
    # of eleven behind one address signs in, on the web and through the API.
    org = make_org()
    emails = [f"hv{n}@htx.vn" for n in range(11)]
    for email in emails:
        make_user("cooperative", org, email=email)
    statuses = [
        web_login(app.test_client(), email, PASSWORD, "192.0.2.7").status_code for email in emails
    ]
    assert statuses == [302] * 11
    api = [api_login(app.test_client(), e, PASSWORD, "192.0.2.7").status_code for e in emails]
    assert api == [201] * 11


def test_failures_from_one_address_are_still_limited(app, world):
    client = app.test_client()
    client.get("/lang/en")
    for n in range(10):
        assert web_login(client, f"guess{n}@htx.vn", "guess!", "192.0.2.8").status_code == 401
    refused = web_login(client, "a@htx.vn", PASSWORD, "192.0.2.8")
    assert refused.status_code == 429
    assert "from this network address" in refused.get_data(as_text=True)
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # Another address is not held back, and the API shares the count of this one.
    assert web_login(client, "a@htx.vn", PASSWORD, "192.0.2.9").status_code == 302
    assert api_login(app.test_client(), "a@htx.vn", PASSWORD, "192.0.2.8").status_code == 429


def test_successes_between_failures_are_not_counted(app, world):
    for n in range(9):
        web_login(app.test_client(), f"guess{n}@htx.vn", "guess!", "192.0.2.10")
    for _ in range(5):
        assert web_login(app.test_client(), "a@htx.vn", PASSWORD, "192.0.2.10").status_code == 302
    assert web_login(app.test_client(), "x@htx.vn", "guess!", "192.0.2.10").status_code == 401
    assert web_login(app.test_client(), "a@htx.vn", PASSWORD, "192.0.2.10").status_code == 429
