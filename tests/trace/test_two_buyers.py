"""Two buyers of one lot (issue 18 item 2): each sees the lot's history up to its own shipment and
its own events after it, never the other's shipment, receipt, inspection, documents or lots made
of it; the seller and the department see everything. Every channel: the API's event list and
event, EPCIS export, trace report and trace JSON; the web lot page, chain page and downloads.
"""

from datetime import date, timedelta

import pytest

from tests.tenancy_helpers import X_MARKERS
from tests.two_buyers_helpers import build_two_buyers

Y_MARKERS = ("INV-Y-TWO",)


@pytest.fixture
def two(client, world, token_for):
    roles = ("department", "coop_a", "ent_x", "ent_y")
    headers = {role: token_for(world["users"][role]) for role in roles}
    keys = {"department": "department", "coop_a": "coop_a", "ent_x": "ent_x", "ent_y": "ent_y"}
    built = build_two_buyers(client, world, {keys[r]: h for r, h in headers.items()})
    return {**built, "headers": headers}


def api_texts(client, headers: dict, batch_id: int) -> dict[str, str]:
    """Every API answer about the lot (and the caller's whole lists), as text."""
    paths = [
        "/events?per_page=200",
        f"/events?batch_id={batch_id}",
        "/epcis/events",
        f"/epcis/events?batch_id={batch_id}",
        f"/trace-report?batch_id={batch_id}&fmt=csv",
        f"/batches/{batch_id}/trace?direction=forward",
        f"/batches/{batch_id}/trace?direction=backward",
        f"/batches/{batch_id}",
    ]
    texts = {}
    for path in paths:
        response = client.get(f"/api/v1{path}", headers=headers)
        assert response.status_code == 200, (path, response.status_code)
        texts[path] = response.get_data(as_text=True)
    return texts


def web_texts(client, batch_id: int) -> dict[str, str]:
    """Every web page and download about the lot, as text."""
    today = date.today()
    first = (today - timedelta(days=60)).isoformat()
    paths = [
        f"/trace/batches/{batch_id}",
        f"/trace/batches/{batch_id}/chain?direction=forward",
        f"/trace/batches/{batch_id}/chain?direction=backward",
        f"/trace/batches/{batch_id}/epcis.jsonld",
        f"/trace/batches/{batch_id}/report.csv",
        f"/trace/exports?kind=epcis&from={first}&to={today.isoformat()}",
        f"/trace/exports?kind=csv&from={first}&to={today.isoformat()}",
    ]
    texts = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        texts[path] = response.get_data(as_text=True)
    return texts


def leaks(texts: dict[str, str], markers) -> list[str]:
    return [f"{path}: {m}" for path, text in texts.items() for m in markers if m in text]


def test_a_buyer_sees_its_own_shipment_not_the_other_buyers(client, two):
    batch_id = two["batch_id"]
    y_api = api_texts(client, two["headers"]["ent_y"], batch_id)
    assert not leaks(y_api, X_MARKERS)
    # Not vacuous: Y reads its own shipment, with its invoice, and the seller's harvest.
    assert "INV-Y-TWO-5" in y_api[f"/events?batch_id={batch_id}"]
    listed = client.get(f"/api/v1/events?batch_id={batch_id}", headers=two["headers"]["ent_y"])
    ids = {event["id"] for event in listed.json}
    events = two["events"]
    assert {events["harvest"], events["to_y"], events["y_receipt"]} <= ids
    assert not ids & {events["to_x"], events["x_receipt"], events["x_inspection"]}
    x_api = api_texts(client, two["headers"]["ent_x"], batch_id)
    assert not leaks(x_api, Y_MARKERS)
    assert "INV-XONLY-1" in x_api[f"/events?batch_id={batch_id}"]
    assert "LOT-XONLY-4" in x_api[f"/batches/{batch_id}/trace?direction=forward"]


def test_another_buyers_event_is_not_found(client, two):
    events = two["events"]
    for name in ("to_x", "x_receipt", "x_inspection", "x_transformation"):
        response = client.get(f"/api/v1/events/{events[name]}", headers=two["headers"]["ent_y"])
        assert response.status_code == 404, name
    assert (
        client.get(f"/api/v1/events/{events['to_y']}", headers=two["headers"]["ent_y"]).status_code
        == 200
    )


def test_the_seller_and_the_department_see_both_buyers(client, two):
    for role in ("coop_a", "department"):
        texts = api_texts(client, two["headers"][role], two["batch_id"])
        lot_events = texts[f"/events?batch_id={two['batch_id']}"]
        assert "INV-XONLY-1" in lot_events and "INV-Y-TWO-5" in lot_events, role
        forward = texts[f"/batches/{two['batch_id']}/trace?direction=forward"]
        assert "INV-XONLY-1" in forward and "INV-Y-TWO-5" in forward, role


def test_the_web_shows_a_buyer_nothing_of_the_other(client, world, login, two):
    batch_id = two["batch_id"]
    y_web = web_texts(login(world["users"]["ent_y"]), batch_id)
    assert not leaks(y_web, X_MARKERS)
    assert "INV-Y-TWO-5" in y_web[f"/trace/batches/{batch_id}"]
    x_web = web_texts(login(world["users"]["ent_x"]), batch_id)
    assert not leaks(x_web, Y_MARKERS)
    a_web = web_texts(login(world["users"]["coop_a"]), batch_id)
    page = a_web[f"/trace/batches/{batch_id}/chain?direction=forward"]
    assert "INV-XONLY-1" in page and "INV-Y-TWO-5" in page


def test_the_public_page_shows_no_invoice_or_purchase_order(client, two):
    """The consumer page shows the lot's public history; business documents other than a
    linkage contract's number are never on it."""
    lot = client.get(f"/api/v1/batches/{two['batch_id']}", headers=two["headers"]["coop_a"]).json
    response = client.get(f"/q/{lot['public_code']}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert not [m for m in ("INV-XONLY", "PO-XONLY", "INV-Y-TWO") if m in text]
