"""What an organization may read of other organizations' events about the lots shipped to it.

The one rule every channel applies (the API's event list and event, the EPCIS export, the trace
report, the lot page, the chain page and the trace JSON): a receiving organization sees a lot's
history up to and including the shipment addressed to it, and its own events after it, never
another buyer's shipment, receipt, inspection or business documents. For each shipment of a lot
to the reader, the events it may read are, on that lot:

- the shipment itself;
- the shipper's events up to the shipment's time, and those of the lot's producer (the two differ
  when the lot changed hands before), bar their shipments to any organization other than the
  reader or the shipper (a cooperative selling one lot to two buyers ships it twice);
- the corrections of those events, so that an erroneous one reads as such.

The seller (whose own events they are) and the department see everything, as before.
"""

from sqlalchemy import ColumnElement, Select, and_, or_, select, union
from sqlalchemy.orm import aliased

from trace.models import Batch, EventKind, EventLine, TraceEvent


def shared_events(
    org_id: int, batch_id: int | None = None, event_ids: Select | list | None = None
) -> Select:
    """The ids of other organizations' events that ``org_id`` may read, one set-based select.

    ``batch_id`` narrows it to one lot's events, ``event_ids`` to those events (a few ids, or a
    select of them): the shipments to the reader are few, so either engine starts from them.
    """
    shipment = aliased(TraceEvent)
    shipped = aliased(EventLine)
    line = aliased(EventLine)
    event = aliased(TraceEvent)
    lot = aliased(Batch)
    history = (
        select(line.event_id)
        .join(shipped, shipped.batch_id == line.batch_id)
        .join(shipment, shipment.id == shipped.event_id)
        .join(event, event.id == line.event_id)
        .join(lot, lot.id == line.batch_id)
        .where(
            shipped.kind == EventKind.SHIPPING,
            shipment.kind == EventKind.SHIPPING,
            shipment.destination_org_id == org_id,
            or_(
                event.id == shipment.id,
                and_(
                    or_(
                        event.organization_id == shipment.organization_id,
                        event.organization_id == lot.organization_id,
                    ),
                    event.event_time <= shipment.event_time,
                    or_(
                        event.destination_org_id.is_(None),
                        event.destination_org_id == org_id,
                        event.destination_org_id == shipment.organization_id,
                    ),
                ),
            ),
        )
    )
    if batch_id is not None:
        history = history.where(line.batch_id == batch_id)
    # A correction has no lines: it is shared when the event it declares erroneous is.
    correction = aliased(TraceEvent)
    corrections = select(correction.id).where(
        correction.corrects_event_id.is_not(None),
        correction.corrects_event_id.in_(history.subquery().select()),
    )
    if event_ids is not None:
        history = history.where(line.event_id.in_(event_ids))
        corrections = corrections.where(correction.id.in_(event_ids))
    return union(history, corrections).subquery().select()


def event_visible_to(org_id: int) -> ColumnElement[bool]:
    """SQL condition on ``TraceEvent``: the organization's own event, or one shared with it."""
    return or_(TraceEvent.organization_id == org_id, TraceEvent.id.in_(shared_events(org_id)))
