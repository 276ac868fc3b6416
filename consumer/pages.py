"""What a consumer page shows, read as plain rows in a handful of queries (no query in a loop).

For a lot: the product with its standards, the producer (with its phone, for a
recall), the origin (growing areas and communes of the lot and every lot upstream
of it), how many member households contributed (a count; households' names and
phones are never read), the event timeline as plain data (the template puts it into
words), the sales under a linkage contract (shipping events whose reference type is
"contract") and, for a recalled lot, the recall: its reason and date, as the recall
event carries them. Drafts are not public: their codes answer 404 like unknown ones.
The English page shows the English names of the product and growing areas where
they have one.

A page that is not in the page cache is a shopper's first view of the day, and most
views are first views (a page is kept per lot, language and day). So a page is read
as Core rows, never ORM objects (loading objects cost more than the queries), on the
session's connection (``lookup.core_rows``), in four reads: the lineage; the lot with
its product, producer, standards and household count; the events; the growing
areas. The statements are built once, with bound parameters, and the later ones
take a list of lot ids (which the planner estimates well, unlike a subquery on a
recursive CTE). Place names come from a per-process cache of the administrative units.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Integer, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from consumer.lookup import core_rows
from consumer.places import place_name
from core.extensions import db
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
    StandardKind,
    TraceEvent,
    batch_sites,
)
from trace.process_steps import step_of
from trace.services.quantities import not_erroneous

TIMELINE_LIMIT = 60
# Upstream lots' shipments elsewhere are not this lot's story; these kinds are.
_MAKING = {EventKind.HARVEST, EventKind.INPUT_APPLIED, EventKind.TRANSFORMATION}
_MAKING |= {EventKind.INSPECTION, EventKind.RECALL}


def product_by_gtin(gtin: str) -> Product | None:
    """The active product with this GTIN-14, with its producer and standards."""
    return db.session.scalar(
        select(Product)
        .options(selectinload(Product.standards), joinedload(Product.organization))
        .where(Product.gtin == gtin, Product.active.is_(True))
    )


@dataclass(frozen=True)
class LotFacts:
    """The lot's own columns the page shows."""

    id: int
    status: BatchStatus
    lot_code: str
    organization_id: int
    harvest_date: date | None
    production_date: date | None
    packing_date: date | None
    expiry_date: date | None


@dataclass(frozen=True)
class ProductFacts:
    """What the page shows of the product (``image_path`` for ``images.image_url``)."""

    id: int
    name: str
    image_path: str | None


@dataclass(frozen=True)
class Producer:
    """What the page shows of the producer."""

    name: str
    address: str | None
    admin_unit_id: int | None
    phone: str | None = None


@dataclass(frozen=True)
class RecallNotice:
    """The open recall of the lot, as its recall event tells it."""

    time: datetime
    reason: str | None
    severity: str | None


@dataclass(frozen=True)
class Standard:
    """A standard the product follows, with its certificate (the template's ``standard_name``)."""

    kind: StandardKind
    stars: int | None
    certificate_number: str | None
    issuer: str | None
    expires_on: date | None


@dataclass
class Step:
    """One line of the timeline, as data; ``lot`` is set for an upstream lot's event."""

    time: datetime
    kind: str
    step: str | None = None
    process: str | None = None  # a named processing step (``trace.process_steps``)
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


@dataclass
class ConsumerPage:
    """Everything the consumer page of a lot shows."""

    batch: LotFacts
    product: ProductFacts
    producer: Producer
    origins: list[Origin] = field(default_factory=list)
    households: int = 0
    steps: list[Step] = field(default_factory=list)
    sales: list[Sale] = field(default_factory=list)
    standards: list[Standard] = field(default_factory=list)
    recall: RecallNotice | None = None

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


# The lot, its product and producer, the household count of its lineage, and the
# product's standards (one row per standard, at least one row): one read.
_HOUSEHOLDS = (
    select(func.count(func.distinct(BatchHousehold.member_id)))
    .where(BatchHousehold.batch_id.in_(bindparam("lots", expanding=True)))
    .scalar_subquery()
)
_LOT = (
    select(
        Batch.id,
        Batch.status,
        Batch.lot_code,
        Batch.organization_id,
        Batch.harvest_date,
        Batch.production_date,
        Batch.packing_date,
        Batch.expiry_date,
        Product.id.label("product_id"),
        Product.name.label("product_name"),
        Product.name_en.label("product_name_en"),
        Product.image_path,
        Organization.name.label("producer_name"),
        Organization.address,
        Organization.admin_unit_id,
        Organization.phone,
        _HOUSEHOLDS.label("households"),
        ProductStandard.id.label("standard_id"),
        ProductStandard.kind,
        ProductStandard.stars,
        ProductStandard.certificate_number,
        ProductStandard.issuer,
        ProductStandard.expires_on,
    )
    .join(Product, Product.id == Batch.product_id)
    .join(Organization, Organization.id == Batch.organization_id)
    .outerjoin(ProductStandard, ProductStandard.product_id == Product.id)
    .where(Batch.id == bindparam("batch_id"))
    .order_by(ProductStandard.id)
)


def local_name(name: str, name_en: str | None, english: bool) -> str:
    """The name the page shows: the English one on the English page, where there is one."""
    return name_en if english and name_en else name


def consumer_page(batch_id: int, english: bool = False) -> ConsumerPage | None:
    """Read what the consumer page of the lot ``batch_id`` shows (the lot and every lot
    upstream of it), with English names when ``english``; None for no such lot."""
    lots = _lineage(batch_id)
    lot_ids = list(lots)
    rows = core_rows(_LOT, {"batch_id": batch_id, "lots": lot_ids}).all()
    if not rows:
        return None
    first = rows[0]
    batch = LotFacts(
        first.id,
        first.status,
        first.lot_code,
        first.organization_id,
        first.harvest_date,
        first.production_date,
        first.packing_date,
        first.expiry_date,
    )
    page = ConsumerPage(
        batch,
        ProductFacts(
            first.product_id,
            local_name(first.product_name, first.product_name_en, english),
            first.image_path,
        ),
        Producer(first.producer_name, first.address, first.admin_unit_id, first.phone),
        households=first.households or 0,
        standards=[
            Standard(row.kind, row.stars, row.certificate_number, row.issuer, row.expires_on)
            for row in rows
            if row.standard_id is not None
        ],
    )
    events = _event_rows(lot_ids)
    page.steps = _steps(batch, events, lots, english)
    page.sales = _sales(batch, events)
    page.origins = _origins(lot_ids, events, english)
    if page.recalled:
        page.recall = _recall(batch, events)
    return page


def valid_through(page: ConsumerPage, today: date) -> date | None:
    """The last day the page reads as it does ``today`` (None: every day): the earliest
    expiry of a certificate still valid today, after which it reads "expired"."""
    if page.recalled:  # certificates read "suspended", whatever their dates
        return None
    days = [s.expires_on for s in page.standards if s.expires_on and s.expires_on >= today]
    return min(days, default=None)


def _lineage(batch_id: int) -> dict[int, _Lot]:
    """The lot and every lot upstream of it (one recursive query; UNION stops at repeats)."""
    rows = core_rows(_LINEAGE, {"batch_id": batch_id})
    return {row.id: _Lot(*row) for row in rows}


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
    return list(reversed(core_rows(_EVENTS, {"lots": lot_ids}).all()))


def _recall(batch: LotFacts, rows: list) -> RecallNotice | None:
    """The latest recall event naming the lot: when, why and how serious."""
    recalls = [r for r in rows if r.kind == EventKind.RECALL and r.batch_id == batch.id]
    if not recalls:
        return None
    epcis = recalls[-1].epcis or {}
    return RecallNotice(recalls[-1].event_time, epcis.get("htx:reason"), epcis.get("htx:severity"))


def _relevant(row, own: bool, makers: set[int]) -> bool:
    if own or row.kind in _MAKING:
        return True
    # An upstream lot's shipment counts when it went to whoever made a later lot of ours.
    return row.kind == EventKind.SHIPPING and row.destination_org_id in makers


def _steps(batch: LotFacts, rows: list, lots: dict[int, _Lot], english: bool) -> list[Step]:
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
        place=row.site_name and local_name(row.site_name, row.site_name_en, english),
        partner=row.partner,
        reference_type=row.reference_type,
        reference=row.reference,
        input_name=epcis.get("htx:input"),
        pre_harvest_days=epcis.get("htx:preHarvestIntervalDays"),
        result=epcis.get("htx:result"),
        certificate=certificate.rsplit("/", 1)[-1] if certificate else None,
        lot=lot,
    )


def _sales(batch: LotFacts, rows: list) -> list[Sale]:
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


def _direct_parents(batch: LotFacts, rows: list) -> set[int]:
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
            local_name(row.site_name, row.site_name_en, english),
            row.admin_unit_id,
            row.planting_area_code,
        )
        for row in rows
        if row.kind == EventKind.HARVEST and row.site_id is not None
    }
    listed = core_rows(_SITES, {"lots": lot_ids}).all()
    for site_id, name, name_en, unit_id, code in listed:
        sites.setdefault(site_id, (local_name(name, name_en, english), unit_id, code))
    return [
        Origin(name, place_name(unit_id), code)
        for _id, (name, unit_id, code) in sorted(sites.items())
    ]
