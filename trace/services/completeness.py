"""Completeness: whether a batch is "traced" (DESIGN.md section 6), as SQL the indicator reuses.

Each check is a boolean SQL expression over a batch joined to its product and
producer, so one batch's checklist and a province-wide count use the same rules.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, literal, or_, select, true

from core.extensions import db
from registry.models import COOPERATIVE_KINDS, Organization
from trace.models import (
    Batch,
    BatchHousehold,
    BatchLink,
    EventKind,
    EventLine,
    LineRole,
    Product,
    ProductStandard,
    TraceEvent,
    batch_sites,
)
from trace.services.quantities import not_erroneous


def _has_site():
    return exists(select(batch_sites.c.site_id).where(batch_sites.c.batch_id == Batch.id))


def _has_parent():
    return exists(select(BatchLink.id).where(BatchLink.child_id == Batch.id))


def _producing_event():
    return exists(
        select(EventLine.id)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(
            EventLine.batch_id == Batch.id,
            or_(
                EventLine.role == LineRole.OUTPUT,
                and_(TraceEvent.kind == EventKind.HARVEST, EventLine.role == LineRole.OBJECT),
            ),
            not_erroneous(),
        )
    )


def _shipped_without_recipient():
    return exists(
        select(EventLine.id)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(
            EventLine.batch_id == Batch.id,
            TraceEvent.kind == EventKind.SHIPPING,
            TraceEvent.destination_org_id.is_(None),
        )
    )


def checks() -> list[tuple[str, object, object]]:
    """(key, label, SQL condition) for every item of the checklist, in display order."""
    return [
        ("product_name", _l("Product name"), Product.name != ""),
        ("product_image", _l("Product image"), Product.image_path.is_not(None)),
        ("producer_name", _l("Producer name"), Organization.name != ""),
        ("producer_address", _l("Producer address"), Organization.address.is_not(None)),
        ("origin", _l("Origin (growing area or source lots)"), or_(_has_site(), _has_parent())),
        ("tracking_event", _l("Harvest or production recorded with its time"), _producing_event()),
        ("lot_code", _l("Lot code"), Batch.lot_code != ""),
        (
            "expiry",
            _l("Expiry date (the product has a shelf life)"),
            or_(Product.shelf_life_days.is_(None), Batch.expiry_date.is_not(None)),
        ),
        (
            "standards",
            _l("Standards applied, or none declared"),
            or_(
                Product.no_standard_declared.is_(true()),
                exists(select(ProductStandard.id).where(ProductStandard.product_id == Product.id)),
            ),
        ),
        (
            "households",
            _l("Contributing member households"),
            or_(
                Organization.kind.not_in(COOPERATIVE_KINDS),
                _has_parent(),
                exists(select(BatchHousehold.member_id).where(BatchHousehold.batch_id == Batch.id)),
            ),
        ),
        ("label", _l("QR label issued"), Batch.label_issued_at.is_not(None)),
        (
            "next_recipient",
            _l("Recipient of every shipment recorded"),
            ~_shipped_without_recipient(),
        ),
    ]


def joined(stmt):
    """Join a select over Batch to the product and producer the checks read."""
    return (
        stmt.select_from(Batch)
        .join(Product, Product.id == Batch.product_id)
        .join(Organization, Organization.id == Batch.organization_id)
    )


def traced_condition():
    """SQL condition: every check passes (the batch counts as traced)."""
    return and_(literal(True), *(condition for _key, _label, condition in checks()))


@dataclass
class ChecklistItem:
    """One line of a batch's checklist."""

    key: str
    label: str
    ok: bool


def checklist(batch: Batch) -> list[ChecklistItem]:
    """The batch's checklist, computed in one query."""
    items = checks()
    row = db.session.execute(
        joined(select(*(condition.label(key) for key, _label, condition in items))).where(
            Batch.id == batch.id
        )
    ).one()
    return [ChecklistItem(key, str(label), bool(getattr(row, key))) for key, label, _cond in items]


def missing(batch: Batch) -> list[ChecklistItem]:
    """What the batch lacks to count as traced (empty when complete)."""
    return [item for item in checklist(batch) if not item.ok]
