"""The page front (consumer.front): repeat views of a lot's cached page answered before
Flask — by the views' own ``consumer.answer.page_answer``, so with the same bytes and
headers —, the scan recorded and the request counted once; everything else handed on to
the views."""

import flask
import pytest

from consumer import answer, limit, page_cache
from tests.consumer_helpers import (
    PHONE_UA,
    add_unit,
    in_english,
    local_redis,
    page,
    scan_rows,
)


def _same_response(first, second) -> None:
    assert first.status_code == second.status_code == 200
    assert first.get_data() == second.get_data()
    headers = [sorted((k, v) for k, v in r.headers.items() if k != "Date") for r in (first, second)]
    assert headers[0] == headers[1]
    assert "Date" in second.headers


def test_a_repeat_view_is_answered_by_the_front_with_the_views_bytes_and_headers(
    app, client, lot, views_calls
):
    path = f"/q/{lot['code']}"
    rendered = page(client, path)  # first view: the views render and remember it
    assert views_calls == [path]
    repeat = page(client, path)
    assert views_calls == [path]  # the front answered
    _same_response(rendered, repeat)
    assert lot["batch"]["lot_code"] in repeat.get_data(as_text=True)
    assert repeat.headers["Cache-Control"] == "public, max-age=60"
    assert repeat.headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Security-Policy" in repeat.headers
    # Switched off, every view goes through Flask.
    app.config["PUBLIC_PAGE_FRONT"] = False
    try:
        page(client, path)
    finally:
        app.config["PUBLIC_PAGE_FRONT"] = True
    assert views_calls == [path, path]


def test_front_and_views_answer_alike_for_a_digital_link(client, lot, views_calls):
    path = f"/01/{lot['product']['gtin']}/10/{lot['batch']['lot_code']}"
    rendered = page(client, path)
    repeat = page(client, path + "/")  # a trailing slash is tolerated
    assert views_calls == [path]
    assert rendered.get_data() != b""
    assert repeat.headers["ETag"] == rendered.headers["ETag"]
    _same_response(rendered, repeat)


def test_each_view_through_the_front_is_a_scan_and_bots_are_not(app, client, lot, views_calls):
    path = f"/q/{lot['code']}"
    page(client, path)
    page(client, path)
    page(client, path, **{"User-Agent": "facebookexternalhit/1.1"})
    page(client, path, Purpose="prefetch")
    assert views_calls == [path]
    scans = scan_rows(app)
    assert len(scans) == 2
    assert {(s.batch_id, s.unit_id, s.user_agent, s.language) for s in scans} == {
        (lot["batch"]["id"], None, "android/chrome", "vi")
    }


def test_the_front_counts_each_request_once_against_the_limit(
    app, client, lot, views_calls, one_limit_window
):
    app.config["PUBLIC_RATE_LIMIT"] = 3
    try:
        path = f"/q/{lot['code']}"
        statuses = [page(client, path).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        # The 429 was counted by the front and rendered by the views, without a second count.
        assert views_calls == [path, path]
        with app.app_context():
            store = page_cache.store()
            count, _ = store.counted_get_many(limit.counter_key("127.0.0.1"), 60, [])
        assert count == 5  # four requests, and the probe just made
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = 120


def test_a_changed_lot_is_rendered_again_by_the_views(client, farm, lot, views_calls):
    path = f"/q/{lot['code']}"
    before = page(client, path)
    farm.ship(lot["batch"]["id"], 100, farm.world["ent_x"], reference=None)
    after = page(client, path)
    assert views_calls == [path, path]  # the version moved: the front handed it on
    assert after.headers["ETag"] != before.headers["ETag"]
    again = page(client, path)
    assert views_calls == [path, path]
    _same_response(after, again)


@pytest.mark.parametrize(
    "how", ["query", "cookie", "conditional", "json", "head", "malformed", "unknown"]
)
def test_what_the_front_hands_on_to_the_views(app, client, lot, views_calls, how):
    path = f"/q/{lot['code']}"
    first = page(client, path)
    assert views_calls == [path]
    if how == "query":
        response = page(client, path + "?17=271101")
    elif how == "cookie":
        in_english(client)
        response = page(client, path)
        assert response.headers["Content-Language"] == "en"
    elif how == "conditional":
        response = page(client, path, **{"If-None-Match": first.headers["ETag"]})
        assert response.status_code == 304
    elif how == "json":
        response = page(client, path, Accept="application/linkset+json")
        assert response.is_json
    elif how == "head":
        response = client.head(path, headers={"User-Agent": PHONE_UA})
    elif how == "malformed":
        response = page(client, "/q/ABC")
        assert response.status_code == 400
    elif how == "unknown":
        response = page(client, "/q/0000000000000")
        assert response.status_code == 404
    assert response.status_code in (200, 304, 400, 404)
    assert len(views_calls) == 2


def test_an_items_page_is_left_to_the_views(app, client, lot, views_calls):
    code = add_unit(app, lot["batch"]["id"])
    path = f"/q/{code}"
    first, second = page(client, path), page(client, path)
    assert views_calls == [path, path]
    assert first.status_code == second.status_code == 200


def test_when_the_front_fails_the_views_answer(
    app, client, lot, views_calls, monkeypatch, one_limit_window
):
    path = f"/q/{lot['code']}"
    rendered = page(client, path)

    built = answer.page_answer

    def broken(*args, **kwargs):
        if not flask.has_request_context():  # the front's call; the views' works
            raise RuntimeError("a fault in the front")
        return built(*args, **kwargs)

    monkeypatch.setattr(answer, "page_answer", broken)
    answered = page(client, path)
    assert views_calls == [path, path]
    assert answered.get_data() == rendered.get_data()
    assert len(scan_rows(app)) == 2  # no scan was recorded before the fault
    with app.app_context():
        count, _ = page_cache.store().counted_get_many(limit.counter_key("127.0.0.1"), 60, [])
    assert count == 3  # two requests, each counted once, and this probe


def test_the_front_reads_and_counts_in_redis(app, client, lot, views_calls):
    url = "redis://127.0.0.1:6379/13"
    local_redis(url)
    store = page_cache.RedisStore(url, app.config["SQLALCHEMY_DATABASE_URI"])
    app.extensions["htx_public_cache"] = store
    try:
        path = f"/q/{lot['code']}"
        rendered, repeat = page(client, path), page(client, path)
        assert views_calls == [path]
        _same_response(rendered, repeat)
        counters = store.redis.keys(f"{store.namespace}limit:*")
        assert [int(store.redis.get(key)) for key in counters] == [2]
    finally:
        store.redis.flushdb()
