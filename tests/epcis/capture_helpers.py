"""Shared by the EPCIS capture tests: lots' URIs, documents of object events, the capture
call and the stored counts (the ``delivered`` fixture is in conftest.py)."""

from datetime import UTC, datetime

from gs1.event_hash import event_hash
from tests.conftest import row_count
from tests.trace_helpers import GTIN, when
from trace.models import BatchLink, EventLine, TraceEvent

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
ERP = {"erp": "https://erp.example.com/epcis/"}


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
