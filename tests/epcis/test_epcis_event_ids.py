"""EPCIS capture keeps the sender's eventID, whatever URI it is; our CBV 2.0 hash of every
event is the duplicate key; a ni: eventID that is no hash of the event is kept with a warning."""

import uuid

import pytest
from sqlalchemy import select

from core.extensions import db
from gs1.event_hash import event_hash, reference_json_hash
from tests.epcis.capture_helpers import (
    EPCIS_CONTEXT,
    ERP,
    base,
    capture,
    counts,
    document,
    object_event,
    receipts,
)
from trace.models import TraceEvent


@pytest.fixture
def lots(delivered):  # noqa: F811 - the fixture imported above
    """Coop A's two lots shipped to enterprise X."""
    return delivered


def _with_ids(sent: dict, ids: list[str]) -> dict:
    for event, event_id in zip(sent["epcisBody"]["eventList"], ids, strict=True):
        event["eventID"] = event_id
    return sent


def _exported_ids(reader) -> dict[str, dict]:
    return {e["eventID"]: e for e in reader.get("/epcis/events")["epcisBody"]["eventList"]}


def test_a_partners_uuid_event_ids_are_kept_and_exported(app, buyer, lots, world):
    events = receipts(app, world, lots)
    ids = [f"urn:uuid:{uuid.uuid4()}" for _event in events]
    sent = _with_ids(document(events, with_ids=False), ids)
    assert capture(buyer.client, buyer.headers, sent, 201) == {"stored": 3, "duplicates": 0}
    exported = _exported_ids(buyer)
    assert set(ids) <= set(exported)
    context = [EPCIS_CONTEXT, ERP]
    with app.app_context():
        stored = dict(
            db.session.execute(select(TraceEvent.epcis_event_id, TraceEvent.event_hash)).all()
        )
    # Our hash is kept beside the sender's ID: it is what finds a duplicate.
    assert {stored[i] for i in ids} == {event_hash(e, context) for e in events}


def test_the_same_event_under_another_id_is_stored_once(app, buyer, lots, world):
    events = receipts(app, world, lots)
    first = _with_ids(document(events[:1], with_ids=False), [f"urn:uuid:{uuid.uuid4()}"])
    assert capture(buyer.client, buyer.headers, first, 201)["stored"] == 1
    before = counts(app)
    # Again under a new uuid, under our hash, and with no ID at all: one event, stored once.
    again = document([dict(events[0]) for _copy in range(3)], with_ids=False)
    ours = event_hash(events[0], first["@context"])
    again = _with_ids(again, [f"urn:uuid:{uuid.uuid4()}", ours, "-"])
    del again["epcisBody"]["eventList"][2]["eventID"]
    assert capture(buyer.client, buyer.headers, again, 200) == {"stored": 0, "duplicates": 3}
    assert counts(app) == before


def test_an_id_naming_another_event_is_refused(app, buyer, lots, world):
    events = receipts(app, world, lots)
    taken = f"urn:uuid:{uuid.uuid4()}"
    stored = _with_ids(document(events[:1], with_ids=False), [taken])
    assert capture(buyer.client, buyer.headers, stored, 201)["stored"] == 1
    before = counts(app)
    clash = _with_ids(document(events[1:2], with_ids=False), [taken])
    refused = capture(buyer.client, buyer.headers, clash, 422)
    assert [(p["index"], p["field"]) for p in refused["events"]] == [(0, "eventList[0].eventID")]
    assert "another event" in refused["events"][0]["message"]
    # Two events of one document under one ID: the second is refused.
    twice = f"urn:uuid:{uuid.uuid4()}"
    both = _with_ids(document(events[1:3], with_ids=False), [twice, twice])
    refused = capture(buyer.client, buyer.headers, both, 422)
    assert [(p["index"], p["field"]) for p in refused["events"]] == [(1, "eventList[1].eventID")]
    assert counts(app) == before


def test_a_hash_id_of_something_else_is_stored_with_a_warning(app, buyer, lots, world):
    events = receipts(app, world, lots)
    context = [EPCIS_CONTEXT, ERP]
    foreign = event_hash({**events[0], "erp:gate": "elsewhere"}, context)
    sent = _with_ids(document(events[:2]), [foreign, event_hash(events[1], context)])
    report = capture(buyer.client, buyer.headers, sent, 201)
    assert report["stored"] == 2
    assert [(w["index"], w["field"], w["event_id"]) for w in report["warnings"]] == [
        (0, "eventList[0].eventID", foreign)
    ]
    assert event_hash(events[0], context) in report["warnings"][0]["message"]
    exported = _exported_ids(buyer)
    assert foreign in exported and event_hash(events[1], context) in exported


def test_the_reference_tools_json_hash_is_accepted_without_warning(app, farm, world):
    """A harvest with lot master data, its eventID from the tool's JSON path
    (``cbvmda:lotNumber`` kept literal): stored under that ID, no warning."""
    site, product = farm.site(), farm.product(name="Cà phê quả tươi")
    lot = farm.batch(product["id"], 1000)
    place = {"readPoint": {"id": f"{base(app)}/l/{site['code']}"}}
    harvest = object_event(
        "commissioning",
        f"{base(app)}/q/{lot['public_code']}",
        1000,
        days_ago=5,
        action="ADD",
        ilmd={"cbvmda:lotNumber": lot["lot_code"]},
        **place,
    )
    sent = document([harvest], with_ids=False)
    tools = reference_json_hash(harvest, sent["@context"])
    assert tools != event_hash(harvest, sent["@context"])
    report = capture(farm.client, farm.headers, _with_ids(sent, [tools]), 201)
    assert report == {"stored": 1, "duplicates": 0}
    assert tools in _exported_ids(farm)


def test_our_own_events_keep_the_hash_as_their_id(app, farm, world):
    site, product = farm.site(), farm.product()
    lot = farm.batch(product["id"], 100)
    farm.harvest(lot["id"], site["id"])
    exported = farm.get("/epcis/events")
    [event] = exported["epcisBody"]["eventList"]
    assert event["eventID"] == event_hash(event, exported["@context"])
    with app.app_context():
        assert db.session.scalar(select(TraceEvent.epcis_event_id)) is None
