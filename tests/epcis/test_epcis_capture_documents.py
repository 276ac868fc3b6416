"""EPCIS 2.0 capture, the document as a whole: GS1's examples, who may send, the schema
configured or not, Idempotency-Key, text and numbers as JSON allows, the body's limit."""

import json

import pytest

from core.extensions import db
from tests.epcis.capture_helpers import (
    EPCIS_CONTEXT,
    capture,
    counts,
    document,
    receipts,
)
from tests.epcis_helpers import EXAMPLES, SCHEMA, require_standards, schema_errors
from trace.models import TraceEvent


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
