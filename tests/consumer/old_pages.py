"""The consumer page's data as ``consumer.pages`` read it before issue #23 (ORM objects, five
queries), frozen here as the reference the new reading must render byte for byte
(``test_consumer_page_golden``). Not used by the app.

Issue #20 made the page show more, and this reference reads it its own way: the open
recall from the ``Recall`` row (the app reads the recall event), the English names of
the product and growing areas on the English page, the producer's phone (the ORM
organization's), and processing steps named by their business step."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from consumer.places import place_name
from core.extensions import db
from recall.models import Recall
from registry.models import Organization
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
    Site,
    TraceEvent,
    batch_sites,
)
from trace.process_steps import step_of
from trace.services.quantities import not_erroneous

TIMELINE_LIMIT = 60
# Upstream lots' shipments elsewhere are not this lot's story; these kinds are.
_MAKING = {EventKind.HARVEST, EventKind.INPUT_APPLIED, EventKind.TRANSFORMATION}
_MAKING |= {EventKind.INSPECTION, EventKind.RECALL}


# The statements of the page are built once, with bound parameters: building a
# select() and its loader options costs more Python time than running it.
_BATCH_OPTIONS = (
    joinedload(Batch.product).joinedload(Product.standards),
    joinedload(Batch.organization),
)


def _first(stmt, **params):
    # Joined eager loading of a collection (the standards) repeats rows: unique() folds them.
    return db.session.scalars(stmt, params).unique().first()


_LOT = select(Batch).options(*_BATCH_OPTIONS).where(Batch.id == bindparam("batch_id"))


def lot(batch_id: int) -> Batch:
    """The lot with its product, standards and producer, as its page shows them."""
    return _first(_LOT, batch_id=batch_id)


def product_by_gtin(gtin: str) -> Product | None:
    """The active product with this GTIN-14, with its producer and standards."""
    return db.session.scalar(
        select(Product)
        .options(selectinload(Product.standards), joinedload(Product.organization))
        .where(Product.gtin == gtin, Product.active.is_(True))
    )


@dataclass
class Step:
    """One line of the timeline, as data; ``lot`` is set for an upstream lot's event."""

    time: datetime
    kind: str
    step: str | None = None
    process: str | None = None
    place: str | None = None
    partner: str | None = None
    reference_type: str | None = None
    reference: str | None = None
    input_name: str | None = None
    pre_harvest_days: int | None = None
    result: str | None = None
    certificate: str | None = None
    lot: str | None = None


@dataclass
class Sale:
    """The lot (or a lot it was made from) sold to an enterprise under a linkage contract."""

    enterprise: str
    reference: str
    time: datetime


@dataclass
class Origin:
    """A growing area the lot comes from; ``commune`` is the unit's full name and province."""

    name: str
    commune: str
    planting_area_code: str | None


@dataclass(frozen=True)
class ProductShown:
    """The product as the page shows it: its name in the page's language, its image."""

    name: str
    image_path: str | None


@dataclass(frozen=True)
class RecallShown:
    """The lot's latest recall: when and why."""

    time: datetime
    reason: str


@dataclass
class ConsumerPage:
    """Everything the consumer page of a lot shows."""

    batch: Batch
    product: ProductShown
    producer: Organization
    origins: list[Origin] = field(default_factory=list)
    households: int = 0
    steps: list[Step] = field(default_factory=list)
    sales: list[Sale] = field(default_factory=list)
    standards: list[ProductStandard] = field(default_factory=list)
    recall: RecallShown | None = None

    @property
    def producer_place(self) -> str:
        """The producer's commune and province."""
        return place_name(self.producer.admin_unit_id)

    @property
    def recalled(self) -> bool:
        """True when the lot is recalled."""
        return self.batch.status == BatchStatus.RECALLED


@dataclass(frozen=True)
class _Lot:
    id: int
    lot_code: str
    organization_id: int


def _name(name: str, name_en: str | None, english: bool) -> str:
    return name_en if english and name_en else name


def consumer_page(batch: Batch, english: bool = False) -> ConsumerPage:
    """Read what the consumer page of ``batch`` shows (the lot and every lot upstream)."""
    lots = _lineage(batch)
    rows = _event_rows(list(lots))
    product = ProductShown(
        _name(batch.product.name, batch.product.name_en, english), batch.product.image_path
    )
    page = ConsumerPage(batch, product, batch.organization, standards=batch.product.standards)
    page.households = _household_count(list(lots))
    page.steps = _steps(batch, rows, lots, english)
    page.sales = _sales(batch, rows)
    page.origins = _origins(list(lots), rows, english)
    if page.recalled:
        page.recall = _recall(batch)
    return page


def _recall(batch: Batch) -> RecallShown | None:
    """The latest recall reaching the lot (the lot itself or a lot it was made from)."""
    found = db.session.scalar(
        select(Recall)
        .where(Recall.batches.any(batch_id=batch.id))
        .order_by(Recall.opened_at.desc(), Recall.id.desc())
        .limit(1)
    )
    return RecallShown(found.opened, found.reason) if found else None


def _lineage_statement():
    anchor = select(bindparam("batch_id", type_=Integer).label("batch_id"))
    reached = anchor.cte("lineage", recursive=True)
    reached = reached.union(
        select(BatchLink.parent_id).join(reached, BatchLink.child_id == reached.c.batch_id)
    )
    return select(Batch.id, Batch.lot_code, Batch.organization_id).where(
        Batch.id.in_(select(reached.c.batch_id))
    )


_LINEAGE = _lineage_statement()
_HOUSEHOLDS = select(func.count(func.distinct(BatchHousehold.member_id))).where(
    BatchHousehold.batch_id.in_(bindparam("lots", expanding=True))
)


def _lineage(batch: Batch) -> dict[int, _Lot]:
    """The lot and every lot upstream of it (one recursive query; UNION stops at repeats)."""
    rows = db.session.execute(_LINEAGE, {"batch_id": batch.id}).all()
    return {row.id: _Lot(*row) for row in rows}


def _household_count(lot_ids: list[int]) -> int:
    """How many distinct member households grew these lots (a count: no names are read)."""
    return db.session.scalar(_HOUSEHOLDS, {"lots": lot_ids})


_EVENTS = (
    select(
        TraceEvent.id,
        TraceEvent.kind,
        TraceEvent.event_time,
        TraceEvent.epcis,
        TraceEvent.destination_org_id,
        TraceEvent.reference_type,
        TraceEvent.reference,
        EventLine.role,
        EventLine.batch_id,
        Site.id.label("site_id"),
        Site.name.label("site_name"),
        Site.name_en.label("site_name_en"),
        Site.planting_area_code,
        Site.admin_unit_id,
        Organization.name.label("partner"),
    )
    .join(EventLine, EventLine.event_id == TraceEvent.id)
    .outerjoin(Site, Site.id == TraceEvent.site_id)
    .outerjoin(Organization, Organization.id == TraceEvent.destination_org_id)
    .where(
        EventLine.batch_id.in_(bindparam("lots", expanding=True)),
        TraceEvent.kind != EventKind.CORRECTION,
        not_erroneous(),
    )
    .order_by(TraceEvent.event_time.desc(), TraceEvent.id.desc())
    .limit(TIMELINE_LIMIT * 2)
)


def _event_rows(lot_ids: list[int]) -> list:
    """The live events of these lots, newest ``2 × TIMELINE_LIMIT`` lines, oldest first."""
    return list(reversed(db.session.execute(_EVENTS, {"lots": lot_ids}).all()))


def _relevant(row, own: bool, makers: set[int]) -> bool:
    if own or row.kind in _MAKING:
        return True
    # An upstream lot's shipment counts when it went to whoever made a later lot of ours.
    return row.kind == EventKind.SHIPPING and row.destination_org_id in makers


def _steps(batch: Batch, rows: list, lots: dict[int, _Lot], english: bool) -> list[Step]:
    makers = {lot.organization_id for lot in lots.values()}
    own_events = {row.id for row in rows if row.batch_id == batch.id}
    steps, seen = [], set()
    for row in rows:
        own = row.id in own_events
        if row.id in seen or not _relevant(row, own, makers):
            continue
        seen.add(row.id)
        steps.append(_step(row, None if own else lots[row.batch_id].lot_code, english))
    return steps[-TIMELINE_LIMIT:]


def _step(row, lot: str | None, english: bool) -> Step:
    epcis = row.epcis or {}
    certificate = epcis.get("certificationInfo")
    step = epcis.get("bizStep") if row.kind == EventKind.TRANSFORMATION else None
    return Step(
        time=row.event_time,
        kind=row.kind.value,
        step=step,
        process=step_of(step),
        place=row.site_name and _name(row.site_name, row.site_name_en, english),
        partner=row.partner,
        reference_type=row.reference_type,
        reference=row.reference,
        input_name=epcis.get("htx:input"),
        pre_harvest_days=epcis.get("htx:preHarvestIntervalDays"),
        result=epcis.get("htx:result"),
        certificate=certificate.rsplit("/", 1)[-1] if certificate else None,
        lot=lot,
    )


def _sales(batch: Batch, rows: list) -> list[Sale]:
    """Contract sales of the lot, and of its direct parents to the lot's own maker."""
    parents = _direct_parents(batch, rows)
    sales, seen = [], set()
    for row in rows:
        if row.id in seen or row.kind != EventKind.SHIPPING:
            continue
        if row.reference_type != "contract" or row.partner is None:
            continue
        own = row.batch_id == batch.id
        if own or (row.batch_id in parents and row.destination_org_id == batch.organization_id):
            seen.add(row.id)
            sales.append(Sale(row.partner, row.reference, row.event_time))
    return sales


def _direct_parents(batch: Batch, rows: list) -> set[int]:
    making = {row.id for row in rows if row.batch_id == batch.id and row.role == LineRole.OUTPUT}
    return {row.batch_id for row in rows if row.id in making and row.role == LineRole.INPUT}


_SITES = (
    select(Site.id, Site.name, Site.name_en, Site.admin_unit_id, Site.planting_area_code)
    .join(batch_sites, batch_sites.c.site_id == Site.id)
    .where(batch_sites.c.batch_id.in_(bindparam("lots", expanding=True)))
)


def _origins(lot_ids: list[int], rows: list, english: bool) -> list[Origin]:
    """Growing areas: those named on the lots, and those their harvests happened at."""
    sites = {
        row.site_id: (
            _name(row.site_name, row.site_name_en, english),
            row.admin_unit_id,
            row.planting_area_code,
        )
        for row in rows
        if row.kind == EventKind.HARVEST and row.site_id is not None
    }
    listed = db.session.execute(_SITES, {"lots": lot_ids}).all()
    for site_id, name, name_en, unit_id, code in listed:
        sites.setdefault(site_id, (_name(name, name_en, english), unit_id, code))
    return [
        Origin(name, place_name(unit_id), code)
        for _id, (name, unit_id, code) in sorted(sites.items())
    ]
