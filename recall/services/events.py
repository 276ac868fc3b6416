"""The recall as a trace event: EPCIS ObjectEvent OBSERVE, bizStep ``holding``, disposition
``recalled`` (DESIGN.md section 5), in the producing organization's hash chain."""

from datetime import UTC
from zoneinfo import ZoneInfo

from recall.models import Recall
from registry.models import User
from trace.models import EventKind, EventLine, LineRole, TraceEvent
from trace.services import epcis_build as build
from trace.services.events import store_event

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_OFFSET = "+07:00"  # Vietnam keeps no daylight saving time


def record_recall_event(recall: Recall, user: User) -> TraceEvent:
    """Record the RECALL event naming every affected lot (flushed, chained, hashed)."""
    batches = sorted((row.batch for row in recall.batches), key=lambda batch: batch.id)
    location = build.org_uri(recall.organization)
    when = recall.opened_at.astimezone(UTC)
    local = when.astimezone(VIETNAM)
    event = TraceEvent(
        organization_id=recall.organization_id,
        kind=EventKind.RECALL,
        event_type="ObjectEvent",
        event_time=when,
        time_zone_offset=_OFFSET,
        location_code=location,
        reference_type="recall",
        reference=str(recall.id),
        recorded_by_id=user.id,
    )
    event.lines.extend(
        EventLine(batch_id=batch.id, batch=batch, role=LineRole.OBJECT, kind=EventKind.RECALL)
        for batch in batches
    )
    event.epcis = build.object_event(
        EventKind.RECALL,
        local,
        _OFFSET,
        location,
        [(batch, None) for batch in batches],
        # The reason travels with the event: the lots' consumer pages show it (``consumer.pages``).
        {
            "htx:recall": str(recall.id),
            "htx:severity": recall.severity.value,
            "htx:reason": recall.reason,
        },
    )
    store_event(event)
    return event
