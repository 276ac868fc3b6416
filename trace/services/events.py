"""Recording critical tracking events: checked, hashed, chained, append-only.

Each kind has a recorder in ``trace.services.recorders`` that checks its rules
and builds the event; ``record_event`` does what all kinds share.
"""

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, delete, or_, select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from registry.models import User
from registry.services.scoping import require_own_org, scope_to_caller
from trace.epcis_hash import event_hash
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
from trace.services.batches import batches_query, delivered_to
from trace.services.chain import append_to_chain, epcis_context
from trace.services.epcis_build import extension_namespace
from trace.services.products import products_query
from trace.services.public_cache import touch as touch_public_pages
from trace.services.quantities import held_quantities
from trace.services.sites import sites_query

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)


def record_event(user: User, values: dict) -> TraceEvent:
    """Record one event of the caller's organization and return it (flushed, not committed)."""
    require_own_org(user, user.organization_id)
    check_event_time(values["event_time"])
    kind = EventKind(values["kind"])
    event = recorders.RECORDERS[kind](user, values)
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
    touch_public_pages(line.batch_id for line in event.lines)  # consumer pages fresh on commit


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
    touch_public_pages(line.batch_id for line in original.lines)
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
    """A select() of events the caller may see: its own, and those about lots delivered to it."""
    stmt = select(TraceEvent).options(selectinload(TraceEvent.lines))
    about_delivered = lambda org_id: TraceEvent.id.in_(  # noqa: E731 - a condition factory
        select(EventLine.event_id)
        .join(Batch, Batch.id == EventLine.batch_id)
        .where(delivered_to(org_id))
    )
    stmt = scope_to_caller(stmt, user, TraceEvent.organization_id, shared_with=about_delivered)
    if batch_id:
        stmt = stmt.where(
            or_(
                TraceEvent.id.in_(select(EventLine.event_id).where(EventLine.batch_id == batch_id)),
                TraceEvent.corrects_event_id.in_(
                    select(EventLine.event_id).where(EventLine.batch_id == batch_id)
                ),
            )
        )
    if kind:
        stmt = stmt.where(TraceEvent.kind == EventKind(kind))
    # In UTC, as stored: SQLite compares the times as text, so 00:00+07:00 must become 17:00.
    if since:
        stmt = stmt.where(TraceEvent.event_time >= since.astimezone(UTC))
    if until:
        stmt = stmt.where(TraceEvent.event_time < until.astimezone(UTC))
    return stmt.order_by(TraceEvent.event_time, TraceEvent.id)


def get_event(user: User | None, event_id: int) -> TraceEvent:
    """An event the caller may see, or 404."""
    event = db.session.scalar(events_query(user).where(TraceEvent.id == event_id))
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
