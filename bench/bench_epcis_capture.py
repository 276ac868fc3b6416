"""EPCIS capture: an enterprise's 10,000-event document through ``capture_document`` + commit.

The document is what a buyer's system would send: for each lot a supplier
cooperative shipped to the enterprise, a receiving event and an inspection
event, lots named by their ``{PUBLIC_BASE_URL}/q/{public_code}`` URIs; and for
every tenth lot a roasting (TransformationEvent) whose output is a lot the
capture creates (a new ``/q/`` code, its product in ``ilmd``). Receipts carry
our CBV 2.0 hash as ``eventID``, the other events the partner's own
``urn:uuid`` IDs. Timed: ``capture_document(user, document)``
and the commit. Baseline, same run: inserting as many ``trace_events`` rows
(the same EPCIS JSON, hashes and chain columns) with one Core ``insert()``
executemany and a commit. After each run what it wrote is deleted, so every
run captures into the same state. Figures in events per second.
Target: ≥ 2,000 events/s.
"""

import hashlib
import importlib
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import insert, text

from bench.bench_trace import fresh_session
from bench.common import Result, measure, skipped
from bench.generate import public_code
from core.extensions import db
from core.urls import base_url
from gs1.codes import location_uri
from gs1.event_hash import event_hash
from trace.models import EventKind, QuantityUnit, TraceEvent
from trace.services import epcis_build as build
from trace.services.chain import EPCIS_CONTEXT_URL

NAME = "epcis_capture"
UNIT = "events/s"
TARGET = "≥ 2,000 events/s"
BASELINE_NAME = "Core insert() executemany of as many trace_events rows + commit"
MODULE = "epcis.capture"
RUN_BUDGET_S = 20.0  # a figure stops repeating once its runs took this long
NEW_LOT_CODE_BASE = 900_000_000  # ids far above the generated lots': the new lots' /q/ codes


def capture_function():
    """``capture_document`` of the capture module, or the reason it cannot be used."""
    try:
        module = importlib.import_module(MODULE)
    except Exception as error:  # noqa: BLE001 - a module mid-edit must not stop the suite
        return None, f"{MODULE} not available ({type(error).__name__}: {error})"
    function = getattr(module, "capture_document", None)
    if function is None:
        return None, f"{MODULE}.capture_document not available"
    return function, ""


def _event_pair(lot: dict, supplier, buyer, location: str) -> list[dict]:
    stand_in = SimpleNamespace(
        product=SimpleNamespace(gtin=None),
        lot_code="",
        public_code=lot["public_code"],
        unit=QuantityUnit.KG,
    )
    line = [(stand_in, lot["quantity"])]
    received = lot["shipped_at"] + timedelta(hours=2)
    receiving = build.object_event(
        EventKind.RECEIVING, received, "+07:00", location, line, build.parties(supplier, buyer)
    )
    inspection = build.object_event(
        EventKind.INSPECTION,
        received + timedelta(hours=1),
        "+07:00",
        location,
        line,
        {"htx:result": "pass"},
    )
    return [receiving, inspection]


def _roasting(lot: dict, index: int, fixture: dict, location: str) -> dict:
    """The enterprise roasts a received lot into a new lot, which the capture creates."""
    made = NEW_LOT_CODE_BASE + index
    quantity = float(lot["quantity"])
    return {
        "type": "TransformationEvent",
        "eventTime": (lot["shipped_at"] + timedelta(hours=4)).isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": "commissioning",
        "readPoint": {"id": location},
        "bizLocation": {"id": location},
        "inputQuantityList": [
            {"epcClass": f"{base_url()}/q/{lot['public_code']}", "quantity": quantity, "uom": "KGM"}
        ],
        "outputQuantityList": [
            {
                "epcClass": f"{base_url()}/q/{public_code(made)}",
                "quantity": round(quantity * 0.8, 3),
                "uom": "KGM",
            }
        ],
        "ilmd": {"htx:product": f"{base_url()}/api/v1/products/{fixture['product_id']}"},
    }


def build_document(fixture: dict, key: str) -> dict:
    """An EPCISDocument of receiving and inspection events for the lots under ``fixture[key]``,
    and a roasting of every tenth lot into a new one; partners' eventIDs beside our hashes."""
    supplier = SimpleNamespace(gln=None, id=fixture["supplier_id"])
    buyer = SimpleNamespace(gln=None, id=fixture["org_id"])
    location = location_uri(base_url(), None, fixture["site_code"])
    context = [EPCIS_CONTEXT_URL, build.extension_namespace()]
    events = []
    for index, lot in enumerate(fixture[key]):
        receiving, inspection = _event_pair(lot, supplier, buyer, location)
        events.append({"eventID": event_hash(receiving, context), **receiving})
        events.append({"eventID": f"urn:uuid:{uuid.uuid4()}", **inspection})
        if index % 10 == 0 and fixture.get("product_id"):
            roasting = _roasting(lot, index, fixture, location)
            events.append({"eventID": f"urn:uuid:{uuid.uuid4()}", **roasting})
    return {
        "@context": context,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": events},
    }


def baseline_rows(document: dict, fixture: dict) -> list[dict]:
    """``trace_events`` rows for the document's events, as a bulk load would write them."""
    rows = []
    last = db.session.execute(
        text("SELECT coalesce(max(chain_seq), 0) FROM trace_events WHERE organization_id = :org"),
        {"org": fixture["org_id"]},
    ).scalar()
    for seq, event in enumerate(document["epcisBody"]["eventList"], start=last + 1):
        digest = hashlib.sha256(f"baseline-{seq}".encode()).hexdigest()
        rows.append(
            {
                "organization_id": fixture["org_id"],
                "kind": EventKind.RECEIVING if seq % 2 else EventKind.INSPECTION,
                "event_type": event["type"],
                "biz_step": event.get("bizStep"),
                "event_time": datetime.fromisoformat(event["eventTime"]),
                "time_zone_offset": event["eventTimeZoneOffset"],
                "location_code": event["bizLocation"]["id"],
                "epcis": event,
                "epcis_context": build.extension_namespace(),
                "event_hash": f"ni:///sha-256;{digest}?ver=CBV2.0",
                "recorded_by_id": fixture["user_id"],
                "recorded_at": datetime.now(UTC),
                "chain_seq": seq,
                "chain_prev": None,
                "chain_hash": digest,
            }
        )
    return rows


def _forget_events(org_id: int):
    """An after() for ``measure``: delete the events a run added (lines and links cascade),
    then the lots it created and their revisions."""
    last = db.session.execute(text("SELECT coalesce(max(id), 0) FROM trace_events")).scalar()
    last_lot = db.session.execute(text("SELECT coalesce(max(id), 0) FROM batches")).scalar()

    def after() -> None:
        db.session.rollback()
        params = {"org": org_id, "last": last, "last_lot": last_lot}
        db.session.execute(
            text("DELETE FROM trace_events WHERE organization_id = :org AND id > :last"), params
        )
        made = "SELECT id FROM batches WHERE organization_id = :org AND id > :last_lot"
        db.session.execute(text(f"DELETE FROM batch_revisions WHERE batch_id IN ({made})"), params)
        db.session.execute(
            text("DELETE FROM batches WHERE organization_id = :org AND id > :last_lot"), params
        )
        db.session.commit()

    return after


def _count(value) -> int:
    return value if isinstance(value, int) else len(value or ())


def _capture_once(capture, document: dict, user_id: int, after) -> tuple[object, str]:
    """Capture a document (untimed check run); the report and a problem, if any."""
    report = capture(fresh_session(user_id)(), document)
    db.session.commit()
    after()
    events = len(document["epcisBody"]["eventList"])
    if not getattr(report, "ok", False) or _count(getattr(report, "stored", 0)) != events:
        errors = list(getattr(report, "errors", None) or [])[:3]
        return report, f"the document was not captured whole: {errors!r}"
    return report, ""


def _bulk_insert(rows: list[dict]):
    def load(_user) -> None:
        db.session.execute(insert(TraceEvent.__table__), rows)
        db.session.commit()

    return load


def run(ctx) -> list[Result]:
    """Capture time of the document against a bulk insert of as many rows, in events/s."""
    fixture = ctx.world.capture
    capture, reason = capture_function()
    document = build_document(fixture, "lots")
    events = len(document["epcisBody"]["eventList"])
    if capture is None:
        return [skipped(NAME, UNIT, BASELINE_NAME, reason, events=events)]
    prepare, after = fresh_session(fixture["user_id"]), _forget_events(fixture["org_id"])
    runs = max(1, min(ctx.runs, 3))
    baseline = measure(
        _bulk_insert(baseline_rows(document, fixture)), runs, 0, prepare, after, RUN_BUDGET_S
    )
    _report, problem = _capture_once(
        capture, build_document(fixture, "warmup_lots"), fixture["user_id"], after
    )
    if problem:
        return [skipped(NAME, UNIT, BASELINE_NAME, problem, events=events)]

    reports = []

    def timed(user) -> None:
        reports.append(capture(user, document))
        db.session.commit()

    figure = measure(timed, runs, 0, prepare, after, RUN_BUDGET_S)
    stored = _count(getattr(reports[-1], "stored", 0))
    params = {
        "events": events,
        "stored": stored,
        "lots_created": _count(getattr(reports[-1], "lots_created", 0)),
    }
    params["partner_event_ids"] = sum(
        1 for e in document["epcisBody"]["eventList"] if e["eventID"].startswith("urn:uuid:")
    )
    params |= {"timing": figure.summary(), "baseline_timing": baseline.summary()}
    result = Result(NAME, events / figure.median, UNIT, events / baseline.median, BASELINE_NAME)
    result.target, result.params = TARGET, params
    if stored != events:
        result.note = f"only {stored} of {events} events stored"
    return [result]
