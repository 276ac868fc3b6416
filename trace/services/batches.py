"""Batches (lots): create, edit while draft, change status, list by keyset, fetch."""

from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from gs1.codes import new_lot_code, new_public_code
from registry.models import MemberHousehold, User
from registry.services.scoping import require_own_org, scope_to_caller
from trace.models import (
    Batch,
    BatchHousehold,
    BatchStatus,
    EventKind,
    EventLine,
    Product,
    Site,
    TraceEvent,
)

DATE_FIELDS = ("harvest_date", "production_date", "packing_date", "expiry_date")
# No lot traced here was made before this; an earlier date is a typing slip (0024 for 2024).
EARLIEST_DATE = date(2000, 1, 1)


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
    total = None
    if with_total:
        total = db.session.scalar(
            select(func.count()).select_from(
                batches_query(user, **filters).order_by(None).subquery()
            )
        )
    return rows[:limit], next_cursor, total


def get_batch(user: User | None, batch_id: int) -> Batch:
    """A batch the caller may see (its own, or delivered to it), or 404."""
    stmt = scope_to_caller(
        select(Batch).where(Batch.id == batch_id),
        user,
        Batch.organization_id,
        shared_with=delivered_to,
    )
    batch = db.session.scalar(stmt)
    if batch is None:
        raise NotFound(_("No such batch."))
    return batch


def create_batch(user: User, values: dict) -> Batch:
    """Create a draft batch of one of the caller's products."""
    require_own_org(user, user.organization_id)
    product = _own_product(user, values["product_id"])
    batch = Batch(
        organization_id=user.organization_id,
        product=product,
        unit=product.unit,
        public_code=new_public_code(),
        status=BatchStatus.DRAFT,
        created_by_id=user.id,
    )
    batch.lot_code = _lot_code(user.organization_id, values.get("lot_code"))
    _apply(batch, values)
    db.session.add(batch)
    db.session.flush()
    return batch


def update_batch(user: User, batch_id: int, values: dict) -> Batch:
    """Edit a draft batch of the caller's; an active batch's data is fixed by its events."""
    batch = get_batch(user, batch_id)
    require_own_org(user, batch.organization_id)
    _refuse_label_changes(batch, values)
    if batch.status != BatchStatus.DRAFT:
        raise ValidationFailed.on_field("status", _("Only a draft batch can be edited."))
    batch.product = _own_product(user, values["product_id"])
    batch.unit = batch.product.unit
    if values.get("lot_code") and values["lot_code"] != batch.lot_code:
        batch.lot_code = _lot_code(user.organization_id, values["lot_code"])
    _apply(batch, values)
    db.session.flush()
    return batch


def _refuse_label_changes(batch: Batch, values: dict) -> None:
    """Once labels are printed, what they show (product, lot, dates) stays as printed."""
    if batch.label_issued_at is None:
        return
    # A PUT sends every field: a date left out is cleared, which changes it too.
    changed = [field for field in DATE_FIELDS if values.get(field) != getattr(batch, field)]
    if values.get("lot_code") and values["lot_code"] != batch.lot_code:
        changed.insert(0, "lot_code")
    if "product_id" in values and values["product_id"] != batch.product_id:
        changed.insert(0, "product_id")
    if changed:
        raise Conflict.on_field(
            changed[0],
            _(
                "Labels of this batch have been printed: what they show (%(fields)s) "
                "can no longer be changed.",
                fields=", ".join(changed),
            ),
        )


def set_status(user: User, batch_id: int, status: str) -> Batch:
    """Activate a batch that has a producing event, or close an active batch."""
    batch = get_batch(user, batch_id)
    require_own_org(user, batch.organization_id)
    target = BatchStatus(status)
    if target == BatchStatus.ACTIVE:
        if batch.status != BatchStatus.DRAFT:
            raise ValidationFailed.on_field("status", _("Only a draft batch can be activated."))
        if not has_producing_event(batch.id):
            raise ValidationFailed.on_field(
                "status", _("Record the harvest or production of this batch first.")
            )
    elif target == BatchStatus.CLOSED and batch.status != BatchStatus.ACTIVE:
        raise ValidationFailed.on_field("status", _("Only an active batch can be closed."))
    batch.status = target
    db.session.flush()
    return batch


def has_producing_event(batch_id: int) -> bool:
    """True when a harvest or a transformation made this batch."""
    from trace.services.quantities import producing_event_exists

    return producing_event_exists(batch_id)


def _own_product(user: User, product_id: int) -> Product:
    product = db.session.get(Product, product_id)
    if product is None or product.organization_id != user.organization_id:
        raise ValidationFailed.on_field("product_id", _("No such product of your organization."))
    if not product.active:
        raise ValidationFailed.on_field("product_id", _("This product is no longer active."))
    return product


def _lot_code(org_id: int, wanted: str | None) -> str:
    if wanted:
        if _lot_taken(org_id, wanted):
            raise Conflict.on_field("lot_code", _("Lot code %(lot)s is already used.", lot=wanted))
        return wanted
    code = new_lot_code(date.today().strftime("%y%m%d"))
    while _lot_taken(org_id, code):
        code = new_lot_code(date.today().strftime("%y%m%d"))
    return code


def _lot_taken(org_id: int, code: str) -> bool:
    return (
        db.session.scalar(
            select(Batch.id).where(Batch.organization_id == org_id, Batch.lot_code == code)
        )
        is not None
    )


def _apply(batch: Batch, values: dict) -> None:
    for field in DATE_FIELDS:
        setattr(batch, field, values.get(field))
    check_dates(batch)
    batch.quantity = values["quantity"]
    batch.sites = _own_sites(batch.organization_id, values.get("site_ids") or [])
    batch.households = _contributions(batch, values.get("households") or [])


def check_dates(batch: Batch) -> None:
    """Refuse dates that cannot be: in the future, harvest after packing, expiry before making."""
    today = date.today()
    for field in ("harvest_date", "production_date", "packing_date"):
        value = getattr(batch, field)
        if value and value > today:
            raise ValidationFailed.on_field(field, _("This date is in the future."))
        if value and value < EARLIEST_DATE:
            raise ValidationFailed.on_field(field, _("This date is too far in the past."))
    made = [d for d in (batch.harvest_date, batch.production_date) if d]
    if batch.packing_date and any(d > batch.packing_date for d in made):
        raise ValidationFailed.on_field(
            "packing_date", _("Packing cannot come before harvest or production.")
        )
    earliest = [d for d in (*made, batch.packing_date) if d]
    if batch.expiry_date and any(batch.expiry_date < d for d in earliest):
        raise ValidationFailed.on_field(
            "expiry_date", _("The expiry date is before the batch was made.")
        )


def _own_sites(org_id: int, ids: list[int]) -> list[Site]:
    if not ids:
        return []
    sites = list(
        db.session.scalars(select(Site).where(Site.id.in_(ids), Site.organization_id == org_id))
    )
    missing = sorted(set(ids) - {s.id for s in sites})
    if missing:
        raise ValidationFailed.on_field(
            "site_ids",
            _("Not sites of your organization: %(ids)s.", ids=", ".join(map(str, missing))),
        )
    return sites


def _contributions(batch: Batch, rows: list[dict]) -> list[BatchHousehold]:
    if not rows:
        return []
    ids = [row["member_id"] for row in rows]
    if len(set(ids)) != len(ids):
        raise ValidationFailed.on_field("households", _("A household is listed twice."))
    members = db.session.scalars(
        select(MemberHousehold.id).where(
            MemberHousehold.id.in_(ids),
            MemberHousehold.organization_id == batch.organization_id,
            MemberHousehold.left_on.is_(None),
        )
    ).all()
    missing = sorted(set(ids) - set(members))
    if missing:
        raise ValidationFailed.on_field(
            "households",
            _(
                "Not current member households of this cooperative: %(ids)s.",
                ids=", ".join(map(str, missing)),
            ),
        )
    total = sum((Decimal(row["quantity"]) for row in rows), Decimal(0))
    if total != Decimal(batch.quantity):
        raise ValidationFailed.on_field(
            "households",
            _(
                "The households' quantities add up to %(total)s, not to the batch's %(quantity)s.",
                total=total,
                quantity=batch.quantity,
            ),
        )
    return [BatchHousehold(member_id=row["member_id"], quantity=row["quantity"]) for row in rows]
