"""Completeness: whether a batch is "traced" (DESIGN.md section 6), as SQL the indicator reuses.

Each check is a boolean SQL expression over a batch joined to its product and
producer, so one batch's checklist and a province-wide count use the same rules.

``Batch.traced`` stores the result so the indicators can count it over millions of
batches. One mechanism keeps it exact: after every ORM flush, the batches whose
checks the flush may have changed (the batch itself, its product and standards, its
producer, households, genealogy links and events, and events a correction declares
erroneous) are recomputed with one set-based UPDATE. Paths that write without the ORM
(the EPCIS capture's COPY) call ``refresh_traced``; ``flask trace refresh-traced``
recomputes everything (back-fills). A long run of flushes in one transaction (a season
import) may defer the UPDATEs to its end with ``deferred_refresh``.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    and_,
    case,
    event,
    exists,
    func,
    inspect,
    literal,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from core.extensions import db
from core.sql import local_date
from registry.models import COOPERATIVE_KINDS, Organization
from trace.models import (
    Batch,
    BatchHousehold,
    BatchLink,
    BatchStatus,
    EventKind,
    EventLine,
    LineRole,
    Product,
    ProductStandard,
    QuantityUnit,
    TraceEvent,
    batch_sites,
)
from trace.services.quantities import not_erroneous


def counted_on_expression():
    """SQL: the day the indicators count a lot on (None while it is a draft)."""
    day = func.coalesce(
        Batch.harvest_date, Batch.production_date, Batch.packing_date, local_date(Batch.created_at)
    )
    return case((Batch.status == BatchStatus.DRAFT, None), else_=day)


def quantity_kg_expression():
    """SQL: the lot's quantity in kilograms (None when counted in litres, pieces, boxes…)."""
    return case(
        (Batch.unit == QuantityUnit.KG, Batch.quantity),
        (Batch.unit == QuantityUnit.TONNE, Batch.quantity * 1000),
        (Batch.unit == QuantityUnit.GRAM, Batch.quantity / 1000),
        else_=None,
    )


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


@dataclass
class Touched:
    """What a flush changed that a batch's checks read; ``refresh_traced`` takes it."""

    batch_ids: set[int] = field(default_factory=set)
    product_ids: set[int] = field(default_factory=set)
    organization_ids: set[int] = field(default_factory=set)
    event_ids: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.batch_ids or self.product_ids or self.organization_ids or self.event_ids)

    def update(self, other: "Touched") -> None:
        """Add what ``other`` touched."""
        self.batch_ids |= other.batch_ids
        self.product_ids |= other.product_ids
        self.organization_ids |= other.organization_ids
        self.event_ids |= other.event_ids


@contextmanager
def deferred_refresh(chunk: int = 5000) -> Iterator[None]:
    """Within: flushes note the batches they touch instead of refreshing them; on a normal
    exit the stored columns of all of them are recomputed, ``chunk`` ids per UPDATE.

    For thousands of flushes in one transaction (a season import), where a refresh after
    each would cost more than the writes. Nothing within may read ``Batch.traced``.
    """
    session = db.session()
    session.info["traced_deferred"] = pending = Touched()
    try:
        yield
    finally:
        session.info.pop("traced_deferred", None)
    batch_ids, event_ids = sorted(pending.batch_ids), sorted(pending.event_ids)
    for start in range(0, max(len(batch_ids), len(event_ids)), chunk):
        refresh_traced(batch_ids[start : start + chunk], event_ids=event_ids[start : start + chunk])
    refresh_traced((), pending.product_ids, pending.organization_ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Batch):
            session.expire(obj, ["traced", "counted_on", "quantity_kg"])


def _targets(touched: Touched):
    conditions = []
    if touched.batch_ids:
        conditions.append(Batch.id.in_(sorted(touched.batch_ids)))
    if touched.product_ids:
        conditions.append(Batch.product_id.in_(sorted(touched.product_ids)))
    if touched.organization_ids:
        conditions.append(Batch.organization_id.in_(sorted(touched.organization_ids)))
    if touched.event_ids:
        lines = select(EventLine.batch_id).where(EventLine.event_id.in_(sorted(touched.event_ids)))
        conditions.append(Batch.id.in_(lines))
    return or_(*conditions)


def _refresh(subset):
    """UPDATE the stored indicator columns of the batches matching ``subset``."""
    traced_ids = joined(select(Batch.id)).where(subset, traced_condition()).correlate(None)
    return (
        update(Batch)
        .where(subset)
        .values(
            traced=Batch.id.in_(traced_ids),
            counted_on=counted_on_expression(),
            quantity_kg=quantity_kg_expression(),
        )
        .execution_options(synchronize_session=False)
    )


def refresh_traced(
    batch_ids=(), product_ids=(), organization_ids=(), event_ids=(), connection=None
) -> int:
    """Recompute ``Batch.traced`` (with ``counted_on`` and ``quantity_kg``) for these
    batches and the batches of these products, producers and events, with one UPDATE.
    Returns the number of rows it touched.

    Call it after writing batch data without the ORM (bulk INSERT or COPY); ORM flushes
    are covered already.
    """
    touched = Touched(set(batch_ids), set(product_ids), set(organization_ids), set(event_ids))
    if not touched:
        return 0
    result = (connection or db.session.connection()).execute(_refresh(_targets(touched)))
    return result.rowcount


def refresh_all_traced(chunk: int = 20000, progress=None) -> int:
    """Recompute the stored columns of every batch, ``chunk`` ids at a time (back-fills).

    ``progress(n)`` is called after each chunk with the number of batches done in it.
    """
    low, high = db.session.execute(select(func.min(Batch.id), func.max(Batch.id))).one()
    if low is None:
        return 0
    done = 0
    for start in range(low, high + 1, chunk):
        result = db.session.execute(_refresh(Batch.id.between(start, start + chunk - 1)))
        done += result.rowcount
        if progress is not None:
            progress(result.rowcount)
    return done


_PRODUCT_FIELDS = ("name", "image_path", "shelf_life_days", "no_standard_declared")
_ORG_FIELDS = ("name", "address", "kind")


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _note(touched: Touched, obj, state: str) -> None:
    """Record what ``obj`` (``state``: new, dirty or deleted) may change in batch checks."""
    if isinstance(obj, Batch):
        if state != "deleted":
            touched.batch_ids.add(obj.id)
    elif isinstance(obj, Product | Organization):
        # A new product or producer has no batch yet; a deleted one can have none left.
        fields = _PRODUCT_FIELDS if isinstance(obj, Product) else _ORG_FIELDS
        if state == "dirty" and _changed(obj, fields):
            ids = touched.product_ids if isinstance(obj, Product) else touched.organization_ids
            ids.add(obj.id)
    elif isinstance(obj, ProductStandard):
        touched.product_ids.add(obj.product_id)
    elif isinstance(obj, BatchHousehold | EventLine):
        touched.batch_ids.add(obj.batch_id)
    elif isinstance(obj, BatchLink):
        touched.batch_ids.add(obj.child_id)
    elif isinstance(obj, TraceEvent):
        touched.event_ids.add(obj.id)
        if obj.corrects_event_id:
            touched.event_ids.add(obj.corrects_event_id)


@event.listens_for(Session, "after_flush")
def _collect_touched(session, _flush_context) -> None:
    touched = session.info.setdefault("traced_touched", Touched())
    for state, objects in (
        ("new", session.new),
        ("dirty", session.dirty),
        ("deleted", session.deleted),
    ):
        for obj in objects:
            _note(touched, obj, state)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_touched(session, _flush_context) -> None:
    touched = session.info.pop("traced_touched", None)
    if not touched:
        return
    deferred = session.info.get("traced_deferred")
    if deferred is not None:
        deferred.update(touched)
        return
    refresh_traced(
        touched.batch_ids,
        touched.product_ids,
        touched.organization_ids,
        touched.event_ids,
        connection=session.connection(),
    )
    # The UPDATE went around the ORM: loaded batches must read the columns afresh.
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Batch):
            session.expire(obj, ["traced", "counted_on", "quantity_kg"])
