"""The consumer page's caching: ETag/Cache-Control/304, invalidation up and down the
lineage, units sharing a lot's page, the Redis store, and changes announced by the session.
"""

from datetime import date

from sqlalchemy import select, update

from consumer import page_cache
from core.extensions import db
from tests.consumer_helpers import (
    add_unit,
    in_english,
    local_redis,
    make_lot,
    pack_from,
    page,
    set_status,
)
from trace.models import Batch, BatchStatus, ProductStandard, Site


def test_etag_and_cache_control_and_304(client, lot):
    first = page(client, f"/q/{lot['code']}")
    etag = first.headers["ETag"]
    assert etag and "max-age=60" in first.headers["Cache-Control"]
    assert "public" in first.headers["Cache-Control"]
    repeat = page(client, f"/q/{lot['code']}", **{"If-None-Match": etag})
    assert repeat.status_code == 304
    assert repeat.data == b""
    assert repeat.headers["ETag"] == etag


def test_etag_changes_after_a_new_event(client, farm, lot):
    in_english(client)
    before = page(client, f"/q/{lot['code']}").headers["ETag"]
    farm.ship(lot["batch"]["id"], 100, farm.world["ent_y"], days_ago=1)
    after = page(client, f"/q/{lot['code']}", **{"If-None-Match": before})
    assert after.status_code == 200
    assert after.headers["ETag"] != before
    assert "Shipped to Công ty CP Y" in after.get_data(as_text=True)


def test_etag_changes_after_a_recall(app, client, lot):
    before = page(client, f"/q/{lot['code']}").headers["ETag"]
    set_status(app, lot["batch"]["id"], BatchStatus.RECALLED)
    after = page(client, f"/q/{lot['code']}", **{"If-None-Match": before})
    assert after.status_code == 200 and after.headers["ETag"] != before


def test_an_upstream_event_refreshes_a_downstream_page_at_once(client, farm, buyer, world):
    cherries = make_lot(farm, contract=False)
    farm.ship(cherries["batch"]["id"], 600, world["ent_x"], days_ago=4)
    packed = pack_from(buyer, cherries)
    in_english(client)
    before = page(client, f"/q/{packed['public_code']}")
    assert before.get_data(as_text=True).count("Shipped to Công ty TNHH X") == 1
    farm.ship(cherries["batch"]["id"], 100, world["ent_x"], days_ago=1)  # to the maker: shown
    after = page(client, f"/q/{packed['public_code']}", **{"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    assert after.get_data(as_text=True).count("Shipped to Công ty TNHH X") == 2


def test_invalidate_lots_refreshes_the_cached_pages_of_a_lot_and_lots_made_from_it(
    app, client, farm, buyer, world
):
    cherries = make_lot(farm, contract=False)
    farm.ship(cherries["batch"]["id"], 600, world["ent_x"], days_ago=4)
    packed = pack_from(buyer, cherries)
    in_english(client)
    paths = [f"/q/{cherries['code']}", f"/q/{packed['public_code']}"]
    before = [page(client, path) for path in paths]
    with app.app_context(), db.engine.begin() as connection:  # past the session: unannounced
        connection.execute(
            update(Site).where(Site.id == cherries["site"]["id"]).values(name="Vùng trồng Kon Mới")
        )
    cached = [page(client, path).get_data(as_text=True) for path in paths]
    assert all("Vùng trồng cà phê Làng Kon" in html for html in cached)  # served from the cache
    with app.app_context():
        page_cache.invalidate_lots([cherries["batch"]["id"]])
    for path, old in zip(paths, before, strict=True):
        fresh = page(client, path, **{"If-None-Match": old.headers["ETag"]})
        assert fresh.status_code == 200 and fresh.headers["ETag"] != old.headers["ETag"]
        assert "Vùng trồng Kon Mới" in fresh.get_data(as_text=True)


def test_units_share_the_lots_cached_page_with_their_own_parts(app, client, lot):
    codes = [add_unit(app, lot["batch"]["id"], serial) for serial in ("0001", "0002")]
    in_english(client)
    lot_html = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert f"Code: {lot['code']}" in lot_html and 'id="scans"' not in lot_html
    for serial, code in zip(("0001", "0002"), codes, strict=True):
        html = page(client, f"/q/{code}").get_data(as_text=True)
        assert f"<dt>Item no.</dt><dd>{serial}</dd>" in html and f"Code: {code}" in html
        assert "scanned 1 time" in html and f'href="/q/{code}?lang=vi"' in html
    again = page(client, f"/q/{codes[0]}").get_data(as_text=True)
    assert "scanned 2 times" in again  # the count is fresh although the page is cached
    assert "<!--htx:" not in again and "<!--htx:" not in lot_html


def test_redis_store_shares_pages_and_stays_fresh(app, client, farm, lot):
    url = "redis://127.0.0.1:6379/15"
    redis = local_redis(url)
    saved = app.extensions.get("htx_public_cache")
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    app.extensions["htx_public_cache"] = page_cache.RedisStore(url, database)
    try:
        in_english(client)
        first = page(client, f"/q/{lot['code']}")
        keys = redis.keys(f"*htx:public:*:p:{lot['batch']['id']}:en")
        assert len(keys) == 1
        assert page(client, f"/q/{lot['code']}").headers["ETag"] == first.headers["ETag"]
        farm.ship(lot["batch"]["id"], 100, farm.world["ent_y"], days_ago=1)
        after = page(client, f"/q/{lot['code']}")
        assert after.headers["ETag"] != first.headers["ETag"]
        assert "Shipped to Công ty CP Y" in after.get_data(as_text=True)
    finally:
        redis.flushdb()
        app.extensions["htx_public_cache"] = saved


def test_databases_sharing_one_redis_never_see_each_others_pages():
    url = "redis://127.0.0.1:6379/14"
    redis = local_redis(url)
    staging = page_cache.RedisStore(url, "postgresql://db/staging")
    production = page_cache.RedisStore(url, "postgresql://db/production")
    try:
        staging.put("htx:public:p:1:vi", "staging page", 60)
        assert staging.get_many(["htx:public:p:1:vi"]) == ["staging page"]
        assert production.get_many(["htx:public:p:1:vi"]) == [None]
    finally:
        redis.flushdb()


def test_a_change_written_through_the_session_shows_on_the_next_request(app, client, lot):
    in_english(client)
    path = f"/q/{lot['code']}"
    assert "1 Nov 2027" in page(client, path).get_data(as_text=True)
    assert "1 Nov 2027" in page(client, path).get_data(as_text=True)  # kept
    with app.app_context():  # a bulk update: which lots it reaches is unknown to the cache
        db.session.execute(
            update(Batch).where(Batch.id == lot["batch"]["id"]).values(expiry_date=date(2028, 2, 2))
        )
        db.session.commit()
    html = page(client, path).get_data(as_text=True)
    assert "2 Feb 2028" in html and "1 Nov 2027" not in html


def test_a_certificate_change_shows_on_the_next_request(app, client, lot):
    in_english(client)
    path = f"/q/{lot['code']}"
    before = page(client, path).get_data(as_text=True)
    assert "VG-52-0001" in before
    with app.app_context():  # an ORM edit of the product's certificate
        standard = db.session.scalars(select(ProductStandard)).first()
        standard.certificate_number = "VG-52-0999"
        db.session.commit()
    html = page(client, path).get_data(as_text=True)
    assert "VG-52-0999" in html and "VG-52-0001" not in html
