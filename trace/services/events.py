"""Recording critical tracking events: checked, hashed, chained, append-only.

Each kind has a recorder in ``trace.services.recorders`` that checks its rules
and builds the event; ``record_event`` does what all kinds share.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, select, union
from sqlalchemy.orm import aliased, selectinload

from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from gs1.event_hash import event_hash
from registry.models import User
from registry.services.scoping import require_own_org, scope_to_caller
from trace.inputs import EventInput
from trace.models import (
    Batch,
    BatchLink,
    BatchStatus,
    EventKind,
    EventLine,
    LineRole,
    Product,
    Site,
    TraceEvent,
)
from trace.services import recorders
from trace.services.batch_listing import batches_query, receives_shipments
from trace.services.chain import append_to_chain, epcis_context
from trace.services.epcis_build import extension_namespace
from trace.services.products import products_query
from trace.services.quantities import held_quantities
from trace.services.sharing import shared_events
from trace.services.sites import sites_query
from trace.signals import announce_lots_changed

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)


def record_event(user: User, values: EventInput) -> TraceEvent:
    """Record one event of the caller's organization and return it (flushed, not committed)."""
    require_own_org(user, user.organization_id)
    check_event_time(values.event_time)
    event = recorders.RECORDERS[values.kind](user, values)
    event.recorded_by_id = user.id
    store_event(event)
    return event


def check_event_time(value: datetime, field: str = "event_time") -> None:
    """Refuse an event time in the future or before the year 2000."""
    if value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValidationFailed.on_field(field, _("The event time is in the future."))
    if value < EARLIEST:
        raise ValidationFailed.on_field(field, _("The event time is too far in the past."))


def store_event(event: TraceEvent) -> None:
    """Hash, de-duplicate, chain and add an event with its genealogy links."""
    event.epcis_context = event.epcis_context or extension_namespace()
    event.biz_step = event.biz_step or event.epcis.get("bizStep")
    event.event_hash = event_hash(event.epcis, epcis_context(event))
    existing = db.session.scalar(
        select(TraceEvent.id).where(TraceEvent.event_hash == event.event_hash)
    )
    if existing is not None:
        raise Conflict(
            _("This event was already recorded (event %(id)s).", id=existing),
            {"event_hash": [event.event_hash]},
        )
    append_to_chain(event)
    db.session.add(event)
    db.session.flush()
    _link_genealogy(event)
    announce_lots_changed(line.batch_id for line in event.lines)  # pages fresh on commit


def _link_genealogy(event: TraceEvent) -> None:
    inputs = [line for line in event.lines if line.role == LineRole.INPUT]
    outputs = [line for line in event.lines if line.role == LineRole.OUTPUT]
    for parent in inputs:
        for child in outputs:
            db.session.add(
                BatchLink(
                    parent_id=parent.batch_id,
                    child_id=child.batch_id,
                    event_id=event.id,
                    parent_quantity=parent.quantity,
                    child_quantity=child.quantity,
                )
            )
    db.session.flush()


def declare_erroneous(user: User, event_id: int, reason: str) -> TraceEvent:
    """Declare an earlier event of the caller's erroneous: a new event, the old one untouched."""
    original = db.session.get(TraceEvent, event_id)
    if original is None or original.organization_id != user.organization_id:
        raise NotFound(_("No such event."))
    if original.kind == EventKind.CORRECTION:
        raise ValidationFailed.on_field("event_id", _("A correction cannot itself be corrected."))
    if db.session.scalar(select(TraceEvent.id).where(TraceEvent.corrects_event_id == original.id)):
        raise Conflict.on_field("event_id", _("This event has already been declared erroneous."))
    correction = _correction_of(original, reason, user)
    append_to_chain(correction)
    db.session.add(correction)
    db.session.execute(delete(BatchLink).where(BatchLink.event_id == original.id))
    db.session.flush()
    _refuse_negative_holdings(original)
    announce_lots_changed(line.batch_id for line in original.lines)
    return correction


def _correction_of(original: TraceEvent, reason: str, user: User) -> TraceEvent:
    declared = datetime.now(UTC)
    declaration = {
        "declarationTime": declared.isoformat(timespec="milliseconds"),
        "reason": "incorrect_data",
        "htx:note": reason,
    }
    digest = hashlib.sha256(
        f"{original.event_hash}|{declaration['declarationTime']}".encode()
    ).hexdigest()
    return TraceEvent(
        organization_id=original.organization_id,
        kind=EventKind.CORRECTION,
        event_type="ErrorDeclaration",
        event_time=declared,
        time_zone_offset=original.time_zone_offset,
        site_id=original.site_id,
        location_code=original.location_code,
        epcis={"errorDeclaration": declaration},
        epcis_context=extension_namespace(),
        event_hash=f"ni:///sha-256;{digest}?ver=CBV2.0&declaration",
        corrects_event_id=original.id,
        correction_reason=reason,
        recorded_by_id=user.id,
    )


def _refuse_negative_holdings(original: TraceEvent) -> None:
    batch_ids = [line.batch_id for line in original.lines]
    holders = {original.organization_id, original.destination_org_id} - {None}
    for holder in holders:
        negative = [bid for bid, qty in held_quantities(batch_ids, holder).items() if qty < 0]
        if negative:
            raise ValidationFailed.on_field(
                "event_id",
                _(
                    "Later events already used these lots; correct those first: %(lots)s.",
                    lots=", ".join(_lot_codes(negative)),
                ),
            )


def _lot_codes(batch_ids: list[int]) -> list[str]:
    return list(db.session.scalars(select(Batch.lot_code).where(Batch.id.in_(batch_ids))))


def events_query(
    user: User | None,
    batch_id: int | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    """A select() of events the caller may see: its own, and those of the lots shipped to it
    that ``trace.services.sharing`` shares with it (never another buyer's).

    Set-based, never a correlated EXISTS per event line: the events shared with the caller are
    one uncorrelated subquery, built once per statement from its few shipments. With a lot,
    the lot's events (its lines, and their corrections if it has any) are each then checked
    against the caller's; without one, the set of the caller's own events and those shared
    with it, read by key. A caller to whom nothing was ever shipped (most cooperatives) reads
    its own events alone, by index.
    """
    stmt = select(TraceEvent).options(selectinload(TraceEvent.lines))
    receives = receives_shipments(user)
    if batch_id:
        of_lot = select(EventLine.event_id).where(EventLine.batch_id == batch_id)
        # Most lots have no correction: their events are then a plain semi-join, which
        # PostgreSQL probes by the (batch_id, event_id) index whichever side it starts from
        # (a UNION could only be re-read whole for each row when its statistics are stale).
        corrected = db.session.scalar(_corrections_of(of_lot).limit(1)) is not None
        shared = None
        if receives:
            shared = lambda org_id: TraceEvent.id.in_(  # noqa: E731 - a condition factory
                shared_events(org_id, batch_id=batch_id)
            )
        stmt = scope_to_caller(stmt, user, TraceEvent.organization_id, shared_with=shared)
        stmt = stmt.where(
            TraceEvent.id.in_(union(of_lot, _corrections_of(of_lot)) if corrected else of_lot)
        )
    else:
        shared_ids = shared_events if receives else None
        stmt = scope_to_caller(stmt, user, TraceEvent.organization_id, shared_ids=shared_ids)
    if kind:
        stmt = stmt.where(TraceEvent.kind == EventKind(kind))
    # In UTC, as stored: SQLite compares the times as text, so 00:00+07:00 must become 17:00.
    if since:
        stmt = stmt.where(TraceEvent.event_time >= since.astimezone(UTC))
    if until:
        stmt = stmt.where(TraceEvent.event_time < until.astimezone(UTC))
    return stmt.order_by(TraceEvent.event_time, TraceEvent.id)


def _corrections_of(event_ids: Select) -> Select:
    """The ids of the corrections of these events. Corrections are few: both engines start
    from the non-null part of the corrects_event_id index and probe ``event_ids``."""
    correction = aliased(TraceEvent)
    return select(correction.id).where(
        correction.corrects_event_id.is_not(None), correction.corrects_event_id.in_(event_ids)
    )


def event_page(
    user: User | None, filters: dict, page: int, per_page: int
) -> tuple[list[TraceEvent], int]:
    """One page (``page`` from 1) of the events the caller may see, and how many there are.

    One statement finds the page's ids and the count together (a window count over ids and
    times, no event bodies); a second loads the ``per_page`` events. Past the last page the
    list is empty and the count is taken on its own.
    """
    stmt = events_query(user, **filters)
    ids, total = _page_ids(stmt, page, per_page)
    if total is None:
        total = count_of(stmt) if page > 1 else 0
    return _load(ids), total


def _page_ids(stmt: Select, page: int, per_page: int) -> tuple[list[int], int | None]:
    """The ids of one page of ``stmt`` in its order, and the count of all its rows (None
    when the page is past the end)."""
    # The count is a window over every row, so the rows are found as a whole first (a
    # subquery the order cannot reach into); with ORDER BY and LIMIT on the same level,
    # PostgreSQL would walk the whole time index probing each event, as if 50 sufficed.
    rows = stmt.with_only_columns(
        TraceEvent.id, TraceEvent.event_time, func.count().over().label("total")
    )
    found = rows.order_by(None).subquery()
    page_stmt = (
        select(found.c.id, found.c.total)
        .order_by(found.c.event_time, found.c.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    result = db.session.execute(page_stmt).all()
    return [row[0] for row in result], (result[0][1] if result else None)


def _load(ids: list[int], options=()) -> list[TraceEvent]:
    """These events with their lines (and ``options``), in the lists' order."""
    if not ids:
        return []
    stmt = (
        select(TraceEvent)
        .where(TraceEvent.id.in_(ids))
        .options(selectinload(TraceEvent.lines), *options)
        .order_by(TraceEvent.event_time, TraceEvent.id)
    )
    return list(db.session.scalars(stmt))


def visible_among(user: User | None, event_ids) -> Select:
    """A select() of those of ``event_ids`` (a few) the caller may see, each judged by its own
    lines: the set of all the caller's deliveries is never built."""
    stmt = select(TraceEvent).options(selectinload(TraceEvent.lines))
    stmt = stmt.where(TraceEvent.id.in_(event_ids))
    shared = None
    if receives_shipments(user):
        shared = lambda org_id: TraceEvent.id.in_(  # noqa: E731 - a condition factory
            shared_events(org_id, event_ids=event_ids)
        )
    return scope_to_caller(stmt, user, TraceEvent.organization_id, shared_with=shared)


def count_of(stmt: Select) -> int:
    """How many events ``stmt`` (an ``events_query``) selects, counted over their ids alone."""
    return db.session.scalar(select(func.count()).select_from(_ids_of(stmt).subquery())) or 0


def _ids_of(stmt: Select) -> Select:
    return stmt.with_only_columns(TraceEvent.id).order_by(None)


@dataclass
class Timeline:
    """One page of a lot's events, oldest first, and what the page needs to say about them."""

    events: list[TraceEvent]
    total: int
    page: int
    pages: int
    per_page: int
    corrected: set[int]  # events of the page declared erroneous (by a correction on any page)
    originals: dict[int, TraceEvent]  # the events the page's corrections declared erroneous

    @property
    def first(self) -> int:
        """The place of the page's first event in the whole list (from 1; 0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.events else 0

    @property
    def last(self) -> int:
        """The place of the page's last event in the whole list."""
        return (self.page - 1) * self.per_page + len(self.events)


def lot_timeline(
    user: User | None, batch_id: int, page: int, per_page: int, options=()
) -> Timeline:
    """One page of the events of a lot the caller may see, with the corrections that concern
    the page wherever they fall: a page reads ``per_page`` events, never the whole lot.
    A page past the end shows the last one."""
    stmt = events_query(user, batch_id=batch_id)
    page = max(1, page)
    ids, total = _page_ids(stmt, page, per_page)
    if total is None:
        total = count_of(stmt) if page > 1 else 0
        page = max(1, -(-total // per_page))
        ids = _page_ids(stmt, page, per_page)[0] if total else []
    rows = _load(ids, options)
    # Corrections are rare: found by the index on corrects_event_id, then kept if visible.
    corrections = dict(
        db.session.execute(
            select(TraceEvent.id, TraceEvent.corrects_event_id).where(
                TraceEvent.corrects_event_id.in_(ids)
            )
        ).all()
    )
    corrected = set()
    if corrections:
        visible = visible_among(user, sorted(corrections)).with_only_columns(TraceEvent.id)
        corrected = {corrections[i] for i in db.session.scalars(visible)}
    originals = {event.id: event for event in rows}
    wanted = {e.corrects_event_id for e in rows if e.corrects_event_id} - set(ids)
    if wanted:
        originals.update({e.id: e for e in db.session.scalars(visible_among(user, sorted(wanted)))})
    pages = max(1, -(-total // per_page))
    return Timeline(rows, total, page, pages, per_page, corrected, originals)


def get_event(user: User | None, event_id: int) -> TraceEvent:
    """An event the caller may see, or 404 (its own lines checked, not every delivery's)."""
    event = db.session.scalar(visible_among(user, [event_id]))
    if event is None:
        raise NotFound(_("No such event."))
    return event


# What the event forms offer to pick ---------------------------------------------------------


def recording_sites(user: User) -> list[Site]:
    """The sites an event of the caller's organization may name."""
    if user.organization_id is None:
        return []
    return list(db.session.scalars(sites_query(user)))


def output_products(user: User) -> list[Product]:
    """The caller's active products, which a transformation may make."""
    return list(db.session.scalars(products_query(user).where(Product.active.is_(True))))


def held_lots(user: User, batch: Batch, limit: int) -> list[tuple[Batch, Decimal]]:
    """(lot, quantity held) of the caller's lots with something left, ``batch`` first.

    A transformation's possible inputs; ``batch`` is listed even when nothing is left.
    """
    stmt = batches_query(user, status=BatchStatus.ACTIVE.value).limit(limit)
    lots = [batch, *(lot for lot in db.session.scalars(stmt) if lot.id != batch.id)]
    held = held_quantities([lot.id for lot in lots], user.organization_id)
    return [(lot, held[lot.id]) for lot in lots if lot.id == batch.id or held[lot.id] > 0]
