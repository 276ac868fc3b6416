"""Due-diligence statements: an enterprise records its reference and verification numbers
against the lots a statement covers; they go into the EPCIS export as a bizTransaction of our
own type, show on the lot page, and a downstream buyer sees them with what it receives."""

import json

import pytest

from tests.conftest import csrf_token


def _outputs(event):
    return [line["batch_id"] for line in event["lines"] if line["role"] == "output"]


@pytest.fixture
def shipped(farm, world):
    product = farm.product()
    site = farm.site()
    lot = farm.batch(product["id"], 1000)
    farm.harvest(lot["id"], site["id"], days_ago=20)
    farm.ship(lot["id"], 1000, world["ent_x"], days_ago=10)
    return lot


def _record(client, headers, batch_ids, reference="26VNABCD1234", expect=201):
    body = {
        "reference_number": reference,
        "verification_number": "XK29ABCD",
        "batch_ids": batch_ids,
    }
    response = client.post("/api/v1/eudr/statements", json=body, headers=headers)
    assert response.status_code == expect, response.json
    return response.json


def test_a_statement_goes_into_the_epcis_export(client, buyer, shipped):
    statement = _record(client, buyer.headers, [shipped["id"]])
    assert statement["batch_ids"] == [shipped["id"]] and statement["event_id"]
    response = client.get(f"/api/v1/epcis/events?batch_id={shipped['id']}", headers=buyer.headers)
    assert response.status_code == 200
    events = json.loads(response.data)["epcisBody"]["eventList"]
    carrying = [e for e in events if e.get("bizTransactionList")]
    transactions = {
        t["type"].rsplit("/", 1)[-1]: t["bizTransaction"]
        for t in carrying[-1]["bizTransactionList"]
    }
    assert carrying[-1]["type"] == "ObjectEvent" and carrying[-1]["action"] == "OBSERVE"
    assert transactions["eudr-dds"].endswith("26VNABCD1234")
    assert transactions["eudr-dds-verification"].endswith("XK29ABCD")
    assert all("/ns/btt/" in t["type"] for t in carrying[-1]["bizTransactionList"])


def test_downstream_buyers_see_the_statement(client, buyer, shipped, token_for, world, login):
    _record(client, buyer.headers, [shipped["id"]])
    buyer.ship(shipped["id"], 400, world["ent_y"], days_ago=1)
    downstream = token_for(world["users"]["ent_y"])
    seen = client.get(f"/api/v1/eudr/lots/{shipped['id']}/statements", headers=downstream)
    assert [s["reference_number"] for s in seen.json] == ["26VNABCD1234"]
    page = login(world["users"]["ent_y"]).get(f"/trace/batches/{shipped['id']}")
    assert "26VNABCD1234" in page.get_data(as_text=True)


def test_a_lot_made_from_a_covered_lot_passes_the_reference_on(client, buyer, shipped):
    _record(client, buyer.headers, [shipped["id"]])
    roasted = buyer.product(name="Cà phê rang")
    made = buyer.transform(
        [(shipped["id"], 500)], [{"product_id": roasted["id"], "quantity": 400}], days_ago=2
    )
    (child,) = _outputs(made)
    listed = buyer.get(f"/eudr/lots/{child}/statements")
    assert [s["reference_number"] for s in listed] == ["26VNABCD1234"]


def test_refusals(client, buyer, shipped, farm, token_for, world):
    other = token_for(world["users"]["ent_y"])
    refused = _record(client, other, [shipped["id"]], expect=422)
    assert "batch_ids" in refused["errors"]
    _record(client, buyer.headers, [shipped["id"]])
    again = _record(client, buyer.headers, [shipped["id"]], expect=409)
    assert "reference_number" in again["errors"]
    bad = _record(client, buyer.headers, [shipped["id"]], reference="<script>", expect=422)
    assert "reference_number" in bad["errors"]
    department = token_for(world["users"]["department"])
    assert _record(client, department, [shipped["id"]], reference="X1", expect=403)


def test_recorded_from_the_evidence_page(login, world, shipped):
    web = login(world["users"]["ent_x"])
    url = f"/eudr/lots/{shipped['id']}/evidence"
    form = {
        "csrf_token": csrf_token(web, url),
        "reference_number": "26VNWEB00001",
        "verification_number": "VERIF0001",
    }
    response = web.post(f"/eudr/lots/{shipped['id']}/statements", data=form)
    assert response.status_code == 302
    assert "26VNWEB00001" in web.get(url).get_data(as_text=True)
    assert "26VNWEB00001" in web.get(f"/trace/batches/{shipped['id']}").get_data(as_text=True)
