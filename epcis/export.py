"""EPCIS 2.0 export: the events a caller may see, as one EPCISDocument in JSON-LD.

Each event is the stored EPCIS event with its ``eventID``: the sender's for a captured event
that came with one of its own, else its CBV 2.0 hash. An event
declared erroneous carries its ``errorDeclaration``; the correction rows themselves are
not events of their own in EPCIS and are left out. The header carries CBV master data
(``epcis.masterdata``): names for the places and parties the events name.
"""

import json
from datetime import UTC, datetime

from sqlalchemy import select

from core.extensions import db
from core.urls import base_url
from epcis.masterdata import master_data
from registry.models import User
from trace.models import EventKind, TraceEvent
from trace.services.batches import get_batch
from trace.services.chain import EPCIS_CONTEXT_URL

__all__ = ["EPCIS_CONTEXT_URL", "as_json", "export_document", "query_document", "timestamp"]
from trace.services.events import events_query

CHUNK = 500


def export_document(
    user: User | None,
    batch_id: int | None = None,
    organization_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict:
    """An EPCISDocument of the events the caller may see, filtered by lot, owner and time."""
    if batch_id:
        get_batch(user, batch_id)  # 404 for a lot the caller may not see
    stmt = events_query(user, batch_id=batch_id, since=since, until=until).where(
        TraceEvent.kind != EventKind.CORRECTION
    )
    if organization_id:
        stmt = stmt.where(TraceEvent.organization_id == organization_id)
    events = list(db.session.scalars(stmt))
    context, event_list = exported_events(events)
    document = _envelope("EPCISDocument", context)
    vocabularies = master_data(event_list, base_url())
    if vocabularies:
        document["epcisHeader"] = {"epcisMasterData": {"vocabularyList": vocabularies}}
    document["epcisBody"] = {"eventList": event_list}
    return document


def query_document(events: list[TraceEvent], query_name: str = "SimpleEventQuery") -> dict:
    """An EPCISQueryDocument of these events (the REST binding's answer to a query).

    The binding's query document has no header: master data goes with the export only.
    """
    context, event_list = exported_events(events)
    document = _envelope("EPCISQueryDocument", context)
    document["epcisBody"] = {
        "queryResults": {"queryName": query_name, "resultsBody": {"eventList": event_list}}
    }
    return document


def exported_events(events: list[TraceEvent]) -> tuple[dict, list[dict]]:
    """(the prefixes the events use, the events as EPCIS) with their error declarations."""
    declarations = _declarations([event.id for event in events])
    context: dict = {}
    event_list = [_exported(event, context, declarations.get(event.id)) for event in events]
    return context, event_list


def _envelope(document_type: str, context: dict) -> dict:
    return {
        "@context": [EPCIS_CONTEXT_URL, context],
        "type": document_type,
        "schemaVersion": "2.0",
        "creationDate": timestamp(datetime.now(UTC)),
    }


def as_json(document: dict) -> str:
    """An EPCISDocument as compact JSON text, Vietnamese written as is (not escaped)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _exported(event: TraceEvent, context: dict, declaration: tuple | None) -> dict:
    """The stored event with its eventID, its prefixes merged into the document's context.

    A prefix the document already binds to another namespace (two senders both calling theirs
    ``ext``) is declared on the event itself instead, which keeps the event's hash.
    """
    exported = {"eventID": event.epcis_event_id or event.event_hash, **event.epcis}
    own = event.epcis_context or {}
    if declaration is not None:
        exported["errorDeclaration"], prefixes = declaration
        own = {**prefixes, **own}
    if any(key in context and context[key] != value for key, value in own.items()):
        inner = exported.get("@context")  # a context the sender wrote on the event itself
        exported["@context"] = [own, inner] if inner and inner != own else own
    else:
        context.update(own)
    return exported


def _declarations(event_ids: list[int]) -> dict[int, tuple[dict, dict]]:
    """{erroneous event id: (its errorDeclaration, the prefixes it uses)}, from corrections."""
    found = {}
    for start in range(0, len(event_ids), CHUNK):
        corrections = db.session.scalars(
            select(TraceEvent).where(
                TraceEvent.corrects_event_id.in_(event_ids[start : start + CHUNK])
            )
        )
        for correction in corrections:
            declaration = dict((correction.epcis or {}).get("errorDeclaration") or {})
            declaration.setdefault("declarationTime", timestamp(correction.event_time))
            declaration.setdefault("reason", "incorrect_data")
            prefixes = correction.epcis_context or {}
            found[correction.corrects_event_id] = (declaration, prefixes)
    return found


def timestamp(value: datetime) -> str:
    """A stored time as EPCIS writes it: UTC, milliseconds, ``Z``."""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
