"""Batches (lots): create, edit while draft (PUT or PATCH), complete while active, activate and
close, fetch. (Which lots a caller sees, and their list by keyset: ``batch_listing``.)

An active lot's missing data (dates, growing areas, households) can still be added: the
revision hook (``trace.services.revisions``) chains each change. Once its labels are printed, a
change is a correction and needs a reason, kept in the revision.
"""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from core.clock import vn_today
from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.numbers import number
from gs1.codes import new_lot_code, new_public_code
from registry.models import MemberHousehold, User
from registry.services.scoping import require_own_org, scope_to_caller
from trace.inputs import BatchInput, BatchPatch, Contribution, changed_fields
from trace.models import (
    Batch,
    BatchHousehold,
    BatchStatus,
    Product,
    Site,
)
from trace.services.batch_listing import delivered_to

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FIELDS = ("harvest_date", "production_date", "packing_date", "expiry_date")
LABEL_FIELDS = ("product_id", "lot_code", *DATE_FIELDS)  # what a printed label shows
# What an active lot may still be completed with: its events fix the rest (product, quantity).
AMENDABLE_FIELDS = (*DATE_FIELDS, "site_ids", "households")
# No lot traced here was made before this; an earlier date is a typing slip (0024 for 2024).
EARLIEST_DATE = date(2000, 1, 1)


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


def create_batch(user: User, values: BatchInput) -> Batch:
    """Create a draft batch of one of the caller's products (with no expiry date given, the
    product's shelf life after the packing, production or harvest date sets it)."""
    require_own_org(user, user.organization_id)
    product = _own_product(user, values.product_id)
    batch = Batch(
        organization_id=user.organization_id,
        product=product,
        unit=product.unit,
        public_code=new_public_code(),
        status=BatchStatus.DRAFT,
        created_by_id=user.id,
    )
    batch.lot_code = _lot_code(user.organization_id, values.lot_code)
    _apply(batch, values)
    db.session.add(batch)
    db.session.flush()
    return batch


def update_batch(user: User, batch_id: int, values: BatchInput) -> Batch:
    """Replace a batch of the caller's with the whole representation sent (PUT).

    No lot code keeps the current one. A draft may change in everything; an active batch
    only in its dates, growing areas and households (its events fix the rest); a closed or
    recalled one in nothing. Once labels are printed a change is a correction: refused (409)
    without ``values.reason``, kept with the revision with it. Sending the batch as it
    stands changes nothing.
    """
    return _replace(user, get_batch(user, batch_id), values)


def patch_batch(user: User, batch_id: int, patch: BatchPatch) -> Batch:
    """Change only the fields of a batch of the caller's that a PATCH sent (same rules as PUT)."""
    batch = get_batch(user, batch_id)
    return _replace(user, batch, batch_input(batch).patched(patch))


def _replace(user: User, batch: Batch, values: BatchInput) -> Batch:
    require_own_org(user, batch.organization_id)
    wanted = values if values.lot_code else dataclasses.replace(values, lot_code=batch.lot_code)
    changed = changed_fields(batch_input(batch), wanted)
    if not changed:
        return batch
    reason = (values.reason or "").strip()
    _refuse_label_changes(batch, changed, reason)
    _refuse_status_changes(batch, changed)
    if reason:
        # The revision this change writes keeps why it was made (``revisions``).
        db.session.info.setdefault("lot_reasons", {})[batch.id] = reason
    if "product_id" in changed:
        batch.product = _own_product(user, wanted.product_id)
        batch.unit = batch.product.unit
    if "lot_code" in changed:
        batch.lot_code = _lot_code(user.organization_id, wanted.lot_code)
    _apply(batch, wanted)
    db.session.flush()
    db.session.info.get("lot_reasons", {}).pop(batch.id, None)
    return batch


def _refuse_status_changes(batch: Batch, changed: list[str]) -> None:
    """A draft changes freely, an active batch only in what completes it, others not at all."""
    if batch.status == BatchStatus.DRAFT:
        return
    if batch.status != BatchStatus.ACTIVE:
        raise ValidationFailed.on_field(
            changed[0], _("Only a draft or an active batch can be edited.")
        )
    fixed = [field for field in changed if field not in AMENDABLE_FIELDS]
    if fixed:
        raise ValidationFailed.on_field(
            fixed[0],
            _(
                "The events of an active batch fix this field; only its dates, growing areas"
                " and households can still be completed."
            ),
        )


def batch_input(batch: Batch) -> BatchInput:
    """A batch as it stands, in the form its create and update take."""
    return BatchInput(
        product_id=batch.product_id,
        quantity=batch.quantity,
        lot_code=batch.lot_code,
        harvest_date=batch.harvest_date,
        production_date=batch.production_date,
        packing_date=batch.packing_date,
        expiry_date=batch.expiry_date,
        site_ids=tuple(site.id for site in batch.sites),
        households=tuple(
            Contribution(member_id=share.member_id, quantity=share.quantity)
            for share in batch.households
        ),
    )


def _refuse_label_changes(batch: Batch, changed: list[str], reason: str) -> None:
    """Once labels are printed, a change is a correction: refused without its reason."""
    if batch.label_issued_at is None or reason:
        return
    printed = [field for field in changed if field in LABEL_FIELDS] or changed
    raise Conflict.on_field(
        printed[0],
        _(
            "Labels of this batch have been printed: a change (%(fields)s) is a correction;"
            " give its reason.",
            fields=", ".join(changed),
        ),
    )


def status_refusal(status: BatchStatus, target: BatchStatus, produced: bool) -> str | None:
    """Why a batch in ``status`` cannot go to ``target`` (None: it can).

    ``produced``: a harvest or a transformation made the batch (activation needs one).
    """
    if target == BatchStatus.ACTIVE:
        if status != BatchStatus.DRAFT:
            return _("Only a draft batch can be activated.")
        if not produced:
            return _("Record the harvest or production of this batch first.")
    elif target == BatchStatus.CLOSED:
        if status != BatchStatus.ACTIVE:
            return _("Only an active batch can be closed.")
    else:
        return _("A batch is recalled through a recall, not here.")
    return None


def allowed_transitions(status: BatchStatus, produced: bool) -> list[BatchStatus]:
    """The statuses a batch may be moved to by hand (what the batch page offers)."""
    targets = (BatchStatus.ACTIVE, BatchStatus.CLOSED)
    return [target for target in targets if status_refusal(status, target, produced) is None]


def activate_batch(user: User, batch_id: int) -> Batch:
    """Make active a draft batch of the caller's that a harvest or transformation made."""
    batch = get_batch(user, batch_id)
    require_own_org(user, batch.organization_id)
    return _move(batch, BatchStatus.ACTIVE, has_producing_event(batch.id))


def close_batch(user: User, batch_id: int) -> Batch:
    """Close an active batch of the caller's: it stays traceable, its page says it is closed."""
    batch = get_batch(user, batch_id)
    require_own_org(user, batch.organization_id)
    return _move(batch, BatchStatus.CLOSED, produced=True)


def set_status(user: User, batch_id: int, status: str) -> Batch:
    """Activate or close a batch, as the status named (the web form's single action)."""
    if BatchStatus(status) == BatchStatus.ACTIVE:
        return activate_batch(user, batch_id)
    return close_batch(user, batch_id)


def _move(batch: Batch, target: BatchStatus, produced: bool) -> Batch:
    refusal = status_refusal(batch.status, target, produced)
    if refusal:
        raise ValidationFailed.on_field("status", refusal)
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
    code = new_lot_code(vn_today().strftime("%y%m%d"))
    while _lot_taken(org_id, code):
        code = new_lot_code(vn_today().strftime("%y%m%d"))
    return code


def _lot_taken(org_id: int, code: str) -> bool:
    return (
        db.session.scalar(
            select(Batch.id).where(Batch.organization_id == org_id, Batch.lot_code == code)
        )
        is not None
    )


def default_expiry(batch: Batch, made_on: date | None = None) -> None:
    """Fill a missing expiry date: the packing, production or harvest date (else ``made_on``)
    plus the product's shelf life. Nothing when the product has none."""
    days = batch.product.shelf_life_days
    base = batch.packing_date or batch.production_date or batch.harvest_date or made_on
    if batch.expiry_date is None and days and base:
        batch.expiry_date = base + timedelta(days=days)


def _apply(batch: Batch, values: BatchInput) -> None:
    for field in DATE_FIELDS:
        setattr(batch, field, getattr(values, field))
    default_expiry(batch)
    check_dates(batch)
    batch.quantity = values.quantity
    batch.sites = _own_sites(batch.organization_id, list(values.site_ids))
    batch.households = _contributions(batch, values.households)


def check_dates(batch: Batch | BatchInput) -> None:
    """Refuse dates that cannot be: in the future, harvest after packing, expiry before making."""
    today = vn_today()
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


def check_shares(shares: tuple[Contribution, ...], quantity: Decimal) -> None:
    """The households' shares: each household once, adding up to the batch's quantity."""
    ids = [share.member_id for share in shares]
    if len(set(ids)) != len(ids):
        raise ValidationFailed.on_field("households", _("A household is listed twice."))
    total = sum((Decimal(share.quantity) for share in shares), Decimal(0))
    if total != Decimal(quantity):
        raise ValidationFailed.on_field(
            "households",
            _(
                "The households' quantities add up to %(total)s, not to the batch's %(quantity)s.",
                total=number(total),
                quantity=number(quantity),
            ),
        )


def _contributions(batch: Batch, shares: tuple[Contribution, ...]) -> list[BatchHousehold]:
    if not shares:
        return []
    check_shares(shares, batch.quantity)
    ids = [share.member_id for share in shares]
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
    return [BatchHousehold(member_id=share.member_id, quantity=share.quantity) for share in shares]
