"""EPCIS 2.0 capture: stored whole or refused whole, idempotent by event hash, GS1's examples."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from core.extensions import db
from epcis.capture.ledger import held_change
from gs1.event_hash import event_hash
from tests.conftest import row_count
from tests.epcis_helpers import EXAMPLES, SCHEMA, require_standards, schema_errors
from tests.trace_helpers import GTIN, when
from trace.models import Batch, BatchLink, EventLine, TraceEvent
from trace.services.quantities import held_quantities

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
ERP = {"erp": "https://erp.example.com/epcis/"}


@pytest.fixture
def delivered(farm, world):
    """Two of coop A's lots shipped to enterprise X: one with a GTIN, one without."""
    site = farm.site()
    with_gtin = farm.product(name="Cà phê nhân xanh", gtin=GTIN)
    plain = farm.product(name="Hồ tiêu đen")
    lots = [farm.batch(with_gtin["id"], 100, lot_code="GX-01"), farm.batch(plain["id"], 50)]
    for lot in lots:
        farm.harvest(lot["id"], site["id"])
        farm.ship(lot["id"], lot["quantity"], world["ent_x"], days_ago=3)
    return lots


def base(app) -> str:
    return app.config["PUBLIC_BASE_URL"].rstrip("/")


def lot_uris(app, lots) -> list[str]:
    """As another system names them: GS1's resolver domain for the GTIN lot, our /q/ URI else."""
    return [
        f"https://id.gs1.org/01/{GTIN}/10/{lots[0]['lot_code']}",
        f"{base(app)}/q/{lots[1]['public_code']}",
    ]


def object_event(step, uri, quantity, uom="KGM", days_ago=1.0, **extra) -> dict:
    event = {
        "type": "ObjectEvent",
        "eventTime": when(days_ago),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": step,
        "readPoint": {"id": "urn:epc:id:sgln:9520123.00001.0"},
        "quantityList": [{"epcClass": uri, "quantity": quantity, "uom": uom}],
    }
    return event | extra


def document(events, prefixes=ERP, with_ids=True) -> dict:
    context = [EPCIS_CONTEXT, prefixes]
    if with_ids:
        events = [{"eventID": event_hash(e, context), **e} for e in events]
    return {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": events},
    }


def receipts(app, world, lots) -> list[dict]:
    parties = {
        "sourceList": [{"type": "owning_party", "source": f"{base(app)}/p/{world['coop_a']}"}],
        "destinationList": [
            {"type": "owning_party", "destination": f"{base(app)}/p/{world['ent_x']}"}
        ],
    }
    uris = lot_uris(app, lots)
    return [
        object_event("receiving", uris[0], 100.0, **parties, **{"erp:gate": "G-2"}),
        object_event("receiving", uris[1], 50, **parties, disposition="in_progress"),
        object_event("inspecting", uris[0], 10.5, days_ago=0.5, **{"erp:grade": "A"}),
    ]


def capture(client, headers, body, expect):
    # Messages are asserted in English; the API answers in Vietnamese unless asked.
    headers = {**headers, "Accept-Language": "en"}
    response = client.post("/api/v1/epcis/capture", json=body, headers=headers)
    assert response.status_code == expect, response.get_data(as_text=True)[:2000]
    return response.json


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return row_count(TraceEvent), row_count(EventLine), row_count(BatchLink)


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


def test_gs1_examples_pass_the_schema_but_their_lots_are_unknown(buyer, app):
    from epcis.capture.schema import schema_problems

    require_standards()
    files = sorted(EXAMPLES.glob("*.jsonld"))
    assert files, EXAMPLES
    for path in files:
        sent = json.loads(path.read_text(encoding="utf-8"))
        assert schema_errors(sent) == [], path.name
        with app.test_request_context():
            assert schema_problems(sent) == [], path.name
        refusal = capture(buyer.client, buyer.headers, sent, 422)
        messages = " ".join(p["message"] for p in refusal["events"])
        assert "Unknown lot" in messages or "Not an event shape" in messages, path.name
        assert all(p["index"] >= 0 for p in refusal["events"]), path.name
    assert counts(app) == (0, 0, 0)


def test_who_may_capture_and_what_is_refused_before_reading(
    app, client, world, token_for, buyer, monkeypatch
):
    body = document([])
    dept = token_for(world["users"]["department"])
    assert client.post("/api/v1/epcis/capture", json=body, headers=dept).status_code == 403
    assert client.post("/api/v1/epcis/capture", json=body).status_code == 401
    text = client.post(
        "/api/v1/epcis/capture", data="x", headers={**buyer.headers, "Content-Type": "text/plain"}
    )
    assert text.status_code == 415 and text.json["code"]
    broken = client.post(
        "/api/v1/epcis/capture",
        data="{not json",
        headers={**buyer.headers, "Content-Type": "application/ld+json"},
    )
    assert broken.status_code == 400 and broken.json["message"]
    assert capture(client, buyer.headers, body, 200) == {"stored": 0, "duplicates": 0}
    monkeypatch.setitem(app.config, "EPCIS_CAPTURE_MAX_BYTES", 1000)
    big = client.post("/api/v1/epcis/capture", json={"x": "y" * 2000}, headers=buyer.headers)
    assert big.status_code == 413 and big.json["code"]
    monkeypatch.setitem(app.config, "EPCIS_CAPTURE_MAX_BYTES", 20 * 1024 * 1024)
    not_a_document = capture(client, buyer.headers, {"type": "EPCISDocument"}, 422)
    assert {p["index"] for p in not_a_document["events"]} == {-1}


def test_a_configured_schema_that_cannot_be_read_stops_capture(app, buyer, monkeypatch, tmp_path):
    missing = tmp_path / "missing.json"
    monkeypatch.setitem(app.config, "EPCIS_SCHEMA_PATH", str(missing))
    refused = capture(buyer.client, buyer.headers, document([]), 503)
    assert refused["code"] == "schema_unavailable"
    assert str(missing) in refused["message"] and "EPCIS_SCHEMA_PATH" in refused["message"]
    missing.write_text("{not json", encoding="utf-8")
    refused = capture(buyer.client, buyer.headers, document([]), 503)
    assert refused["code"] == "schema_unavailable" and str(missing) in refused["message"]


def test_without_a_schema_file_the_projects_rules_check_the_document(app, buyer, delivered, world):
    assert app.config["EPCIS_SCHEMA_PATH"] is None  # the default: no file from ../shared
    good = receipts(app, world, delivered)
    bad = {**good[0], "action": "UPDATE", "unknown": 1}
    del bad["eventTimeZoneOffset"]
    bad["quantityList"] = [{"epcClass": "not a uri", "quantity": "100", "unit": "KGM"}]
    sent = document([good[1], bad], with_ids=False)
    before = counts(app)
    refused = capture(buyer.client, buyer.headers, sent, 422)
    assert {(p["index"], p["field"]) for p in refused["events"]} == {
        (1, "eventList[1].action"),
        (1, "eventList[1].unknown"),
        (1, "eventList[1].eventTimeZoneOffset"),
        (1, "eventList[1].quantityList[0].epcClass"),
        (1, "eventList[1].quantityList[0].quantity"),
        (1, "eventList[1].quantityList[0].unit"),
    }
    assert counts(app) == before
    lone = capture(buyer.client, buyer.headers, {"@context": EPCIS_CONTEXT, **good[0]}, 422)
    assert [(p["index"], p["field"]) for p in lone["events"]] == [(-1, "type")]
    assert capture(buyer.client, buyer.headers, document(good), 201)["stored"] == 3


def test_a_configured_schema_applies_as_well(app, buyer, delivered, world, monkeypatch, tmp_path):
    """GS1's schema where EPCIS_SCHEMA_PATH names it: here a stricter stand-in of it."""
    stricter = {"type": "object", "required": ["sender"]}
    path = tmp_path / "EPCIS-JSON-Schema.json"
    path.write_text(json.dumps(stricter), encoding="utf-8")
    monkeypatch.setitem(app.config, "EPCIS_SCHEMA_PATH", str(path))
    sent = document(receipts(app, world, delivered))
    refused = capture(buyer.client, buyer.headers, sent, 422)
    assert [(p["index"], p["field"]) for p in refused["events"]] == [(-1, "sender")]
    assert capture(buyer.client, buyer.headers, sent | {"sender": "ERP"}, 201)["stored"] == 3


def test_gs1s_own_schema_configured_accepts_what_the_project_accepts(
    app, buyer, delivered, world, monkeypatch
):
    require_standards()
    monkeypatch.setitem(app.config, "EPCIS_SCHEMA_PATH", str(SCHEMA))
    events = receipts(app, world, delivered)
    broken = {**events[0], "eventTime": "2026-02-30T10:00:00+07:00"}
    refused = capture(buyer.client, buyer.headers, document([broken]), 422)
    assert [(p["index"], p["field"]) for p in refused["events"]] == [(0, "eventList[0].eventTime")]
    assert capture(buyer.client, buyer.headers, document(events), 201)["stored"] == 3


def test_idempotency_key_replays_the_report(app, buyer, delivered, world):
    headers = {**buyer.headers, "Idempotency-Key": "capture-1"}
    sent = document(receipts(app, world, delivered))
    first = capture(buyer.client, headers, sent, 201)
    replay = buyer.client.post("/api/v1/epcis/capture", json=sent, headers=headers)
    assert replay.status_code == 201 and replay.json == first
    assert replay.headers["Idempotent-Replayed"] == "true"


def test_text_that_copy_must_escape_is_stored_as_sent(app, buyer, delivered, world, runner):
    """Tabs, newlines, backslashes and quotes in an extension survive the bulk load intact."""
    awkward = 'tab\there\nnew line \\ back\\slash "quoted" \\N đã kiểm'
    event = receipts(app, world, delivered)[0] | {"erp:note": awkward}
    sent = document([event])
    assert capture(buyer.client, buyer.headers, sent, 201)["stored"] == 1
    with app.app_context():
        stored = db.session.scalar(
            db.select(TraceEvent).where(
                TraceEvent.event_hash == sent["epcisBody"]["eventList"][0]["eventID"]
            )
        )
        assert stored.epcis["erp:note"] == awkward
    verified = runner.invoke(args=["trace", "verify"])
    assert verified.exit_code == 0, verified.output


@pytest.mark.parametrize("number", ["NaN", "-Infinity", "1e999"])
def test_numbers_json_does_not_allow_are_refused_before_reading(
    app, buyer, delivered, world, number
):
    """Python's reader takes NaN and Infinity (and reads 1e999 as infinity); PostgreSQL's JSON
    columns refuse them, so once they were a 500 at the insert. Now the body is not JSON."""
    body = json.dumps(document(receipts(app, world, delivered)))
    body = body.replace('"erp:gate": "G-2"', f'"erp:gate": {number}')
    assert number in body
    before = counts(app)
    response = buyer.client.post(
        "/api/v1/epcis/capture",
        data=body,
        headers={**buyer.headers, "Content-Type": "application/ld+json"},
    )
    assert response.status_code == 400 and response.json["message"]
    assert counts(app) == before


def test_the_captures_own_limit_not_the_apps_bounds_the_body(
    app, buyer, delivered, world, monkeypatch
):
    body = document(receipts(app, world, delivered))
    size = len(json.dumps(body).encode())
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", size // 2)
    monkeypatch.setitem(app.config, "EPCIS_CAPTURE_MAX_BYTES", size * 2)
    assert capture(buyer.client, buyer.headers, body, 201)["stored"] == 3


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
