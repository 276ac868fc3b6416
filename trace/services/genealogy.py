"""Genealogy: one step back or forward, and full traces by a recursive query in the database.

Three shapes of the same trace: ``trace_batch`` (plain records, for recalls), ``chain_view``
(a page of it, for the chain page) and the API's JSON text (``trace.services.trace_json``,
written by the database on PostgreSQL from the same walk).
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, literal, or_, select
from sqlalchemy.orm import aliased, defer, selectinload

from core.errors import NotFound
from core.extensions import db
from registry.models import Organization, User
from registry.services.scoping import sees_everything
from trace.models import Batch, BatchLink, EventKind, EventLine, Product, TraceEvent
from trace.services.batches import get_batch
from trace.services.quantities import not_erroneous
from trace.services.sharing import event_visible_to


@dataclass
class Trace:
    """A batch's genealogy in one direction, with the shipments of every batch in it."""

    root: Batch
    direction: str
    batches: dict[int, "BatchNode"]
    depth: dict[int, int]
    links: list
    shipments: list[tuple[TraceEvent, EventLine]] = field(default_factory=list)


def _reached(root_id: int, direction: str, max_depth: int | None):
    """A selectable of the ids downstream (forward) or upstream (backward) of ``root_id``.

    A recursive CTE; UNION (not UNION ALL) stops at batches already reached, so
    lots merged and split many times are visited once.
    """
    near, far = link_ends(direction)
    first = select(far.label("batch_id")).where(near == root_id)
    if max_depth == 1:
        return first.subquery("reached")
    reached = first.cte("reached", recursive=True)
    return reached.union(select(far).join(reached, near == reached.c.batch_id))


def reachable_ids(root_id: int, direction: str, max_depth: int | None = None) -> list[int]:
    """Ids of every batch downstream (forward) or upstream (backward) of ``root_id``."""
    reached = _reached(root_id, direction, max_depth)
    return list(db.session.scalars(select(reached.c.batch_id).distinct()))


def link_ends(direction: str):
    """The link columns a walk starts from and goes to: parent to child going forward."""
    if direction == "forward":
        return BatchLink.parent_id, BatchLink.child_id
    return BatchLink.child_id, BatchLink.parent_id


@dataclass
class Named:
    """Just a name: what a trace shows of a product or organization."""

    name: str


@dataclass
class BatchNode:
    """What a trace shows of one batch (plain values, not an ORM object: traces can be large)."""

    id: int
    lot_code: str
    quantity: Decimal
    unit: object
    status: object
    organization_id: int
    product: Named
    organization: Named


@dataclass
class ShipmentEvent:
    """The parts of a shipping event a trace shows."""

    id: int
    event_time: object
    reference: str | None
    destination_org_id: int | None
    destination_org: Named | None


@dataclass
class ShipmentLine:
    """How much of which batch a shipment carried."""

    batch_id: int
    quantity: Decimal | None


def trace_batch(
    user: User | None, batch_id: int, direction: str, max_depth: int | None = None
) -> Trace:
    """The full (or one-step) trace of a batch the caller may see, in a few set-based queries."""
    return trace_of(get_batch(user, batch_id), direction, max_depth)


def trace_of(
    root: Batch, direction: str, max_depth: int | None, reader: int | None = None
) -> Trace:
    """The trace of ``root`` one way, as ``reader`` may see it (None: the whole trace)."""
    ids = _trace_ids(root.id, direction, max_depth)
    links = _links_among(ids, direction, root.id if max_depth == 1 else None, reader)
    if reader is not None and direction == "forward":
        # Only what the links it may see reach from the root.
        reached = _depths(root.id, links, direction)
        ids = sorted(reached)
        links = [link for link in links if link.parent_id in reached]
    batches = _batch_nodes(ids)
    return Trace(
        root,
        direction,
        batches,
        _depths(root.id, links, direction),
        links,
        _shipments(ids, reader),
    )


def reader_of(user: User | None, root: Batch) -> int | None:
    """The organization whose view of another's trace is narrowed (``trace.services.sharing``):
    None for the department and for the root lot's owner, who see the whole trace."""
    if sees_everything(user) or user is None or user.organization_id == root.organization_id:
        return None
    return user.organization_id


def _shown_to(reader: int, lot_owner) -> ColumnElement[bool]:
    """SQL condition on ``TraceEvent``: a reader sees an event about a lot of its own, and of
    another's lot only what ``sharing`` shares with it (never another buyer's shipment)."""
    return or_(lot_owner == reader, event_visible_to(reader))


def _trace_ids(root_id: int, direction: str, max_depth: int | None = None):
    """A select of the ids of the root and every batch its trace reaches."""
    reached = _reached(root_id, direction, max_depth)
    return select(reached.c.batch_id).union(select(literal(root_id)))


def _batch_nodes(ids) -> dict[int, BatchNode]:
    rows = db.session.execute(
        select(
            Batch.id,
            Batch.lot_code,
            Batch.quantity,
            Batch.unit,
            Batch.status,
            Batch.organization_id,
            Product.name,
            Organization.name,
        )
        .join(Product, Product.id == Batch.product_id)
        .join(Organization, Organization.id == Batch.organization_id)
        .where(Batch.id.in_(ids))
    )
    return {
        row[0]: BatchNode(*row[:6], product=Named(row[6]), organization=Named(row[7]))
        for row in rows
    }


def _links_among(ids, direction: str, only_from: int | None, reader: int | None = None) -> list:
    """The links of a trace; for a ``reader``, forward, only those it may see: the lots another
    buyer made of a lot are that buyer's business. Backward, every link is the lot's history."""
    near, _far = link_ends(direction)
    columns = (
        BatchLink.parent_id,
        BatchLink.child_id,
        BatchLink.event_id,
        BatchLink.parent_quantity,
        BatchLink.child_quantity,
    )
    stmt = select(*columns).where(near == only_from if only_from is not None else near.in_(ids))
    if reader is not None and direction == "forward":
        stmt = (
            stmt.join(Batch, Batch.id == near)
            .join(TraceEvent, TraceEvent.id == BatchLink.event_id)
            .where(_shown_to(reader, Batch.organization_id))
        )
    return list(db.session.execute(stmt.order_by(BatchLink.id)))


def _depths(root_id: int, links: list, direction: str) -> dict[int, int]:
    starts = [link.parent_id for link in links]
    return _walk(root_id, starts, [link.child_id for link in links], direction)


def _shipments(ids, reader: int | None = None) -> list[tuple[ShipmentEvent, ShipmentLine]]:
    """The live shipments of these lots; for a ``reader``, those of its own lots and those
    shared with it."""
    destination = aliased(Organization)
    stmt = (
        select(
            TraceEvent.id,
            TraceEvent.event_time,
            TraceEvent.reference,
            TraceEvent.destination_org_id,
            destination.name,
            EventLine.batch_id,
            EventLine.quantity,
        )
        .join(EventLine, EventLine.event_id == TraceEvent.id)
        .outerjoin(destination, destination.id == TraceEvent.destination_org_id)
        .where(EventLine.batch_id.in_(ids), EventLine.kind == EventKind.SHIPPING, not_erroneous())
        .order_by(TraceEvent.event_time, TraceEvent.id)
    )
    if reader is not None:
        lot = aliased(Batch)
        stmt = stmt.join(lot, lot.id == EventLine.batch_id).where(
            _shown_to(reader, lot.organization_id)
        )
    rows = db.session.execute(stmt)
    return [
        (
            ShipmentEvent(eid, when, ref, dest_id, Named(dest) if dest else None),
            ShipmentLine(bid, qty),
        )
        for eid, when, ref, dest_id, dest, bid, qty in rows
    ]


# A phone shows about this many lots readably; further down, the page starts lower.
CHAIN_PAGE_LOTS = 100


@dataclass
class ChainView:
    """What the chain page shows of a trace: the lots nearest to where it starts, at most a
    page of them, with how many lots the whole trace holds and which shown lots have more
    below them."""

    trace: Trace
    start: int
    total: int
    hidden_below: dict[int, int]


def chain_view(
    user: User | None,
    batch_id: int,
    direction: str,
    start: int | None = None,
    limit: int | None = None,
) -> ChainView:
    """A page of a batch's trace, breadth first from ``start`` (the root, or any lot in its
    trace), at most ``limit`` lots (``CHAIN_PAGE_LOTS`` by default): a trace of thousands of
    lots stays quick and readable.

    Only the links are read for the whole trace; lots and shipments only for the page.
    Raises NotFound when ``start`` is not in the trace.
    """
    root = get_batch(user, batch_id)
    reader = reader_of(user, root)
    links = _links_among(_trace_ids(root.id, direction), direction, None, reader)
    near, far = _oriented(links, direction)
    start = root.id if start is None else start
    if start != root.id and start not in far:
        raise NotFound(_("That lot is not in this batch's chain."))
    levels = depth_levels(start, near, far, "forward")
    ordered = [batch for level in levels for batch in sorted(level)]
    shown = set(ordered[: limit or CHAIN_PAGE_LOTS])
    kept = [link for link, a, b in zip(links, near, far, strict=True) if a in shown and b in shown]
    hidden = Counter(a for a, b in zip(near, far, strict=True) if a in shown and b not in shown)
    depth = {batch: d for d, level in enumerate(levels) for batch in level if batch in shown}
    shown_ids = sorted(shown)
    trace = Trace(
        root, direction, _batch_nodes(shown_ids), depth, kept, _shipments(shown_ids, reader)
    )
    return ChainView(trace, start, len(ordered), dict(hidden))


def _oriented(links: list, direction: str) -> tuple[list[int], list[int]]:
    """Each link's two ends as (nearer the root, further from it)."""
    parents = [link.parent_id for link in links]
    children = [link.child_id for link in links]
    return (parents, children) if direction == "forward" else (children, parents)


def shipments_of(batch_ids: list[int]) -> list[tuple[TraceEvent, EventLine]]:
    """Every live shipment of these few batches, with the line that says how much."""
    rows = db.session.execute(
        select(TraceEvent, EventLine)
        .join(EventLine, EventLine.event_id == TraceEvent.id)
        .options(
            selectinload(TraceEvent.destination_org),
            selectinload(TraceEvent.organization),
            defer(TraceEvent.epcis),
            defer(TraceEvent.epcis_context),
        )
        .where(
            EventLine.batch_id.in_(batch_ids),
            # The line's copy of the kind: the lot's shipping lines alone, not all its events.
            EventLine.kind == EventKind.SHIPPING,
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


def _batch_dict(batch: BatchNode, depth: int) -> dict:
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


def _walk(root_id: int, starts: list, ends: list, direction: str) -> dict[int, int]:
    """Each batch's depth: the fewest links from the root."""
    levels = depth_levels(root_id, starts, ends, direction)
    return {batch: depth for depth, level in enumerate(levels) for batch in level}


def depth_levels(root_id: int, starts: list, ends: list, direction: str) -> list[list[int]]:
    """The batches of a trace by depth (breadth first over the links' ids), the root alone first."""
    if direction != "forward":
        starts, ends = ends, starts
    children: dict[int, list[int]] = {}
    for start, end in zip(starts, ends, strict=True):
        children.setdefault(start, []).append(end)
    seen = {root_id}
    levels = [[root_id]]
    while True:
        below = []
        for current in levels[-1]:
            for nxt in children.get(current, ()):
                if nxt not in seen:
                    seen.add(nxt)
                    below.append(nxt)
        if not below:
            return levels
        levels.append(below)
