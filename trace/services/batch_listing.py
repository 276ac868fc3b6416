"""Which lots a caller sees (its own, and those shipped to it) and their list, by keyset."""

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from core.errors import ValidationFailed
from core.extensions import db
from registry.models import User
from registry.services.scoping import scope_to_caller
from trace.models import Batch, BatchStatus, EventKind, EventLine, TraceEvent


def delivered_to(org_id: int):
    """SQL condition: the batch was shipped to ``org_id`` (what an enterprise may read)."""
    return exists(
        select(EventLine.id)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(
            EventLine.batch_id == Batch.id,
            TraceEvent.kind == EventKind.SHIPPING,
            TraceEvent.destination_org_id == org_id,
        )
    )


def shipped_lots(org_id: int) -> Select:
    """The ids of the lots shipped to ``org_id``: the set ``delivered_to`` tests one lot
    against, as one uncorrelated subquery (the shipments to one organization are few)."""
    return (
        select(EventLine.batch_id)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(TraceEvent.kind == EventKind.SHIPPING, TraceEvent.destination_org_id == org_id)
    )


def receives_shipments(user: User | None) -> bool:
    """True when anything was ever shipped to the caller's organization (one indexed probe).

    Most cooperatives never receive lots: without the OR, their lists use the
    organization's own index instead of looking for deliveries.
    """
    if user is None or user.organization_id is None:
        return False
    return (
        db.session.scalar(
            select(TraceEvent.id)
            .where(
                TraceEvent.kind == EventKind.SHIPPING,
                TraceEvent.destination_org_id == user.organization_id,
            )
            .limit(1)
        )
        is not None
    )


def batches_query(
    user: User | None,
    product_id: int | None = None,
    status: str | None = None,
    q: str | None = None,
) -> Select:
    """A select() of the batches the caller may see, newest first (keyset-friendly order)."""
    stmt = select(Batch).options(
        selectinload(Batch.product),
        selectinload(Batch.organization),
        selectinload(Batch.sites),
        selectinload(Batch.households),
    )
    shared = delivered_to if receives_shipments(user) else None
    stmt = scope_to_caller(stmt, user, Batch.organization_id, shared_with=shared)
    if product_id:
        stmt = stmt.where(Batch.product_id == product_id)
    if status:
        stmt = stmt.where(Batch.status == BatchStatus(status))
    if q:
        stmt = stmt.where(Batch.lot_code.startswith(q.upper(), autoescape=True))
    return stmt.order_by(Batch.id.desc())


def batch_page(
    user: User | None, filters: dict, cursor: str | None, limit: int, with_total: bool = False
) -> tuple[list[Batch], str | None, int | None]:
    """One page of batches after ``cursor`` (keyset on id: no OFFSET, no count unless asked)."""
    stmt = batches_query(user, **filters)
    if cursor:
        if not cursor.isdigit():
            raise ValidationFailed.on_field("cursor", _("Not a valid cursor."))
        stmt = stmt.where(Batch.id < int(cursor))
    rows = list(db.session.scalars(stmt.limit(limit + 1)))
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    _note_held(user, rows[:limit])
    total = None
    if with_total:
        total = db.session.scalar(
            select(func.count()).select_from(
                batches_query(user, **filters).order_by(None).subquery()
            )
        )
    return rows[:limit], next_cursor, total


def _note_held(user: User | None, rows: list[Batch]) -> None:
    """Set ``held_quantity`` on the lots of others in ``rows``: what the caller holds of each
    (a buyer's list shows what it received and still has, not the seller's lot size). One
    query for the page; the caller's own lots get None."""
    from trace.services.quantities import held_quantities

    org_id = user.organization_id if user is not None else None
    others = [b.id for b in rows if org_id is not None and b.organization_id != org_id]
    held = held_quantities(others, org_id) if others else {}
    for batch in rows:
        batch.held_quantity = held.get(batch.id)
