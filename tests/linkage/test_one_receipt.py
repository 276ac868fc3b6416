"""One receipt per delivery (issue 26, item 3).

A confirmed delivery writes the buyer's receipt; no second receipt can follow (the API
answers 409, the lot page no longer offers "Record receipt"). The receipt says who recorded
it, and the buyer's lot list shows what the buyer holds, not the seller's lot size.
"""

import html
import re

from sqlalchemy import func, select

from core.extensions import db
from tests.linkage_helpers import TODAY
from tests.trace_helpers import when
from tests.web_helpers import text
from trace.models import EventKind, TraceEvent


def _harvested_lot(farm, quantity=2000):
    batch = farm.batch(farm.product()["id"], quantity)
    farm.harvest(batch["id"], farm.site()["id"])
    return batch


def _receipt(buyer, batch_id, source_id, quantity, expect):
    body = {
        "kind": "receiving",
        "event_time": when(1),
        "source_org_id": source_id,
        "lines": [{"batch_id": batch_id, "quantity": quantity}],
    }
    return buyer.post("/events", body, expect=expect)


def _recorded_by(page: str) -> list[str]:
    """The "Recorded by …" lines of a lot page's timeline."""
    found = re.findall(r'class="muted small recorded-by">([^<]*)<', page)
    return [html.unescape(label) for label in found]


def _receipts(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).where(TraceEvent.kind == EventKind.RECEIVING))


def test_a_delivery_the_cooperative_records_is_received_once(
    app, linkage, farm, buyer, world, login
):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm, 2000)
    delivery = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.coop,
        {"delivered_on": TODAY.isoformat(), "lines": [{"batch_id": batch["id"], "quantity": 1200}]},
        expect=201,
    ).json
    assert delivery["status"] == "confirmed" and delivery["receiving_event_id"]
    assert _receipts(app) == 1

    # The enterprise cannot add a second receipt: 409 naming the lines, nothing written.
    again = _receipt(buyer, batch["id"], world["coop_a"], 1200, expect=409)
    assert "lines" in again["errors"]
    assert _receipts(app) == 1

    # Its lot list shows what it holds (1200), not the cooperative's lot (2000).
    (listed,) = [row for row in buyer.get("/batches") if row["id"] == batch["id"]]
    assert listed["held_quantity"] == 1200 and listed["quantity"] == 2000
    (own,) = [row for row in farm.get("/batches") if row["id"] == batch["id"]]
    assert own["held_quantity"] is None

    client = login(world["users"]["ent_x"])
    page = text(client.get(f"/trace/batches/{batch['id']}"))
    receiving_form = f"/trace/batches/{batch['id']}/events/receiving/new"
    assert receiving_form not in page  # "Xác nhận đã nhận hàng" is not offered
    assert client.get(receiving_form).status_code == 404
    # The receipt says the cooperative recorded it, for the enterprise.
    labels = _recorded_by(page)
    assert any("HTX Cà phê Đăk Đoa" in label and "Công ty TNHH X" in label for label in labels)
    rows = text(client.get("/trace/batches"))
    held = re.search(r'<span class="held"[^>]*>(.*?)<br>', rows, re.S)
    assert held and "1.200" in held.group(1) and "2.000" not in rows


def test_a_shipment_is_received_once_through_the_api_and_the_page(app, farm, buyer, world, login):
    batch = _harvested_lot(farm, 1000)
    farm.ship(batch["id"], 400, world["ent_x"])
    client = login(world["users"]["ent_x"])
    receiving_form = f"/trace/batches/{batch['id']}/events/receiving/new"
    assert receiving_form in text(client.get(f"/trace/batches/{batch['id']}"))

    _receipt(buyer, batch["id"], world["coop_a"], 400, expect=201)
    assert _receipts(app) == 1
    assert receiving_form not in text(client.get(f"/trace/batches/{batch['id']}"))
    assert "lines" in _receipt(buyer, batch["id"], world["coop_a"], 400, expect=409)["errors"]
    assert _receipts(app) == 1
    page = text(client.get(f"/trace/batches/{batch['id']}"))
    labels = _recorded_by(page)
    # The enterprise recorded its own receipt: labelled with its own name only.
    assert any("Công ty TNHH X" in label and "HTX" not in label for label in labels)

    # A second shipment is owed its own receipt.
    farm.ship(batch["id"], 100, world["ent_x"])
    assert receiving_form in text(client.get(f"/trace/batches/{batch['id']}"))
    _receipt(buyer, batch["id"], world["coop_a"], 100, expect=201)
    assert _receipts(app) == 2
