"""Recording a lot's harvest gives a lot without a harvest date the harvest's day, on
Vietnam's calendar (found by the first-deployment walk, issue #26: the lot page and the lot
list showed "—" for the harvest date of a lot whose harvest was recorded)."""

from datetime import UTC, datetime, timedelta

from core.clock import VIETNAM


def test_a_harvest_dates_a_lot_that_had_no_date(farm):
    product = farm.product(shelf_life_days=365)
    batch = farm.batch(product["id"], 300, harvest_date=None)
    # 18:30 UTC: already the next day in Gia Lai.
    moment = (datetime.now(UTC) - timedelta(days=3)).replace(hour=18, minute=30, second=0)
    farm.post(
        "/events",
        {
            "kind": "harvest",
            "event_time": moment.isoformat(),
            "site_id": farm.site()["id"],
            "lines": [{"batch_id": batch["id"]}],
        },
    )
    saved = farm.get(f"/batches/{batch['id']}")
    day = moment.astimezone(VIETNAM).date()
    assert saved["harvest_date"] == day.isoformat()
    assert saved["expiry_date"] == (day + timedelta(days=365)).isoformat()


def test_a_lot_keeps_the_harvest_date_it_was_given(farm):
    batch = farm.batch(farm.product()["id"], 300, harvest_date="2026-11-01")
    farm.harvest(batch["id"], farm.site()["id"], days_ago=2)
    assert farm.get(f"/batches/{batch['id']}")["harvest_date"] == "2026-11-01"
