"""The EPCIS adapter: trace events as an EPCIS 2.0 capture document (the GS1 standard).

Each event goes as it was recorded, ``eventID`` its CBV 2.0 hash. A correction goes as the
event it corrects carrying its ``errorDeclaration`` (the EPCIS way to declare an error), so
one outbox row is always one (eventID, declared or not) at the receiver. The document is
checked against GS1's JSON schema, as captured documents are, before it is sent.
"""

import json
from datetime import UTC, datetime

from sqlalchemy import select

from core.extensions import db
from epcis.capture.schema import DOCUMENT, schema_problems

# The export's own rendering of a stored event (prefixes merged into the document's context).
from epcis.export import _exported
from portal.adapters import Adapter, PayloadRefused
from portal.models import OutboxRecord, RecordKind
from trace.models import TraceEvent
from trace.services.chain import EPCIS_CONTEXT_URL

MEDIA_TYPE = "application/ld+json"


class EpcisAdapter(Adapter):
    """Sends trace events to an EPCIS 2.0 capture interface (``POST …/capture``)."""

    name = "epcis"
    kinds = (RecordKind.EVENT,)

    def build_payload(self, records: list[OutboxRecord]) -> tuple[bytes, dict[str, str]]:
        """An EPCISDocument of the records' events, valid by the EPCIS 2.0 rules (GS1's schema)."""
        document = capture_document([row.record_id for row in records])
        problems = schema_problems(document)
        if problems:
            raise PayloadRefused(_refused(records, problems))
        headers = {
            "Content-Type": MEDIA_TYPE,
            "GS1-EPCIS-Version": "2.0.0",
            "GS1-CBV-Version": "2.0.0",
        }
        return json.dumps(document, ensure_ascii=False).encode(), headers


def capture_document(event_ids: list[int]) -> dict:
    """An EPCISDocument with one EPCIS event per stored event id, in the order given."""
    events = {
        e.id: e for e in db.session.scalars(select(TraceEvent).where(TraceEvent.id.in_(event_ids)))
    }
    originals_ids = [e.corrects_event_id for e in events.values() if e.corrects_event_id]
    originals = {
        e.id: e
        for e in db.session.scalars(select(TraceEvent).where(TraceEvent.id.in_(originals_ids)))
    }
    context: dict = {}
    event_list = []
    for event_id in event_ids:
        event = events[event_id]
        if event.corrects_event_id is None:
            event_list.append(_exported(event, context, None))
            continue
        declaration = dict((event.epcis or {}).get("errorDeclaration") or {})
        declaration.setdefault("declarationTime", _timestamp(event.event_time))
        declaration.setdefault("reason", "incorrect_data")
        original = originals[event.corrects_event_id]
        event_list.append(_exported(original, context, (declaration, event.epcis_context or {})))
    return {
        "@context": [EPCIS_CONTEXT_URL, context],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": _timestamp(datetime.now(UTC)),
        "epcisBody": {"eventList": event_list},
    }


def _refused(records: list[OutboxRecord], problems: list[tuple[int, str, str]]) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, path, message in problems:
        targets = records if index == DOCUMENT else [records[index]]
        for row in targets:
            found.setdefault(row.id, f"EPCIS schema: {path}: {message}"[:500])
    return found


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
