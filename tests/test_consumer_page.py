"""The consumer page of a lot (/q/{code}, /01/…): content, privacy, caching, scans, limits.

Lots are made through the API (the ``farm`` fixture); the few states the API cannot
reach yet (a recall, unit codes) are set in the database, as the test says.
"""

import io
import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from flask_babel import gettext
from markupsafe import escape
from PIL import Image
from sqlalchemy import select, update

from core.extensions import db
from core.i18n import LOCALE_SESSION_KEY
from tests.trace_helpers import GTIN
from trace.codes import new_public_code
from trace.models import Batch, BatchStatus, Scan, Site, UnitCode
from trace.services import public_cache, scans

PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
BROWSER = {"User-Agent": PHONE_UA, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
CONTRACT = "HDLK-2026-017"


def make_lot(farm, gtin: str | None = GTIN, contract: bool = True, **batch_values) -> dict:
    """A harvested lot of a product with a VietGAP certificate; optionally sold under contract."""
    product = farm.product(gtin=gtin) if gtin else farm.product()
    site = farm.site()
    values = {"packing_date": "2026-11-05", "expiry_date": "2027-11-01", **batch_values}
    batch = farm.batch(product["id"], **values)
    farm.harvest(batch["id"], site["id"])
    if contract:
        farm.ship(
            batch["id"], 400, farm.world["ent_x"], reference={"type": "contract", "id": CONTRACT}
        )
    return {"product": product, "site": site, "batch": batch, "code": batch["public_code"]}


def set_status(app, batch_id: int, status: BatchStatus) -> None:
    """Change a batch's status in the database, then announce it as the recall workflow does."""
    with app.app_context():
        db.session.execute(update(Batch).where(Batch.id == batch_id).values(status=status))
        db.session.commit()
        public_cache.invalidate_lots([batch_id])


def add_unit(app, batch_id: int, serial: str = "0001") -> str:
    """Give a lot a unit code (no API yet) and return its public code."""
    with app.app_context():
        unit = UnitCode(batch_id=batch_id, serial=serial, public_code=new_public_code())
        db.session.add(unit)
        db.session.commit()
        return unit.public_code


def scan_rows(app) -> list[Scan]:
    """Every stored scan."""
    with app.app_context():
        rows = list(db.session.scalars(select(Scan).order_by(Scan.id)))
        db.session.expunge_all()
        return rows


def in_english(client) -> None:
    """Pick English for the rest of the test, as the switch does (kept in the session)."""
    with client.session_transaction() as session:
        session[LOCALE_SESSION_KEY] = "en"


def vietnamese(app, message: str, **values) -> str:
    """A message as the Vietnamese page says it (whatever the catalogue holds today)."""
    with app.test_request_context("/?lang=vi"):
        return str(escape(gettext(message, **values)))


def page(client, path: str, **headers):
    """GET a public page as a phone browser would."""
    return client.get(path, headers={**BROWSER, **headers})


@pytest.fixture
def lot(farm):
    return make_lot(farm)


def test_page_shows_origin_dates_certificates_timeline_and_buyer(client, lot):
    in_english(client)
    response = page(client, f"/q/{lot['code']}")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    html = response.get_data(as_text=True)
    assert "Cà phê nhân xanh Robusta" in html
    assert "HTX Cà phê Đăk Đoa" in html
    assert "Vùng trồng cà phê Làng Kon" in html
    assert "Đak Đoa" in html and "Gia Lai" in html  # commune and province
    assert "VN-52-CF-0001" in html  # planting-area code
    assert "1 member farm household grew this lot." in html
    assert lot["batch"]["lot_code"] in html
    assert "1 Nov 2026" in html and "5 Nov 2026" in html  # harvest, packing
    assert "1 Nov 2027" in html  # expiry
    assert "VietGAP" in html and "VG-52-0001" in html and "Valid until 31 Dec 2028" in html
    assert "Harvested at Vùng trồng cà phê Làng Kon" in html
    assert f"Sold to Công ty TNHH X under linkage contract {CONTRACT}" in html
    assert 'id="recall"' not in html


def test_page_is_vietnamese_by_default(app, client, lot):
    response = page(client, f"/q/{lot['code']}")
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html and response.headers["Content-Language"] == "vi"
    assert "01/11/2026" in html and "01/11/2027" in html  # 1 Nov 2026: dd/mm/yyyy
    assert vietnamese(app, "History") in html
    assert vietnamese(app, "Valid until %(date)s", date="31/12/2028") in html
    sold = vietnamese(
        app,
        "Sold to %(enterprise)s under linkage contract %(reference)s",
        enterprise="Công ty TNHH X",
        reference=CONTRACT,
    )
    assert sold in html


def test_page_never_shows_household_names_or_phones(client, lot):
    html = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert "Nguyễn Văn An" not in html
    assert "0905123456" not in html


def test_expired_certificate_is_marked(client, farm):
    expired = farm.product(
        name="Hồ tiêu đen",
        standards=[{"kind": "organic", "certificate_number": "OG-1", "expires_on": "2025-06-30"}],
    )
    site = farm.site(planting_area_code=None)
    batch = farm.batch(expired["id"])
    farm.harvest(batch["id"], site["id"])
    html = page(client, f"/q/{batch['public_code']}?lang=en").get_data(as_text=True)
    assert "Expired on 30 Jun 2025" in html


def test_english_switch_is_offered_and_remembered(client, lot):
    vietnamese = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert f'href="/q/{lot["code"]}?lang=en"' in vietnamese
    english = page(client, f"/q/{lot['code']}?lang=en")
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "1 Nov 2026" in html  # dates follow the language
    assert english.headers["Content-Language"] == "en"
    assert "private" in english.headers["Cache-Control"]  # it sets the language cookie
    again = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert '<html lang="en">' in again  # the choice is remembered


def test_recalled_lot_shows_a_banner(app, client, lot):
    set_status(app, lot["batch"]["id"], BatchStatus.RECALLED)
    response = page(client, f"/q/{lot['code']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="recall"' in html and vietnamese(app, "This lot has been recalled") in html


@pytest.mark.parametrize("path", ["/q/ZZZZZZZZZZZZZ", f"/01/{GTIN}/10/NO-SUCH-LOT"])
def test_unknown_code_is_a_friendly_404(app, client, path):
    response = page(client, path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert vietnamese(app, "Code not found") in html and "<html" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_draft_lot_is_not_public(client, farm):
    product = farm.product()
    draft = farm.batch(product["id"])
    assert page(client, f"/q/{draft['public_code']}").status_code == 404


def test_code_is_read_forgivingly(client, lot):
    typed = lot["code"].lower().replace("0", "o").replace("1", "l")
    assert page(client, f"/q/{typed}").status_code == 200


def test_page_is_small_and_self_contained(client, lot):
    html = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert "<script" not in html
    assert "@font-face" not in html and "fonts.googleapis" not in html
    assert 'rel="stylesheet"' not in html  # the little CSS there is, is inline
    assert len(html.encode()) < 12_000


def test_product_image_is_small_lazy_and_cached_for_good(client, farm, lot):
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40, 120, 60)).save(buffer, "JPEG", quality=95)
    upload = farm.client.put(
        f"/api/v1/products/{lot['product']['id']}/image",
        data={"image": (io.BytesIO(buffer.getvalue()), "ca-phe.jpg")},
        headers=farm.headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200, upload.json
    html = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    src = re.search(r'<img class="product" src="([^"]+)"[^>]*loading="lazy"', html).group(1)
    with client.get(src) as image:
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        assert "immutable" in image.headers["Cache-Control"]
        assert max(Image.open(io.BytesIO(image.data)).size) <= 480
        assert len(image.data) < 40_000
    assert client.get("/img/p/..%2Fsecret.jpg").status_code == 404


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


def test_get_records_a_scan_without_the_address(app, client, lot):
    address = "203.113.131.7"
    response = client.get(
        f"/q/{lot['code']}", headers=BROWSER, environ_base={"REMOTE_ADDR": address}
    )
    assert response.status_code == 200
    [scan] = scan_rows(app)
    assert scan.batch_id == lot["batch"]["id"] and scan.unit_id is None
    assert scan.user_agent == "android/chrome"
    assert scan.language == "vi"
    assert len(scan.client_hash) == 64 and scan.client_hash != address
    for column in Scan.__table__.columns:
        assert address not in str(getattr(scan, column.key))
        assert "203.113" not in str(getattr(scan, column.key))


def test_same_client_hashes_alike_on_a_day_but_not_across_days(app):
    with app.app_context():
        today = datetime.now(UTC).date()
        one = scans.client_hash("203.113.131.7", today)
        assert one == scans.client_hash("203.113.131.7", today)
        assert one != scans.client_hash("203.113.131.8", today)
        assert one != scans.client_hash("203.113.131.7", today - timedelta(days=1))
        # A phone's IPv6 suffix changes; its /64 does not.
        assert scans.client_hash("2402:800:1::1", today) == scans.client_hash(
            "2402:800:1::abcd", today
        )


@pytest.mark.parametrize(
    "headers",
    [
        {"User-Agent": "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"},
        {"User-Agent": "WhatsApp/2.23.20.0 A"},
        {"User-Agent": "TelegramBot (like TwitterBot)"},
        {"User-Agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"},
        {"User-Agent": "Googlebot/2.1 (+http://www.google.com/bot.html)"},
        {"User-Agent": "Zalo-Link-Preview/1.0"},
        {"User-Agent": ""},
        {**BROWSER, "Sec-Purpose": "prefetch"},
        {**BROWSER, "Purpose": "prefetch"},
    ],
)
def test_bots_and_prefetches_are_not_counted(app, client, lot, headers):
    response = client.get(f"/q/{lot['code']}", headers=headers)
    assert response.status_code == 200
    assert scan_rows(app) == []


def test_head_is_not_counted(app, client, lot):
    response = client.head(f"/q/{lot['code']}", headers=BROWSER)
    assert response.status_code == 200 and response.data == b""
    assert scan_rows(app) == []


def test_zalo_in_app_browser_is_a_person(app, client, lot):
    zalo = PHONE_UA + " Zalo android/12100644 ZaloTheme/light ZaloLanguage/vi"
    client.get(f"/q/{lot['code']}", headers={**BROWSER, "User-Agent": zalo})
    [scan] = scan_rows(app)
    assert scan.user_agent == "android/zalo"


def test_unit_code_scanned_from_many_places_warns_of_counterfeits(app, client, lot):
    code = add_unit(app, lot["batch"]["id"])
    in_english(client)
    first = client.get(f"/q/{code}", headers=BROWSER, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and 'id="counterfeit"' not in html
    assert "scanned 1 time" in html
    assert first.headers["Cache-Control"] == "no-cache"
    for n in range(2, scans.MAX_CLIENTS_PER_DAY + 2):
        last = client.get(
            f"/q/{code}", headers=BROWSER, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}
        )
    assert 'id="counterfeit"' in last.get_data(as_text=True)
    # The lot's own code is shared by every item and never carries the warning.
    lot_html = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert 'id="counterfeit"' not in lot_html


def test_one_shopper_scanning_a_unit_often_is_not_a_counterfeit(app, client, lot):
    code = add_unit(app, lot["batch"]["id"])
    for _ in range(5):
        response = page(client, f"/q/{code}")
    assert 'id="counterfeit"' not in response.get_data(as_text=True)


def test_rate_limit_only_after_a_high_burst(app, client, lot):
    in_english(client)
    path = f"/q/{lot['code']}"
    statuses = [page(client, path).status_code for _ in range(120)]
    assert set(statuses) == {200}  # two pages a second for a minute: still served
    blocked = page(client, path)
    assert blocked.status_code == 429
    assert "Please wait" in blocked.get_data(as_text=True)
    assert "Retry-After" in blocked.headers


def test_coarse_user_agents():
    assert scans.coarse_user_agent(PHONE_UA) == "android/chrome"
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
    )
    assert scans.coarse_user_agent(iphone) == "ios/safari"
    assert scans.coarse_user_agent("Googlebot/2.1") == "bot"
    cubot = PHONE_UA.replace("SM-A145F", "CUBOT X30")
    assert scans.coarse_user_agent(cubot) == "android/chrome"


def test_scans_per_day_for_the_cooperative(app, client, farm, world, token_for, lot):
    batch_id = lot["batch"]["id"]
    for address in ("10.1.1.1", "10.1.1.2"):
        client.get(f"/q/{lot['code']}", headers=BROWSER, environ_base={"REMOTE_ADDR": address})
    with app.app_context():
        # 23:30 in Vietnam yesterday is 16:30 UTC: it belongs to yesterday, not today.
        today = scans.vietnam_day(datetime.now(UTC))
        late = datetime.combine(today - timedelta(days=1), datetime.min.time(), scans.VIETNAM)
        late += timedelta(hours=23, minutes=30)
        db.session.add(Scan(batch_id=batch_id, scanned_at=late.astimezone(UTC), client_hash="x"))
        db.session.commit()
    answer = farm.get(f"/batches/{batch_id}/scans?days=7")
    assert answer["total"] == 3 and len(answer["per_day"]) == 7
    assert answer["per_day"][-1] == {"date": today.isoformat(), "count": 2}
    yesterday = (today - timedelta(days=1)).isoformat()
    assert answer["per_day"][-2] == {"date": yesterday, "count": 1}
    totals = farm.get(f"/scans/totals?batch_ids={batch_id}")
    assert totals == {"totals": {str(batch_id): 3}}


def test_scans_are_the_owners_only(client, world, token_for, lot):
    batch_id = lot["batch"]["id"]
    for user in ("coop_b", "ent_x"):  # ent_x bought part of the lot: still not its scans
        headers = token_for(world["users"][user])
        response = client.get(f"/api/v1/batches/{batch_id}/scans", headers=headers)
        assert response.status_code == 404
        totals = client.get(f"/api/v1/scans/totals?batch_ids={batch_id}", headers=headers)
        assert totals.json == {"totals": {}}
    department = token_for(world["users"]["department"])
    assert client.get(f"/api/v1/batches/{batch_id}/scans", headers=department).status_code == 200


def test_a_lot_made_from_another_shows_its_origin_and_contract(client, farm, buyer, world):
    cherries = make_lot(farm, contract=False)  # 1000 kg harvested by the cooperative
    farm.ship(
        cherries["batch"]["id"],
        600,
        world["ent_x"],
        days_ago=4,
        reference={"type": "contract", "id": CONTRACT},
    )
    farm.ship(cherries["batch"]["id"], 200, world["ent_y"], days_ago=4)  # not this lot's story
    roasted = buyer.product(name="Cà phê rang xay Phố Núi", standards=[])
    packing = buyer.transform(
        [(cherries["batch"]["id"], 500)],
        [{"product_id": roasted["id"], "quantity": 450, "packing_date": "2026-11-25"}],
        how="packing",
        days_ago=2,
    )
    packed_id = next(line["batch_id"] for line in packing["lines"] if line["role"] == "output")
    packed = buyer.get(f"/batches/{packed_id}")
    in_english(client)
    html = page(client, f"/q/{packed['public_code']}").get_data(as_text=True)
    assert "Cà phê rang xay Phố Núi" in html and "Công ty TNHH X" in html
    assert "Vùng trồng cà phê Làng Kon" in html and "VN-52-CF-0001" in html
    assert "1 member farm household grew this lot." in html
    assert f"(lot {cherries['batch']['lot_code']}, used to make this lot)" in html
    assert "Packed" in html
    assert html.count(f"Sold to Công ty TNHH X under linkage contract {CONTRACT}") == 2
    assert "Công ty CP Y" not in html
    assert "No standard declared." in html


def pack_from(buyer, lot: dict, days_ago: int = 2) -> dict:
    """A lot the enterprise packed from 500 of ``lot`` (its page shows ``lot``'s story too)."""
    roasted = buyer.product(name="Cà phê rang xay Phố Núi", standards=[])
    packing = buyer.transform(
        [(lot["batch"]["id"], 500)],
        [{"product_id": roasted["id"], "quantity": 450, "packing_date": "2026-11-25"}],
        how="packing",
        days_ago=days_ago,
    )
    packed_id = next(line["batch_id"] for line in packing["lines"] if line["role"] == "output")
    return buyer.get(f"/batches/{packed_id}")


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
    with app.app_context():  # a change no event announces (the recall workflow announces its own)
        db.session.execute(
            update(Site).where(Site.id == cherries["site"]["id"]).values(name="Vùng trồng Kon Mới")
        )
        db.session.commit()
    cached = [page(client, path).get_data(as_text=True) for path in paths]
    assert all("Vùng trồng cà phê Làng Kon" in html for html in cached)  # served from the cache
    with app.app_context():
        public_cache.invalidate_lots([cherries["batch"]["id"]])
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
        assert f"<dt>Item</dt><dd>{serial}</dd>" in html and f"Code: {code}" in html
        assert "scanned 1 time" in html and f'href="/q/{code}?lang=vi"' in html
    again = page(client, f"/q/{codes[0]}").get_data(as_text=True)
    assert "scanned 2 times" in again  # the count is fresh although the page is cached
    assert "<!--htx:" not in again and "<!--htx:" not in lot_html


def test_redis_store_shares_pages_and_stays_fresh(app, client, farm, lot):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    saved = app.extensions.get("htx_public_cache")
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    app.extensions["htx_public_cache"] = public_cache.RedisStore(url, database)
    try:
        in_english(client)
        first = page(client, f"/q/{lot['code']}")
        keys = redis.Redis.from_url(url).keys(f"*htx:public:*{lot['batch']['id']}:en:*")
        assert len(keys) == 1
        assert page(client, f"/q/{lot['code']}").headers["ETag"] == first.headers["ETag"]
        farm.ship(lot["batch"]["id"], 100, farm.world["ent_y"], days_ago=1)
        after = page(client, f"/q/{lot['code']}")
        assert after.headers["ETag"] != first.headers["ETag"]
        assert "Shipped to Công ty CP Y" in after.get_data(as_text=True)
    finally:
        redis.Redis.from_url(url).flushdb()
        app.extensions["htx_public_cache"] = saved


def test_databases_sharing_one_redis_never_see_each_others_pages():
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/14"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    staging = public_cache.RedisStore(url, "postgresql://db/staging")
    production = public_cache.RedisStore(url, "postgresql://db/production")
    try:
        staging.put("htx:public:p:1:vi", "staging page", 60)
        assert staging.get_many(["htx:public:p:1:vi"]) == ["staging page"]
        assert production.get_many(["htx:public:p:1:vi"]) == [None]
    finally:
        redis.Redis.from_url(url).flushdb()


def test_buffered_scans_of_lot_codes_are_written_together(app, client, lot):
    unit = add_unit(app, lot["batch"]["id"])
    in_english(client)
    app.config["SCAN_BUFFER_SIZE"], app.config["SCAN_BUFFER_SECONDS"] = 3, 30
    try:
        page(client, f"/q/{lot['code']}")
        page(client, f"/q/{lot['code']}")
        assert scan_rows(app) == []  # waiting in the buffer
        assert "scanned 1 time" in page(client, f"/q/{unit}").get_data(as_text=True)
        assert len(scan_rows(app)) == 1  # a unit's scan is written at once
        page(client, f"/q/{lot['code']}")  # the third: the buffer is full, written now
        deadline = time.monotonic() + 10
        while len(scan_rows(app)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        rows = scan_rows(app)
        assert len(rows) == 4 and sum(row.unit_id is None for row in rows) == 3
        assert all(
            len(row.client_hash) == 64 and row.user_agent == "android/chrome" for row in rows
        )
    finally:
        app.config["SCAN_BUFFER_SIZE"] = 0
        buffer = app.extensions.pop("htx_scan_buffer", None)
        if buffer is not None:
            buffer.flush()  # nothing may be left to write into the next test's database


def test_a_change_nobody_announced_shows_after_the_recheck(app, client, lot):
    in_english(client)
    path = f"/q/{lot['code']}"
    assert "1 Nov 2027" in page(client, path).get_data(as_text=True)
    with app.app_context():  # no event, no invalidate_lots: only the recheck can see it
        db.session.execute(
            update(Batch).where(Batch.id == lot["batch"]["id"]).values(expiry_date=date(2028, 2, 2))
        )
        db.session.commit()
    try:
        app.config["PUBLIC_PAGE_RECHECK_SECONDS"] = 600
        assert "1 Nov 2027" in page(client, path).get_data(as_text=True)  # no database read
        app.config["PUBLIC_PAGE_RECHECK_SECONDS"] = 0
        html = page(client, path).get_data(as_text=True)
        assert "2 Feb 2028" in html and "1 Nov 2027" not in html
    finally:
        app.config["PUBLIC_PAGE_RECHECK_SECONDS"] = 60
