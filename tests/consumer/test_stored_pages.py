"""Consumer pages kept in the database (``consumer.stored_pages``, issue #23): a lot's first
view of the day reads its kept page instead of its rows and the template, and never shows
an old page — after a change, a recall the store missed, a store that lost its versions,
a certificate's expiry, or a failed bump.

``PUBLIC_PAGE_CACHE_SECONDS = 0`` keeps no page in the store, so every request below is a
first view: the kept page or a render.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from consumer import lookup, page_cache
from consumer.cache_stores import MemoryStore, RedisStore
from consumer.models import LotPage
from core.extensions import db
from core.local_store import LocalStore
from tests.consumer_helpers import (
    in_english,
    local_redis,
    make_lot,
    pack_from,
    page,
    vietnamese,
)
from trace.models import Batch, BatchStatus, ProductStandard, Site

CERTIFICATE_EXPIRES = date(2028, 12, 31)  # the helpers' VietGAP certificate


def _kept(app, batch_id: int) -> list[LotPage]:
    with app.app_context():
        rows = list(db.session.scalars(select(LotPage).where(LotPage.batch_id == batch_id)))
        db.session.expunge_all()
        return rows


def _new_store(app, store) -> None:
    """Swap the app's page store (a restarted Redis, a deleted file)."""
    app.extensions["htx_public_cache"] = store


def test_a_first_view_reads_the_kept_page_with_the_same_bytes(app, client, lot, renders):
    in_english(client)
    first = page(client, f"/q/{lot['code']}")
    assert first.status_code == 200 and renders == [lot["batch"]["id"]]
    [kept] = _kept(app, lot["batch"]["id"])
    assert kept.language == "en" and kept.valid_through == CERTIFICATE_EXPIRES
    again = page(client, f"/q/{lot['code']}")
    assert renders == [lot["batch"]["id"]]  # not rendered again: read from lot_pages
    assert again.data == first.data and "Valid until 31 Dec 2028" in again.text
    page(client, f"/q/{lot['code']}?lang=vi")
    assert {row.language for row in _kept(app, lot["batch"]["id"])} == {"en", "vi"}


def test_a_new_event_upstream_makes_the_kept_page_old(client, farm, buyer, world, renders):
    cherries = make_lot(farm, contract=False)
    farm.ship(cherries["batch"]["id"], 600, world["ent_x"], days_ago=4)
    packed = pack_from(buyer, cherries)
    in_english(client)
    path = f"/q/{packed['public_code']}"
    assert page(client, path).text.count("Shipped to Công ty TNHH X") == 1
    page(client, path)
    assert renders == [packed["id"]]
    farm.ship(cherries["batch"]["id"], 100, world["ent_x"], days_ago=1)
    assert page(client, path).text.count("Shipped to Công ty TNHH X") == 2
    assert renders == [packed["id"], packed["id"]]


def test_a_recall_the_store_missed_shows_from_the_lots_own_row(app, client, lot, renders):
    path = f"/q/{lot['code']}"
    assert "thu hồi" not in page(client, path).text
    with app.app_context(), db.engine.begin() as connection:  # past the session: no bump
        connection.execute(
            update(Batch).where(Batch.id == lot["batch"]["id"]).values(status=BatchStatus.RECALLED)
        )
    assert 'id="recall"' in page(client, path).text
    assert len(renders) == 2


def test_a_store_that_lost_its_versions_trusts_no_kept_page(app, client, lot, renders):
    in_english(client)
    path = f"/q/{lot['code']}"
    assert "Vùng trồng cà phê Làng Kon" in page(client, path).text
    with app.app_context(), db.engine.begin() as connection:  # a change the store never saw
        connection.execute(
            update(Site).where(Site.id == lot["site"]["id"]).values(name="Vùng trồng Kon Mới")
        )
    assert "Vùng trồng cà phê Làng Kon" in page(client, path).text  # the store's word: kept
    _new_store(app, MemoryStore(100))  # restarted: every version gone
    assert "Vùng trồng Kon Mới" in page(client, path).text
    assert len(renders) == 2
    assert "Vùng trồng Kon Mới" in page(client, path).text and len(renders) == 2  # kept again


def test_a_certificate_that_expires_makes_the_page_old_the_next_day(
    app, client, lot, renders, monkeypatch
):
    in_english(client)
    path = f"/q/{lot['code']}"
    monkeypatch.setattr(page_cache, "today", lambda: CERTIFICATE_EXPIRES)
    assert "Valid until 31 Dec 2028" in page(client, path).text
    assert "Valid until 31 Dec 2028" in page(client, path).text and len(renders) == 1
    monkeypatch.setattr(page_cache, "today", lambda: CERTIFICATE_EXPIRES + timedelta(days=1))
    assert "Expired on 31 Dec 2028" in page(client, path).text
    [kept] = _kept(app, lot["batch"]["id"])
    assert kept.valid_through is None  # nothing flips after an expiry: good every day
    assert "Expired on 31 Dec 2028" in page(client, path).text and len(renders) == 2


def test_a_page_kept_longer_than_the_versions_live_is_rendered_again(app, client, lot, renders):
    path = f"/q/{lot['code']}"
    page(client, path)
    with app.app_context():
        db.session.execute(
            update(LotPage).values(rendered_at=datetime.now(UTC) - timedelta(days=30))
        )
        db.session.commit()
    page(client, path)
    assert len(renders) == 2


def test_a_failed_bump_forgets_the_kept_pages_of_the_lot_and_lots_made_from_it(
    app, client, farm, buyer, world, renders
):
    cherries = make_lot(farm, contract=False)
    farm.ship(cherries["batch"]["id"], 600, world["ent_x"], days_ago=4)
    packed = pack_from(buyer, cherries)
    other = make_lot(farm, gtin=None, contract=False)
    for code in (cherries["code"], packed["public_code"], other["code"]):
        page(client, f"/q/{code}")

    class Failing(MemoryStore):
        def bump(self, keys):
            return False

    _new_store(app, Failing(100))
    farm.ship(cherries["batch"]["id"], 100, world["ent_y"], days_ago=1)
    assert _kept(app, cherries["batch"]["id"]) == [] and _kept(app, packed["id"]) == []
    assert len(_kept(app, other["batch"]["id"])) == 1
    with app.app_context():
        db.session.execute(update(ProductStandard).values(issuer="Cục Trồng trọt"))
        db.session.commit()  # a bulk update: every page may change, and the bump fails
        assert db.session.scalar(select(func.count()).select_from(LotPage)) == 0


def test_the_stores_start_versions_at_a_random_number_and_keep_it(app, tmp_path):
    url = "redis://127.0.0.1:6379/13"
    redis = local_redis(url)
    stores = [
        MemoryStore(10),
        LocalStore(tmp_path / "shared.sqlite3"),
        RedisStore(url, app.config["SQLALCHEMY_DATABASE_URI"]),
    ]
    try:
        for store in stores:
            assert store.seed("v", 123_456) == "123456"
            assert store.seed("v", 42) == "123456"  # kept, not started again
            assert store.bump(["v"]) is True
            assert store.get_many(["v"]) == ["123457"]
    finally:
        redis.flushdb()


def test_a_redis_restart_makes_every_kept_page_old(app, client, lot, renders):
    url = "redis://127.0.0.1:6379/12"
    redis = local_redis(url)
    saved = app.extensions.get("htx_public_cache")
    _new_store(app, RedisStore(url, app.config["SQLALCHEMY_DATABASE_URI"]))
    try:
        path = f"/q/{lot['code']}"
        page(client, path)
        page(client, path)
        assert len(renders) == 1
        redis.flushdb()  # restarted: Redis keeps nothing on disk
        page(client, path)
        assert len(renders) == 2
    finally:
        redis.flushdb()
        _new_store(app, saved)


# A worker that served the code before remembers its lot; a new one reads it with its page.
REMEMBERED = pytest.mark.parametrize("remembered", [True, False], ids=["remembered", "new"])


def _forget_codes(remembered: bool) -> None:
    if not remembered:
        lookup._REMEMBERED.clear()  # as in a worker that never served the code


@REMEMBERED
def test_the_front_answers_a_first_view_from_the_kept_page(
    app, client, lot, renders, views_calls, remembered
):
    path = f"/q/{lot['code']}"
    rendered = page(client, path)  # the views render it, keep it, and remember the code
    assert views_calls == [path] and len(renders) == 1
    _forget_codes(remembered)
    first_of_day = page(client, path)  # no copy in the store: the database's, by the front
    assert views_calls == [path] and len(renders) == 1
    assert first_of_day.data == rendered.data
    assert first_of_day.headers["ETag"] == rendered.headers["ETag"]


@REMEMBERED
def test_the_front_shows_a_recall_the_store_missed(
    app, client, lot, renders, views_calls, remembered
):
    path = f"/q/{lot['code']}"
    page(client, path)
    _forget_codes(remembered)
    with app.app_context(), db.engine.begin() as connection:  # past the session: no bump
        connection.execute(
            update(Batch).where(Batch.id == lot["batch"]["id"]).values(status=BatchStatus.RECALLED)
        )
    assert 'id="recall"' in page(client, path).text  # the lot's row says the page is old
    assert views_calls == [path, path] and len(renders) == 2


def test_the_lot_is_read_once_per_first_view_and_not_for_a_repeat(app, client, lot, monkeypatch):
    reads = []
    read = lookup.by_code
    monkeypatch.setattr(lookup, "by_code", lambda *args: reads.append(args) or read(*args))
    path = f"/q/{lot['code']}"
    lookup._REMEMBERED.clear()
    page(client, path)  # the front reads the lot (no page kept yet) and hands it to the views
    assert len(reads) == 1
    lookup._REMEMBERED.clear()  # another worker: it reads the lot with its page, once
    page(client, path)
    assert len(reads) == 2
    page(client, path)  # the store's copy, for a lot the worker now remembers
    assert len(reads) == 2


def test_the_stores_copy_is_old_too_the_day_after_a_certificate_expires(
    app, client, lot, views_calls, monkeypatch
):
    path = f"/q/{lot['code']}"
    monkeypatch.setattr(page_cache, "today", lambda: CERTIFICATE_EXPIRES)
    valid = vietnamese(app, "Valid until %(date)s", date="31/12/2028")
    expired = vietnamese(app, "Expired on %(date)s", date="31/12/2028")
    assert valid in page(client, path).text  # rendered, copied into the store
    assert valid in page(client, path).text and views_calls == [path]  # the front, the store
    monkeypatch.setattr(page_cache, "today", lambda: CERTIFICATE_EXPIRES + timedelta(days=1))
    html = page(client, path).text
    assert expired in html and valid not in html
    assert views_calls == [path, path]  # neither copy was current: rendered again
