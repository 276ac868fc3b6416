"""A lot's scan figures count distinct visitors per day, with the raw page views beside them.

A visitor is a daily-salted hash of the client's network and user agent: reloading the page
adds views, not visitors; another browser behind the same address is another visitor; the
next day the same browser counts again. The counterfeit warning reads visitors only.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest

from consumer import scans
from tests.consumer_helpers import BROWSER, PHONE_UA, add_unit, in_english, scan_rows

IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
ADDRESS = "203.113.131.7"


def open_page(client, path, user_agent=PHONE_UA, address=ADDRESS):
    response = client.get(
        path, headers={**BROWSER, "User-Agent": user_agent}, environ_base={"REMOTE_ADDR": address}
    )
    assert response.status_code == 200
    return response


def figures(farm, batch_id, days=7):
    answer = farm.get(f"/batches/{batch_id}/scans?days={days}")
    totals = farm.get(f"/scans/totals?batch_ids={batch_id}")
    return answer, totals


def test_one_client_reloading_50_times_is_one_visitor_and_50_views(
    app, client, farm, lot, login, world
):
    for _ in range(50):
        open_page(client, f"/q/{lot['code']}")
    assert len(scan_rows(app)) == 50
    batch_id = lot["batch"]["id"]
    answer, totals = figures(farm, batch_id)
    assert answer["total"] == 1 and answer["views"] == 50
    assert answer["per_day"][-1]["count"] == 1 and answer["per_day"][-1]["views"] == 50
    assert totals == {"totals": {str(batch_id): 1}, "views": {str(batch_id): 50}}
    # The cooperative's page shows both figures.
    html = login(world["users"]["coop_a"]).get(f"/trace/batches/{batch_id}/scans?days=7").text
    assert re.search(r'id="scan-total">1<', html) and re.search(r'id="scan-views">50 ', html)
    assert re.search(r'<td class="num">1</td><td class="num views">50<', html)


def test_two_user_agents_behind_one_address_are_two_visitors(app, client, farm, lot):
    for user_agent in (PHONE_UA, IPHONE_UA, PHONE_UA, IPHONE_UA):
        open_page(client, f"/q/{lot['code']}", user_agent=user_agent)
    answer, totals = figures(farm, lot["batch"]["id"])
    assert (answer["total"], answer["views"]) == (2, 4)
    assert totals["totals"] == {str(lot["batch"]["id"]): 2}


def test_the_hash_keeps_address_and_agent_apart_and_stores_neither(app, client, lot):
    open_page(client, f"/q/{lot['code']}")
    [row] = scan_rows(app)
    assert ADDRESS not in row.client_hash and "Android" not in row.client_hash
    with app.app_context():
        today = scans.vietnam_day(datetime.now(UTC))
        assert row.client_hash == scans.client_hash(ADDRESS, today, PHONE_UA)
        assert row.client_hash != scans.client_hash(ADDRESS, today, IPHONE_UA)
        assert row.client_hash != scans.client_hash("203.113.131.8", today, PHONE_UA)


class _Yesterday(datetime):
    """``datetime`` whose now() is a day ago (the scan module's clock only)."""

    @classmethod
    def now(cls, tz=None):
        return datetime.now(tz) - timedelta(days=1)


def test_the_same_client_the_next_day_counts_again(app, client, farm, lot, monkeypatch):
    with monkeypatch.context() as yesterday:
        yesterday.setattr(scans, "datetime", _Yesterday)
        for _ in range(3):
            open_page(client, f"/q/{lot['code']}")
    for _ in range(3):
        open_page(client, f"/q/{lot['code']}")
    answer, totals = figures(farm, lot["batch"]["id"])
    days = [(day["count"], day["views"]) for day in answer["per_day"][-2:]]
    assert days == [(1, 3), (1, 3)]
    assert (answer["total"], answer["views"]) == (2, 6)
    assert totals["totals"] == {str(lot["batch"]["id"]): 2}


def test_one_clients_reloads_never_raise_the_counterfeit_warning(app, client, lot):
    code = add_unit(app, lot["batch"]["id"])
    in_english(client)
    for _ in range(50):
        response = open_page(client, f"/q/{code}")
    html = response.text
    assert 'id="counterfeit"' not in html
    assert "scanned 50 times" in html and "1 visitor, each counted once a day" in html
    with app.app_context():
        unit_id = scan_rows(app)[-1].unit_id
        stats = scans.unit_scan_stats(unit_id)
    assert (stats.visitors, stats.views, stats.suspicious) == (1, 50, False)


@pytest.mark.parametrize("agents", [True, False])
def test_many_visitors_of_one_unit_code_do_warn(app, client, lot, agents):
    # More visitors in a day than handle one item: other addresses, or other browsers.
    code = add_unit(app, lot["batch"]["id"])
    for n in range(scans.MAX_CLIENTS_PER_DAY + 1):
        if agents:
            response = open_page(client, f"/q/{code}", user_agent=f"{PHONE_UA} build/{n}")
        else:
            response = open_page(client, f"/q/{code}", address=f"10.0.0.{n}")
    assert 'id="counterfeit"' in response.text
