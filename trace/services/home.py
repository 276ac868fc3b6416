"""What the home pages show of the trace side: getting-started steps, untraced lots,
labels never scanned, and lots received this week."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, not_, select

from core.extensions import db
from registry.models import MemberHousehold
from registry.services.dashboard import SetupStep
from trace.models import Batch, BatchStatus, EventKind, EventLine, Product, Scan, Site, TraceEvent
from trace.services.completeness import checks, joined
from trace.services.quantities import not_erroneous

UNTRACED_SHOWN = 10  # lots listed on a cooperative's home; the count covers them all


def setup_steps() -> list[SetupStep]:
    """The trace's getting-started steps (products, areas, lots), ticked when one exists."""
    products, sites, lots = db.session.execute(
        select(
            exists().where(Product.id.is_not(None)),
            exists().where(Site.id.is_not(None)),
            exists().where(Batch.id.is_not(None)),
        )
    ).one()
    return [
        SetupStep(
            "products", str(_l("Cooperatives register their products")), products, "trace.products"
        ),
        SetupStep("sites", str(_l("…and their growing areas")), sites, "trace.sites"),
        SetupStep(
            "lots", str(_l("…and their first lots, with the harvest")), lots, "trace.batches"
        ),
    ]


def first_steps(org_id: int) -> list[SetupStep]:
    """A new cooperative's next steps (households, products, areas, lots), each ticked
    once the cooperative has one (one query)."""
    households, products, sites, lots = db.session.execute(
        select(
            exists().where(
                MemberHousehold.organization_id == org_id, MemberHousehold.left_on.is_(None)
            ),
            exists().where(Product.organization_id == org_id),
            exists().where(Site.organization_id == org_id),
            exists().where(Batch.organization_id == org_id),
        )
    ).one()
    return [
        SetupStep(
            "households",
            str(_l("Add or import your member households")),
            households,
            "registry.members",
            {"org_id": org_id},
        ),
        SetupStep("products", str(_l("Register your products")), products, "trace.product_new"),
        SetupStep("sites", str(_l("Register your growing areas")), sites, "trace.site_new"),
        SetupStep("lots", str(_l("Create a lot and record its harvest")), lots, "trace.batch_new"),
    ]


@dataclass
class UntracedLot:
    """A lot of the cooperative that does not count as traced yet, and what it lacks."""

    id: int
    lot_code: str
    product: str
    missing: list[str]


def untraced_lots(org_id: int, limit: int = UNTRACED_SHOWN) -> tuple[int, list[UntracedLot]]:
    """How many of the organization's live lots are not traced, and the newest ``limit`` of
    them with the checklist items they miss (two queries, whatever their number)."""
    items = checks()
    live = (
        Batch.organization_id == org_id,
        Batch.status.in_((BatchStatus.DRAFT, BatchStatus.ACTIVE)),
        not_(Batch.traced),
    )
    total = db.session.scalar(select(db.func.count()).select_from(Batch).where(*live))
    rows = db.session.execute(
        joined(
            select(
                Batch.id,
                Batch.lot_code,
                Product.name.label("product_name_"),
                *(condition.label(key) for key, _label, condition in items),
            )
        )
        .where(*live)
        .order_by(Batch.id.desc())
        .limit(limit)
    ).all()
    lots = [
        UntracedLot(
            row.id,
            row.lot_code,
            row.product_name_,
            [str(label) for key, label, _cond in items if not getattr(row, key)],
        )
        for row in rows
    ]
    return total or 0, lots


@dataclass
class LotLine:
    """A lot as a home-page list shows it: code, product, a quantity and a moment."""

    id: int
    lot_code: str
    product: str
    quantity: Decimal | None
    unit: str
    at: datetime | None


def unscanned_labels(org_id: int, limit: int = UNTRACED_SHOWN) -> tuple[int, list[LotLine]]:
    """The organization's live lots whose label was printed but never scanned by anyone,
    oldest label first (two queries): a label that nobody opens may not be on the goods."""
    where = (
        Batch.organization_id == org_id,
        Batch.label_issued_at.is_not(None),
        Batch.status.in_((BatchStatus.ACTIVE, BatchStatus.CLOSED)),
        ~exists().where(Scan.batch_id == Batch.id),
    )
    total = db.session.scalar(select(func.count()).select_from(Batch).where(*where))
    rows = db.session.execute(
        select(
            Batch.id,
            Batch.lot_code,
            Product.name,
            Batch.quantity,
            Batch.unit,
            Batch.label_issued_at,
        )
        .join(Product, Product.id == Batch.product_id)
        .where(*where)
        .order_by(Batch.label_issued_at, Batch.id)
        .limit(limit)
    ).all()
    return total or 0, [
        LotLine(id_, code, name, qty, unit.value, at) for id_, code, name, qty, unit, at in rows
    ]


def received_this_week(
    org_id: int, now: datetime | None = None, limit: int = UNTRACED_SHOWN
) -> list[LotLine]:
    """Lots the organization recorded receiving in the last seven days, with the quantity
    received, latest first (one query; receipts declared erroneous left out)."""
    since = (now or datetime.now(UTC)) - timedelta(days=7)
    rows = db.session.execute(
        select(
            Batch.id,
            Batch.lot_code,
            Product.name,
            func.sum(EventLine.quantity),
            Batch.unit,
            func.max(TraceEvent.event_time),
        )
        .select_from(TraceEvent)
        .join(EventLine, EventLine.event_id == TraceEvent.id)
        .join(Batch, Batch.id == EventLine.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(
            TraceEvent.organization_id == org_id,
            TraceEvent.kind == EventKind.RECEIVING,
            TraceEvent.event_time >= since,
            not_erroneous(),
        )
        .group_by(Batch.id, Batch.lot_code, Product.name, Batch.unit)
        .order_by(func.max(TraceEvent.event_time).desc(), Batch.id)
        .limit(limit)
    ).all()
    return [
        LotLine(id_, code, name, qty, unit.value, at) for id_, code, name, qty, unit, at in rows
    ]
