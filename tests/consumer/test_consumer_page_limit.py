"""The public pages' rate limit (consumer.limit): counted once per request, in the
same round trip as the cached page's read, per client address, in memory or in Redis."""

import pytest

from consumer import page_cache
from tests.consumer_helpers import in_english, local_redis, page

REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_store(app):
    """The app's page store in a real Redis (database 13), emptied afterwards."""
    local_redis(REDIS_URL)
    store = page_cache.RedisStore(REDIS_URL, app.config["SQLALCHEMY_DATABASE_URI"])
    app.extensions["htx_public_cache"] = store
    yield store
    store.redis.flushdb()


def test_cached_pages_count_once_each_and_other_clients_are_served(
    app, client, lot, one_limit_window
):
    app.config["PUBLIC_RATE_LIMIT"] = 5
    try:
        in_english(client)
        path = f"/q/{lot['code']}"
        # The first view renders; the next four come from the cache: all five are counted.
        assert [page(client, path).status_code for _ in range(5)] == [200] * 5
        blocked = page(client, path)
        assert blocked.status_code == 429 and "Retry-After" in blocked.headers
        other = app.test_client()
        other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
        assert page(other, path).status_code == 200
        assert page(client, "/q/0000000000000").status_code == 429  # malformed: counted too
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = 120


def test_redis_keeps_one_count_per_client_and_minute(
    app, client, lot, redis_store, one_limit_window
):
    app.config["PUBLIC_RATE_LIMIT"] = 3
    try:
        in_english(client)
        statuses = [page(client, f"/q/{lot['code']}").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        counters = redis_store.redis.keys(f"{redis_store.namespace}limit:*")
        assert len(counters) == 1
        assert int(redis_store.redis.get(counters[0])) == 4
        assert 0 < redis_store.redis.ttl(counters[0]) <= 60
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = 120


def test_pages_stay_open_when_redis_does_not_answer(app, client, lot):
    app.extensions["htx_public_cache"] = page_cache.RedisStore(
        "redis://127.0.0.1:1/0", app.config["SQLALCHEMY_DATABASE_URI"]
    )
    app.config["PUBLIC_RATE_LIMIT"] = 1
    try:
        in_english(client)
        statuses = [page(client, f"/q/{lot['code']}").status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = 120
