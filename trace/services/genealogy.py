"""Genealogy: one step back or forward, and full traces by a recursive query in the database."""

from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from registry.models import User
from trace.models import Batch, BatchLink, EventKind, EventLine, Product, TraceEvent
from trace.services.batches import get_batch
from trace.services.quantities import not_erroneous


@dataclass
class Trace:
    """A batch's genealogy in one direction, with the shipments of every batch in it."""

    root: Batch
    direction: str
    batches: dict[int, Batch]
    depth: dict[int, int]
    links: list[BatchLink]
    shipments: list[tuple[TraceEvent, EventLine]] = field(default_factory=list)


def reachable_ids(root_id: int, direction: str, max_depth: int | None = None) -> list[int]:
    """Ids of every batch downstream (forward) or upstream (backward) of ``root_id``.

    A recursive CTE; UNION (not UNION ALL) stops at batches already reached, so
    lots merged and split many times are visited once.
    """
    near, far = _ends(direction)
    first = select(far.label("batch_id")).where(near == root_id)
    if max_depth == 1:
        return list(db.session.scalars(first.distinct()))
    reached = first.cte("reached", recursive=True)
    reached = reached.union(select(far).join(reached, near == reached.c.batch_id))
    return list(db.session.scalars(select(reached.c.batch_id)))


def _ends(direction: str):
    if direction == "forward":
        return BatchLink.parent_id, BatchLink.child_id
    return BatchLink.child_id, BatchLink.parent_id


def trace_batch(
    user: User | None, batch_id: int, direction: str, max_depth: int | None = None
) -> Trace:
    """The full (or one-step) trace of a batch the caller may see."""
    root = get_batch(user, batch_id)
    ids = reachable_ids(root.id, direction, max_depth)
    all_ids = [root.id, *ids]
    links = _links_among(all_ids, direction, root.id if max_depth == 1 else None)
    batches = {
        batch.id: batch
        for batch in db.session.scalars(
            select(Batch)
            .options(
                selectinload(Batch.product).selectinload(Product.organization),
                selectinload(Batch.organization),
            )
            .where(Batch.id.in_(all_ids))
        )
    }
    return Trace(
        root, direction, batches, _depths(root.id, links, direction), links, shipments_of(all_ids)
    )


def _links_among(ids: list[int], direction: str, only_from: int | None) -> list[BatchLink]:
    near, _far = _ends(direction)
    stmt = select(BatchLink).where(near.in_(ids))
    if only_from is not None:
        stmt = select(BatchLink).where(near == only_from)
    return list(db.session.scalars(stmt.order_by(BatchLink.id)))


def _depths(root_id: int, links: list[BatchLink], direction: str) -> dict[int, int]:
    children: dict[int, list[int]] = {}
    for link in links:
        start, end = (
            (link.parent_id, link.child_id)
            if direction == "forward"
            else (link.child_id, link.parent_id)
        )
        children.setdefault(start, []).append(end)
    depth = {root_id: 0}
    queue = deque([root_id])
    while queue:
        current = queue.popleft()
        for nxt in children.get(current, []):
            if nxt not in depth:
                depth[nxt] = depth[current] + 1
                queue.append(nxt)
    return depth


def shipments_of(batch_ids: list[int]) -> list[tuple[TraceEvent, EventLine]]:
    """Every live shipment of these batches, with the line that says how much."""
    rows = db.session.execute(
        select(TraceEvent, EventLine)
        .join(EventLine, EventLine.event_id == TraceEvent.id)
        .options(selectinload(TraceEvent.destination_org))
        .where(
            EventLine.batch_id.in_(batch_ids),
            TraceEvent.kind == EventKind.SHIPPING,
            not_erroneous(),
        )
        .order_by(TraceEvent.event_time, TraceEvent.id)
    ).all()
    return [(event, line) for event, line in rows]


def shipped_total(trace: Trace, batch_id: int) -> Decimal:
    """How much of one batch in the trace was shipped away."""
    return sum(
        (line.quantity or 0 for _event, line in trace.shipments if line.batch_id == batch_id),
        Decimal(0),
    )


def _batch_dict(batch: Batch, depth: int) -> dict:
    return {
        "id": batch.id,
        "lot_code": batch.lot_code,
        "product": batch.product.name,
        "organization_id": batch.organization_id,
        "organization": batch.organization.name,
        "quantity": float(batch.quantity),
        "unit": batch.unit.value,
        "status": batch.status.value,
        "depth": depth,
    }


def as_dict(trace: Trace) -> dict:
    """A trace as plain JSON-ready data (the API's answer)."""
    ordered = sorted(trace.batches.values(), key=lambda b: (trace.depth.get(b.id, 0), b.id))
    return {
        "root": trace.root.id,
        "direction": trace.direction,
        "batches": [_batch_dict(b, trace.depth.get(b.id, 0)) for b in ordered],
        "links": [
            {
                "parent_id": link.parent_id,
                "child_id": link.child_id,
                "event_id": link.event_id,
                "parent_quantity": float(link.parent_quantity)
                if link.parent_quantity is not None
                else None,
                "child_quantity": float(link.child_quantity)
                if link.child_quantity is not None
                else None,
            }
            for link in trace.links
        ],
        "shipments": [
            {
                "batch_id": line.batch_id,
                "event_id": event.id,
                "time": event.event_time.isoformat(),
                "quantity": float(line.quantity) if line.quantity is not None else None,
                "to_organization_id": event.destination_org_id,
                "to_organization": event.destination_org.name if event.destination_org else None,
                "reference": event.reference,
            }
            for event, line in trace.shipments
        ],
    }
