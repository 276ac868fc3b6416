"""EPCIS 2.0 capture: stored whole or refused whole, idempotent by event hash, lots created
and quantities held (the document's own checks: test_epcis_capture_documents.py)."""

from datetime import UTC, datetime, timedelta

import pytest

from core.extensions import db
from epcis.capture.ledger import held_change
from gs1.event_hash import event_hash
from tests.epcis.capture_helpers import (
    EPCIS_CONTEXT,
    ERP,
    base,
    capture,
    counts,
    document,
    lot_uris,
    object_event,
    receipts,
)
from tests.epcis_helpers import schema_errors
from tests.trace_helpers import GTIN, when
from trace.models import Batch, TraceEvent
from trace.services.quantities import held_quantities


def test_round_trip_stores_receipts_with_the_senders_event_ids(
    app, farm, buyer, delivered, world, runner
):
    # The buyer reads coop A's shipments to it as EPCIS and answers with its own receipts.
    shipped = [
        e
        for e in buyer.get("/epcis/events")["epcisBody"]["eventList"]
        if e.get("bizStep") == "shipping"
    ]
    assert len(shipped) == 2
    events = []
    for index, shipment in enumerate(shipped):
        element = shipment["quantityList"][0]
        receipt = object_event("receiving", element["epcClass"], element["quantity"])
        receipt |= {
            "sourceList": shipment["sourceList"],
            "destinationList": shipment["destinationList"],
            "bizTransactionList": [{"type": "po", "bizTransaction": f"urn:erp:po:{index}"}],
            "erp:gate": f"G-{index}",
        }
        events.append(receipt)
    events.append(object_event("inspecting", events[0]["quantityList"][0]["epcClass"], 10.5))
    sent = document(events)
    report = capture(buyer.client, buyer.headers, sent, 201)
    assert report == {"stored": 3, "duplicates": 0}
    exported = buyer.get("/epcis/events")
    assert schema_errors(exported) == []
    assert exported["@context"][1]["erp"] == ERP["erp"]
    ids = {e["eventID"] for e in exported["epcisBody"]["eventList"]}
    assert {e["eventID"] for e in sent["epcisBody"]["eventList"]} <= ids
    mine = [e for e in exported["epcisBody"]["eventList"] if "erp:gate" in e]
    assert sorted(e["erp:gate"] for e in mine) == ["G-0", "G-1"]
    listed = buyer.get("/events?kind=receiving")
    assert {e["source_org_id"] for e in listed} == {world["coop_a"]}
    assert {e["destination_org_id"] for e in listed} == {world["ent_x"]}
    assert {e["reference"] for e in listed} == {"urn:erp:po:0", "urn:erp:po:1"}
    before = counts(app)
    again = capture(buyer.client, buyer.headers, sent, 200)
    assert again == {"stored": 0, "duplicates": 3}
    assert counts(app) == before
    verified = runner.invoke(args=["trace", "verify"])
    assert verified.exit_code == 0, verified.output
    # The same events sent by anyone are already stored; a new receipt of these lots by coop A
    # is refused: coop A is not the destination the receipt names.
    assert capture(farm.client, farm.headers, sent, 200) == {"stored": 0, "duplicates": 3}
    forged = document([events[0] | {"erp:gate": "G-9"}])
    refused = capture(farm.client, farm.headers, forged, 422)
    assert refused["events"][0]["field"] == "eventList[0].destinationList[0].destination"


def test_lots_named_on_any_digital_link_domain_or_as_epc_urns(app, buyer, delivered, world):
    """GS1's resolver domain for the GTIN lot, our /q/ URI for the other, then an EPC URN."""
    sent = document(receipts(app, world, delivered))
    assert capture(buyer.client, buyer.headers, sent, 201)["stored"] == 3
    urn = f"urn:epc:class:lgtin:952012.0345678.{delivered[0]['lot_code']}"
    again = object_event("inspecting", urn, 1, days_ago=0.2)
    assert capture(buyer.client, buyer.headers, document([again]), 201)["stored"] == 1


def test_duplicates_inside_one_document_are_stored_once(app, buyer, delivered, world):
    events = receipts(app, world, delivered)
    report = capture(buyer.client, buyer.headers, document([events[0], events[0]]), 201)
    assert report == {"stored": 1, "duplicates": 1}


def test_event_ids_are_optional_and_recomputed(app, buyer, delivered, world):
    sent = document(receipts(app, world, delivered), with_ids=False)
    assert capture(buyer.client, buyer.headers, sent, 201)["stored"] == 3
    with app.app_context():
        stored = set(db.session.scalars(db.select(TraceEvent.event_hash)))
    assert {event_hash(e, sent["@context"]) for e in sent["epcisBody"]["eventList"]} <= stored


def _break(case, app, world, lots) -> tuple[dict, int, str, str]:
    """A document with one bad event (index 1), the field named and words of the message."""
    events = receipts(app, world, lots)
    ok_context = [EPCIS_CONTEXT, ERP]
    if case == "schema":
        events[1]["quantityList"][0]["uom"] = "kg"
        return document(events), 1, "quantityList[0].uom", "unit code"
    if case == "unknown_lot":
        events[1]["quantityList"][0]["epcClass"] = f"https://id.gs1.org/01/{GTIN}/10/NOPE"
        return document(events), 1, "quantityList[0].epcClass", "Unknown lot"
    if case == "more_than_held":
        events[2]["quantityList"][0]["quantity"] = 100.5
        events[1] = object_event(
            "shipping",
            lot_uris(app, lots)[0],
            150,
            destinationList=[
                {"type": "owning_party", "destination": f"{base(app)}/p/{world['ent_y']}"}
            ],
        )
        return document(events[:2]), 1, "quantityList[0].epcClass", "100"
    if case == "future_time":
        events[1]["eventTime"] = (datetime.now(UTC) + timedelta(days=2)).isoformat()
        return document(events), 1, "eventTime", "future"
    if case == "bad_event_id":
        sent = document(events)
        sent["epcisBody"]["eventList"][1]["eventID"] = event_hash(events[0], ok_context)
        return sent, 1, "eventID", "another event"
    raise AssertionError(case)


@pytest.mark.parametrize(
    "case", ["schema", "unknown_lot", "more_than_held", "future_time", "bad_event_id"]
)
def test_a_bad_event_refuses_the_whole_document(app, buyer, delivered, world, case):
    sent, index, field, words = _break(case, app, world, delivered)
    before = counts(app)
    refusal = capture(buyer.client, buyer.headers, sent, 422)
    assert counts(app) == before
    assert refusal["code"] == "validation_failed" and refusal["message"]
    problems = [p for p in refusal["events"] if p["index"] == index]
    assert problems, refusal["events"]
    assert any(p["field"] == f"eventList[{index}].{field}" for p in problems), problems
    assert any(words in p["message"] for p in problems), problems
    assert all(p["index"] == index for p in refusal["events"]), refusal["events"]
    assert f"eventList[{index}].{field}" in refusal["errors"]


def test_every_bad_event_is_listed(app, buyer, delivered, world):
    events = receipts(app, world, delivered)
    events[0]["quantityList"][0]["epcClass"] = f"{base(app)}/q/NOSUCHCODE000"
    events[1]["action"] = "DELETE"
    events[2]["eventTimeZoneOffset"] = "+25:00"
    refusal = capture(buyer.client, buyer.headers, document(events), 422)
    assert sorted({p["index"] for p in refusal["events"]}) == [0, 1, 2]
    assert counts(app)[0] == 4  # coop A's harvests and shipments only


def test_a_cooperative_captures_harvest_input_and_transformation(app, farm, world, runner):
    site, product = farm.site(), farm.product(name="Cà phê quả tươi")
    cherries = farm.batch(product["id"], 1000)
    green = farm.batch(farm.product(name="Cà phê nhân")["id"], 300, households=[])
    lot = f"{base(app)}/q/{cherries['public_code']}"
    place = {"readPoint": {"id": f"{base(app)}/l/{site['code']}"}}
    place["bizLocation"] = place["readPoint"]
    harvest = object_event("commissioning", lot, 1000, days_ago=5, action="ADD", **place)
    applied = object_event(f"{base(app)}/ns/bizstep/spraying", lot, 1000, days_ago=4, **place)
    applied |= {"mine:input": "Bordeaux mixture", "mine:dose": 2}
    transform = {
        "type": "TransformationEvent",
        "eventTime": when(3),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": "commissioning",
        "inputQuantityList": [{"epcClass": lot, "quantity": 900, "uom": "KGM"}],
        "outputQuantityList": [
            {"epcClass": f"{base(app)}/q/{green['public_code']}", "quantity": 300, "uom": "KGM"}
        ],
        **place,
    }
    ship = object_event("shipping", lot, 100, days_ago=2)
    ship["destinationList"] = [
        {"type": "owning_party", "destination": f"{base(app)}/p/{world['ent_x']}"}
    ]
    over = object_event("shipping", lot, 0.001, days_ago=1, destinationList=ship["destinationList"])
    ns = {"mine": f"{base(app)}/ns/"}
    refusal = capture(
        farm.client, farm.headers, document([harvest, applied, transform, ship, over], ns), 422
    )
    assert [p["index"] for p in refusal["events"]] == [4], refusal["events"]
    assert "0" in refusal["events"][0]["message"]
    report = capture(
        farm.client, farm.headers, document([harvest, applied, transform, ship], ns), 201
    )
    assert report["stored"] == 4
    kinds = [e["kind"] for e in farm.get("/events")]
    assert kinds == ["harvest", "input_applied", "transformation", "shipping"]
    assert farm.get(f"/batches/{green['id']}")["status"] == "active"
    trace = farm.get(f"/batches/{cherries['id']}/trace?direction=forward")
    assert {b["id"] for b in trace["batches"]} == {cherries["id"], green["id"]}
    with app.app_context():
        held = held_quantities([cherries["id"], green["id"]], world["coop_a"])
    assert held == {cherries["id"]: 0, green["id"]: 300}
    assert runner.invoke(args=["trace", "verify"]).exit_code == 0


def test_the_in_memory_quantities_agree_with_the_sql_ones(app, farm, world):
    """``held_change`` mirrors ``held_quantities``; recomputed over stored events they agree."""
    site, product = farm.site(), farm.product()
    lot = farm.batch(product["id"], 500)
    farm.harvest(lot["id"], site["id"])
    made = farm.transform([(lot["id"], 200)], [{"product_id": product["id"], "quantity": 150}])
    child = made["lines"][1]["batch_id"]
    farm.ship(child, 50, world["ent_x"])
    wrong = farm.ship(lot["id"], 100, world["ent_x"])
    farm.post(f"/events/{wrong['id']}/corrections", {"reason": "x"})
    with app.app_context():
        totals = {lot["id"]: 0, child: 0}
        for event in db.session.scalars(
            db.select(TraceEvent).where(
                TraceEvent.organization_id == world["coop_a"],
                ~TraceEvent.id.in_(
                    db.select(TraceEvent.corrects_event_id).where(
                        TraceEvent.corrects_event_id.is_not(None)
                    )
                ),
            )
        ):
            for line in event.lines:
                totals[line.batch_id] += held_change(event.kind, line.role) * (line.quantity or 0)
        assert totals == held_quantities([lot["id"], child], world["coop_a"])
        assert totals == {lot["id"]: 300, child: 100}
        assert db.session.get(Batch, child).status.value == "active"


def test_a_second_receipt_in_one_document_is_refused(app, buyer, delivered, world):
    """The document's own first receipt closes the shipment it answers: a second receipt of
    the same lot (at another time, so another event) is refused, naming it."""
    first = receipts(app, world, delivered)[0]
    second = {**first, "eventTime": when(0.3)}
    before = counts(app)
    refused = capture(buyer.client, buyer.headers, document([first, second]), 409)
    assert "is already recorded" in refused["errors"]["lines"][0]
    assert counts(app) == before  # the whole document refused
    assert capture(buyer.client, buyer.headers, document([first]), 201)["stored"] == 1
