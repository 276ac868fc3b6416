""" "Today" is Vietnam's date, not the server's UTC one (found by the first-deployment walk).

Between midnight and 7 a.m. in Gia Lai a UTC server is still on yesterday: a lot made then
got yesterday's date in its code, a delivery dated today was refused as "in the future",
and the delivery form offered yesterday. The clock is set to half past midnight in Vietnam.
"""

from datetime import UTC, datetime, time, timedelta

import pytest

from core import clock
from tests.web_helpers import text


@pytest.fixture
def after_midnight_in_vietnam(monkeypatch):
    """Half past midnight of Vietnam's tomorrow (UTC's today, at 17:30): that date."""
    tomorrow = datetime.now(clock.VIETNAM).date() + timedelta(days=1)
    instant = datetime.combine(tomorrow, time(0, 30), clock.VIETNAM).astimezone(UTC)
    assert instant.date() != tomorrow
    monkeypatch.setattr(clock, "utcnow", lambda: instant)
    return tomorrow


def test_a_lot_code_carries_vietnams_date(farm, after_midnight_in_vietnam):
    batch = farm.batch(farm.product()["id"], 100)
    assert batch["lot_code"].startswith(after_midnight_in_vietnam.strftime("%y%m%d"))


def test_a_delivery_dated_today_in_vietnam_is_not_in_the_future(
    linkage, farm, login, world, after_midnight_in_vietnam
):
    contract = linkage.signed_contract()
    batch = farm.batch(farm.product()["id"], 2000)
    farm.harvest(batch["id"], farm.site()["id"])
    page = text(login(world["users"]["coop_a"]).get(f"/linkage/contracts/{contract['id']}"))
    assert f'value="{after_midnight_in_vietnam.isoformat()}"' in page  # the form's default
    body = {
        "delivered_on": after_midnight_in_vietnam.isoformat(),
        "lines": [{"batch_id": batch["id"], "quantity": 500}],
    }
    path = f"/contracts/{contract['id']}/deliveries"
    linkage.call("post", path, linkage.coop, body, expect=201)
