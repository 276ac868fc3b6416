"""EPCIS 2.0 export: GS1's schema, CBV 2.0 event hashes as eventIDs, error declarations, scoping."""

import json
from datetime import datetime
from urllib.parse import quote

import pytest

from core.extensions import db
from gs1.event_hash import document_event_hashes, event_hash
from registry.models import Organization, User
from tests.epcis_helpers import schema_errors, supply_chain
from tests.trace_helpers import when
from trace.models import TraceEvent

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


@pytest.fixture
def chain(farm, buyer, world):
    return supply_chain(farm, buyer, world)


def export(client, headers, query="", expect=200):
    response = client.get(f"/api/v1/epcis/events{query}", headers=headers)
    assert response.status_code == expect, response.get_data(as_text=True)[:500]
    return response


def test_export_validates_against_gs1_schema_with_hash_event_ids(farm, chain, app):
    response = export(farm.client, farm.headers)
    assert response.mimetype == "application/ld+json"
    document = json.loads(response.data)
    assert schema_errors(document) == []
    assert document["type"] == "EPCISDocument" and document["schemaVersion"] == "2.0"
    assert document["@context"][0] == EPCIS_CONTEXT
    assert document["@context"][1]["htx"].endswith("/ns/")
    events = document["epcisBody"]["eventList"]
    assert [e["eventID"] for e in events] == document_event_hashes(document)
    # Coop A's own events: input, harvest, 2 transformations, 2 shipments, inspection;
    # the buyer's receipt is the buyer's, and the correction is not an event of its own.
    assert len(events) == 7
    types = [(e["type"], e.get("action"), e.get("bizStep")) for e in events]
    assert ("ObjectEvent", "ADD", "commissioning") in types
    assert types.count(("TransformationEvent", None, "commissioning")) == 1
    assert ("TransformationEvent", None, "repackaging") in types


def test_export_writes_digital_links_bare_cbv_terms_and_references(farm, chain, app):
    document = json.loads(export(farm.client, farm.headers).data)
    events = document["epcisBody"]["eventList"]
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    harvest = next(e for e in events if e.get("action") == "ADD")
    assert harvest["quantityList"][0]["epcClass"] == f"{base}/01/09520123456788/10/CF-26-001"
    assert harvest["bizLocation"]["id"].startswith(f"{base}/l/")
    assert harvest["ilmd"]["cbvmda:lotNumber"] == "CF-26-001"
    shipment = next(
        e for e in events if e.get("bizStep") == "shipping" and "bizTransactionList" in e
    )
    assert shipment["disposition"] == "in_transit"
    assert shipment["sourceList"] == [
        {"type": "owning_party", "source": f"{base}/p/{farm.world['coop_a']}"}
    ]
    assert shipment["bizTransactionList"][0]["bizTransaction"].startswith(f"{base}/ref/contract/")
    green = next(
        e for e in events if e.get("bizStep") == "commissioning" and "inputQuantityList" in e
    )
    assert green["outputQuantityList"][0]["epcClass"].startswith(f"{base}/q/")
    inspection = next(e for e in events if e.get("bizStep") == "inspecting")
    assert inspection["certificationInfo"].endswith("/ref/certificate/VG-52-0001")
    applied = next(e for e in events if "htx:input" in e)
    assert applied["htx:input"] == "NPK 16-16-8" and applied["action"] == "OBSERVE"


def test_an_erroneous_event_carries_its_error_declaration(farm, chain):
    document = json.loads(export(farm.client, farm.headers).data)
    declared = [e for e in document["epcisBody"]["eventList"] if "errorDeclaration" in e]
    assert len(declared) == 1
    declaration = declared[0]["errorDeclaration"]
    assert declaration["reason"] == "incorrect_data"
    assert datetime.fromisoformat(declaration["declarationTime"]).tzinfo is not None
    assert declared[0]["eventID"] == farm.get(f"/events/{chain['wrong']}")["event_hash"]
    # The declaration is not part of the hash: the eventID is still the event's own.
    assert [e["eventID"] for e in document["epcisBody"]["eventList"]] == document_event_hashes(
        document
    )


def test_export_by_batch_and_date_range(farm, chain):
    by_lot = json.loads(export(farm.client, farm.headers, f"?batch_id={chain['green']}").data)
    # Made by one transformation, consumed by the next.
    assert len(by_lot["epcisBody"]["eventList"]) == 2
    recent = json.loads(export(farm.client, farm.headers, "?from=" + _days_ago_param(6)).data)
    assert {e["bizStep"] for e in recent["epcisBody"]["eventList"]} == {"shipping", "inspecting"}
    export(farm.client, farm.headers, "?from=yesterday", expect=422)


def test_a_range_given_in_vietnam_time_is_read_as_that_moment(farm):
    """An hour either side of a harvest, written with +07:00: the harvest is inside. Read as
    if the clock time were UTC (SQLite compares stored times as text), the window would
    start six hours after it."""
    batch = farm.batch(farm.product()["id"], 10)
    farm.harvest(batch["id"], farm.site()["id"], days_ago=3)
    hour = 1 / 24
    window = f"?from={_days_ago_param(3 + hour)}&to={_days_ago_param(3 - hour)}"
    found = json.loads(export(farm.client, farm.headers, window).data)["epcisBody"]["eventList"]
    assert [event["bizStep"] for event in found] == ["commissioning"]


def _days_ago_param(days: float) -> str:
    return quote(when(days))


def test_export_is_scoped_to_what_the_caller_may_see(farm, buyer, chain, client, world, token_for):
    other_coop = token_for(world["users"]["coop_b"])
    assert json.loads(export(client, other_coop).data)["epcisBody"]["eventList"] == []
    export(client, other_coop, f"?batch_id={chain['cherries']}", expect=404)
    assert (
        json.loads(export(client, other_coop, f"?organization_id={world['coop_a']}").data)[
            "epcisBody"
        ]["eventList"]
        == []
    )
    # The buyer sees the events about the lot delivered to it (with its genealogy's own
    # events about that lot: the split that made it, the shipment, its receipt).
    delivered = json.loads(export(buyer.client, buyer.headers).data)
    assert schema_errors(delivered) == []
    steps = sorted(e["bizStep"] for e in delivered["epcisBody"]["eventList"])
    assert steps == ["receiving", "repackaging", "shipping"]
    export(buyer.client, buyer.headers, f"?batch_id={chain['cherries']}", expect=404)
    dept = token_for(world["users"]["department"])
    everything = json.loads(export(client, dept).data)["epcisBody"]["eventList"]
    assert len(everything) == 8
    assert client.get("/api/v1/epcis/events").status_code == 401


def test_export_keeps_clashing_prefixes_apart(farm, chain, app):
    """Two events whose extension prefix means different namespaces keep their own hashes."""
    with app.app_context():
        event = db.session.get(TraceEvent, chain["inspection"])
        event.epcis_context = {"htx": "https://elsewhere.example/ns/"}
        event.event_hash = event_hash(event.epcis, [EPCIS_CONTEXT, event.epcis_context])
        db.session.commit()
    document = json.loads(export(farm.client, farm.headers).data)
    events = document["epcisBody"]["eventList"]
    assert [e["@context"] for e in events if "@context" in e] == [
        {"htx": "https://elsewhere.example/ns/"}
    ]
    assert document["@context"][1]["htx"] != "https://elsewhere.example/ns/"
    assert [e["eventID"] for e in events] == document_event_hashes(document)


def test_openapi_lists_the_epcis_endpoints(client):
    paths = json.loads(client.get("/api/v1/openapi.json").data)["paths"]
    for path in ("/api/v1/epcis/events", "/api/v1/epcis/capture", "/api/v1/trace-report"):
        assert path in paths, path


MDA = "urn:epcglobal:cbv:mda#"


def test_the_header_names_every_place_and_party_the_events_name(farm, chain, world, app):
    """Every readPoint, bizLocation, source and destination has a master data element with
    its name; the document still validates against GS1's schema."""
    document = json.loads(export(farm.client, farm.headers).data)
    assert schema_errors(document) == []
    vocabularies = document["epcisHeader"]["epcisMasterData"]["vocabularyList"]
    elements = {
        element["id"]: (
            vocabulary["type"],
            {a["id"]: a["attribute"] for a in element["attributes"]},
        )
        for vocabulary in vocabularies
        for element in vocabulary["vocabularyElementList"]
    }
    named = set()
    for event in document["epcisBody"]["eventList"]:
        for key in ("readPoint", "bizLocation"):
            if key in event:
                named.add(event[key]["id"])
        for entry in event.get("sourceList", []) + event.get("destinationList", []):
            named.add(entry.get("source") or entry.get("destination"))
    assert named and named <= set(elements)
    assert len(named) >= 3  # the site and both parties of the shipments
    for uri in named:
        vtype, attributes = elements[uri]
        assert attributes[f"{MDA}name"], uri
        assert attributes[f"{MDA}countryCode"] == "VN"
        assert attributes[f"{MDA}city"], uri  # the commune
    parties = {
        attributes[f"{MDA}name"]
        for vtype, attributes in elements.values()
        if vtype == "urn:epcglobal:epcis:vtype:Party"
    }
    with app.app_context():
        coop_a = db.session.get(Organization, world["coop_a"])
        assert coop_a.name in parties
        if coop_a.tax_code:
            assert any(coop_a.tax_code in map(str, a.values()) for _t, a in elements.values())


def test_master_data_is_read_in_a_few_queries(farm, chain, app):
    """The places and parties are loaded in one query each (with their communes), not one by
    one."""
    from sqlalchemy import event as sa_event

    from epcis.export import export_document

    with app.app_context():
        user = db.session.get(User, farm.world["users"]["coop_a"])
        statements = []
        engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            document = export_document(user)
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
    assert "epcisHeader" in document
    assert len(statements) < 15, statements
