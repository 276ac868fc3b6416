"""How much of a lot an organization holds, computed from the events in SQL."""

from decimal import Decimal

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased

from core.extensions import db
from trace.models import Batch, EventKind, EventLine, LineRole, TraceEvent

_Correction = aliased(TraceEvent)


def not_erroneous():
    """SQL condition: the event has not been declared erroneous by a later correction."""
    return ~exists(select(_Correction.id).where(_Correction.corrects_event_id == TraceEvent.id))


def held_quantities(batch_ids: list[int], org_id: int) -> dict[int, Decimal]:
    """For each batch, what ``org_id`` holds: made + shipped to it − shipped away − consumed."""
    return _held(batch_ids, org_id)


def held_by_owners(batch_ids: list[int]) -> dict[int, Decimal]:
    """For each batch, what its own organization holds, for lots of several owners at once.

    The same sum as ``held_quantities``, with each lot's owner as the holder: one
    query however many organizations own the lots.
    """
    return _held(batch_ids, Batch.organization_id, per_lot_owner=True)


def _held(batch_ids: list[int], holder, per_lot_owner: bool = False) -> dict[int, Decimal]:
    """What ``holder`` holds of each batch: an organization id, or the lot's owner column."""
    if not batch_ids:
        return {}
    own = TraceEvent.organization_id == holder
    produced = and_(
        own,
        or_(
            EventLine.role == LineRole.OUTPUT,
            and_(TraceEvent.kind == EventKind.HARVEST, EventLine.role == LineRole.OBJECT),
        ),
    )
    shipping = TraceEvent.kind == EventKind.SHIPPING
    delta = case(
        (produced, EventLine.quantity),
        (and_(shipping, TraceEvent.destination_org_id == holder, ~own), EventLine.quantity),
        (and_(shipping, own), -EventLine.quantity),
        (and_(own, EventLine.role == LineRole.INPUT), -EventLine.quantity),
        else_=0,
    )
    stmt = (
        select(EventLine.batch_id, func.coalesce(func.sum(delta), 0))
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(EventLine.batch_id.in_(batch_ids), _may_move(), not_erroneous())
        .group_by(EventLine.batch_id)
    )
    if per_lot_owner:
        stmt = stmt.join(Batch, Batch.id == EventLine.batch_id)
    held = {batch_id: Decimal(0) for batch_id in batch_ids}
    held.update({batch_id: Decimal(total) for batch_id, total in db.session.execute(stmt)})
    return held


def _may_move():
    """SQL condition on the line alone (its copy of the event's kind): the only lines the
    sums above can count. A lot's thousands of inspections are left out before their events
    are read."""
    return or_(
        EventLine.role.in_([LineRole.OUTPUT, LineRole.INPUT]),
        EventLine.kind.in_([EventKind.HARVEST, EventKind.SHIPPING]),
    )


def produced_quantities(batch_ids: list[int]) -> dict[int, Decimal]:
    """For each batch, how much its harvest or transformations made."""
    if not batch_ids:
        return {}
    made = or_(
        EventLine.role == LineRole.OUTPUT,
        and_(TraceEvent.kind == EventKind.HARVEST, EventLine.role == LineRole.OBJECT),
    )
    rows = db.session.execute(
        select(EventLine.batch_id, func.sum(EventLine.quantity))
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(EventLine.batch_id.in_(batch_ids), _may_move(), made, not_erroneous())
        .group_by(EventLine.batch_id)
    ).all()
    totals = {batch_id: Decimal(0) for batch_id in batch_ids}
    totals.update({batch_id: Decimal(total or 0) for batch_id, total in rows})
    return totals


def receipts_owed(org_id: int, batch_ids: list[int], source_id: int | None = None) -> set[tuple]:
    """(batch id, source id) of the shipments to ``org_id`` that still await their receipt.

    A receipt closes one shipment: a lot shipped to ``org_id`` by a source more times than
    ``org_id`` recorded its receipt from that source is owed one. One grouped query.
    """
    return set(owed_receipt_counts(org_id, batch_ids, source_id))


def owed_receipt_counts(
    org_id: int, batch_ids: list[int], source_id: int | None = None
) -> dict[tuple, int]:
    """{(batch id, source id): receipts still owed} (shipments less receipts, when positive)."""
    if not batch_ids:
        return {}
    shipping = and_(TraceEvent.kind == EventKind.SHIPPING, TraceEvent.destination_org_id == org_id)
    receiving = and_(TraceEvent.kind == EventKind.RECEIVING, TraceEvent.organization_id == org_id)
    source = case((shipping, TraceEvent.organization_id), else_=TraceEvent.source_org_id)
    balance = func.sum(case((shipping, 1), else_=-1))
    stmt = (
        select(EventLine.batch_id, source.label("source_id"), balance)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(
            EventLine.batch_id.in_(batch_ids),
            EventLine.kind.in_([EventKind.SHIPPING, EventKind.RECEIVING]),
            or_(shipping, receiving),
            not_erroneous(),
        )
        .group_by(EventLine.batch_id, source)
        .having(balance > 0)
    )
    if source_id is not None:
        stmt = stmt.where(source == source_id)
    return {(batch_id, source): owed for batch_id, source, owed in db.session.execute(stmt)}


def producing_event_exists(batch_id: int) -> bool:
    """True when a live harvest or transformation made this batch."""
    return produced_quantities([batch_id])[batch_id] > 0
