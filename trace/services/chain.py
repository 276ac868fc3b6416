"""Tamper evidence: each organization's events form a hash chain in recording order."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import utcnow
from core.extensions import db
from gs1.event_hash import event_hash
from registry.models import Organization
from trace.models import TraceEvent

EPCIS_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Version 2 covers every stored field of an event; version 1 (events chained before it) left
# out who recorded it and when, the stored EPCIS JSON itself and the columns copied from it.
HASH_VERSION = 2


def epcis_context(event: TraceEvent) -> list:
    """The JSON-LD context an event's extension prefixes were written under."""
    return [EPCIS_CONTEXT_URL, event.epcis_context or {}]


def _iso(value) -> str:
    # SQLite hands datetimes back naive and PostgreSQL in the session's zone: hash UTC.
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _qty(value) -> str:
    return "" if value is None else format(Decimal(value).normalize(), "f")


def canonical_json(value) -> str:
    """JSON text that is the same before a value is stored and after it is read back."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(event: TraceEvent) -> str:
    """SHA-256 over the previous link and everything that must not change about this event."""
    # Quantities normalised: 10, 10.0 and 10.000 are the same before and after a reload.
    version = getattr(event, "hash_version", None) or HASH_VERSION
    lines = ";".join(
        f"{line.batch_id}:{line.role.value}:{_qty(line.quantity)}"
        for line in sorted(
            event.lines, key=lambda line: (line.role.value, line.batch_id, _qty(line.quantity))
        )
    )
    parts = [
        event.chain_prev or "",
        str(event.organization_id),
        str(event.chain_seq),
        event.event_hash,
        event.kind.value,
        _iso(event.event_time),
        event.location_code,
        str(event.site_id or ""),
        str(event.source_org_id or ""),
        str(event.destination_org_id or ""),
        event.reference_type or "",
        event.reference or "",
        str(event.corrects_event_id or ""),
        event.correction_reason or "",
        lines,
    ]
    if version >= 2:
        # The EPCIS JSON itself: a correction's is not covered by its event hash.
        parts += [
            "v2",
            event.event_type,
            event.biz_step or "",
            event.time_zone_offset,
            canonical_json(event.epcis),
            canonical_json(event.epcis_context),
            str(event.recorded_by_id or ""),
            _iso(event.recorded_at),
            getattr(event, "epcis_event_id", None) or "",  # a partner's own eventID
        ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def append_to_chain(event: TraceEvent) -> None:
    """Give ``event`` the next place in its organization's chain.

    The organization row is locked first (FOR UPDATE on PostgreSQL) so two
    concurrent writers of one organization cannot take the same place.
    """
    # FOR NO KEY UPDATE: foreign-key checks of concurrent inserts (KEY SHARE) don't wait on it.
    db.session.execute(
        select(Organization.id)
        .where(Organization.id == event.organization_id)
        .with_for_update(key_share=True)
    )
    last = db.session.execute(
        select(TraceEvent.chain_seq, TraceEvent.chain_hash)
        .where(TraceEvent.organization_id == event.organization_id)
        .order_by(TraceEvent.chain_seq.desc())
        .limit(1)
    ).first()
    event.chain_seq = (last.chain_seq + 1) if last else 1
    event.chain_prev = last.chain_hash if last else None
    seal(event)


def seal(event: TraceEvent) -> None:
    """Fill what the column defaults would only fill at flush, then hash the link.

    ``chain_seq`` and ``chain_prev`` must be set; the hash covers ``recorded_at``, so it
    is fixed here rather than by the column default.
    """
    event.hash_version = HASH_VERSION
    if event.recorded_at is None:
        event.recorded_at = utcnow()
    event.chain_hash = link_hash(event)


@dataclass
class BrokenLink:
    """The first event whose stored chain no longer matches what is stored."""

    organization_id: int
    chain_seq: int
    event_id: int
    problem: str


def verify_chain(organization_id: int, progress=lambda rows: rows) -> BrokenLink | None:
    """Recompute one organization's chain; return the first broken link, or None."""
    events = db.session.scalars(
        select(TraceEvent)
        .options(selectinload(TraceEvent.lines))
        .where(TraceEvent.organization_id == organization_id)
        .order_by(TraceEvent.chain_seq)
        .execution_options(yield_per=1000)
    )
    previous = None
    expected_seq = 1
    for event in progress(events):
        problem = _link_problem(event, previous, expected_seq)
        if problem:
            return BrokenLink(organization_id, event.chain_seq, event.id, problem)
        previous = event.chain_hash
        expected_seq += 1
    return None


def _link_problem(event: TraceEvent, previous: str | None, expected_seq: int) -> str | None:
    if event.chain_seq != expected_seq:
        return f"sequence {event.chain_seq} where {expected_seq} was expected (an event is missing)"
    if event.chain_prev != previous:
        return "does not point to the previous event's hash"
    if (
        event.corrects_event_id is None
        and event_hash(event.epcis, epcis_context(event)) != event.event_hash
    ):
        return "the stored EPCIS event no longer matches its event hash"
    if link_hash(event) != event.chain_hash:
        return "the event's data no longer matches its chain hash"
    # Each line keeps a copy of its event's kind (for the trace's index), outside the hash.
    if any(line.kind != event.kind for line in event.lines):
        return "a line's kind is not its event's"
    return None
