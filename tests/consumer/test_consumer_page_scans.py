"""Scans of the consumer page: recorded without the address, bots/prefetch/HEAD not counted,
counterfeit warnings, the rate limit, per-day counts for the owner, buffered writes.
"""

import time
from datetime import UTC, datetime, timedelta

import pytest

from consumer import scans
from core.extensions import db
from tests.consumer_helpers import (
    BROWSER,
    PHONE_UA,
    add_unit,
    in_english,
    page,
    scan_rows,
)
from trace.models import Scan


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


def test_rate_limit_only_after_a_high_burst(app, client, lot, one_limit_window):
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
    assert answer["total"] == 3 and answer["views"] == 3 and len(answer["per_day"]) == 7
    assert answer["per_day"][-1] == {"date": today.isoformat(), "count": 2, "views": 2}
    yesterday = (today - timedelta(days=1)).isoformat()
    assert answer["per_day"][-2] == {"date": yesterday, "count": 1, "views": 1}
    totals = farm.get(f"/scans/totals?batch_ids={batch_id}")
    assert totals == {"totals": {str(batch_id): 3}, "views": {str(batch_id): 3}}


def test_scans_are_the_owners_only(client, world, token_for, lot):
    batch_id = lot["batch"]["id"]
    for user in ("coop_b", "ent_x"):  # ent_x bought part of the lot: still not its scans
        headers = token_for(world["users"][user])
        response = client.get(f"/api/v1/batches/{batch_id}/scans", headers=headers)
        assert response.status_code == 404
        totals = client.get(f"/api/v1/scans/totals?batch_ids={batch_id}", headers=headers)
        assert totals.json == {"totals": {}, "views": {}}
    department = token_for(world["users"]["department"])
    assert client.get(f"/api/v1/batches/{batch_id}/scans", headers=department).status_code == 200


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
