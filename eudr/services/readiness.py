"""EUDR readiness: the share of coffee lots, and of coffee volume, whose plots are complete.

A lot is ready when its backward trace reaches at least one growing area and every growing
area it reaches has plots, each of them complete: its geometry valid (checked when saved:
closed, not crossing itself, a polygon above 4 ha), in production since 31 December 2020 or
earlier, and with its land-use right document. Computed in SQL in one statement per table: a
recursive walk from every counted lot at once (each row keeps the lot it started from), then
one aggregate per commune and cooperative. The department counts every cooperative's coffee
lots, an enterprise the coffee lots shipped to it, a cooperative its own.
"""

from dataclasses import dataclass, field

from sqlalchemy import Select, and_, case, exists, func, literal, or_, select, union
from sqlalchemy.orm import aliased

from core.extensions import db
from eudr.models import CUT_OFF, Plot
from eudr.services.evidence import contributes
from registry.models import AdminUnit, Organization, OrgKind, User
from registry.services.scoping import sees_everything
from trace.models import (
    Batch,
    BatchLink,
    BatchStatus,
    EventKind,
    EventLine,
    Product,
    ProductCategory,
    Site,
    SiteKind,
    TraceEvent,
    batch_sites,
)
from trace.services.batch_listing import shipped_lots
from trace.services.quantities import not_erroneous


@dataclass
class ReadinessRow:
    """One cooperative's coffee lots: how many and how much, how many ready, what is missing."""

    commune: str
    organization: str
    lots: int
    ready_lots: int
    kg: float
    ready_kg: float
    missing: dict[str, int] = field(default_factory=dict)

    @property
    def lot_share(self) -> float | None:
        """Share of the lots that are ready (None without lots)."""
        return self.ready_lots / self.lots if self.lots else None

    @property
    def volume_share(self) -> float | None:
        """Share of the volume (kg) that is ready (None without volume)."""
        return self.ready_kg / self.kg if self.kg else None


def counted_lots(user: User | None) -> Select:
    """The coffee lots the caller's readiness counts (ids)."""
    stmt = (
        select(Batch.id)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.category == ProductCategory.COFFEE, Batch.status != BatchStatus.DRAFT)
    )
    if sees_everything(user):
        owner = aliased(Organization)
        return stmt.join(owner, owner.id == Batch.organization_id).where(
            owner.kind != OrgKind.ENTERPRISE
        )
    if user is None or user.organization_id is None:
        return stmt.where(literal(False))
    org = user.organization_id
    return stmt.where(or_(Batch.organization_id == org, Batch.id.in_(shipped_lots(org))))


def readiness(user: User | None) -> list[ReadinessRow]:
    """Readiness of the caller's coffee lots by commune and cooperative (of the lot's maker)."""
    roots = counted_lots(user).subquery("roots")
    walk = select(roots.c.id.label("root"), roots.c.id.label("lot")).cte("walk", recursive=True)
    walk = walk.union(
        select(walk.c.root, BatchLink.parent_id).join(walk, BatchLink.child_id == walk.c.lot)
    )
    areas = _lot_areas().subquery("lot_areas")
    reached = (
        select(walk.c.root, areas.c.batch_id.label("lot"), areas.c.site_id)
        .join(areas, areas.c.batch_id == walk.c.lot)
        .distinct()
        .subquery("reached")
    )
    # An area with no plot the lot can have come from (the evidence's rule:
    # evidence.contributes), or with an incomplete one.
    bad_site = or_(
        ~exists(
            select(Plot.id).where(Plot.site_id == reached.c.site_id, contributes(reached.c.lot))
        ),
        exists(
            select(Plot.id).where(
                Plot.site_id == reached.c.site_id, _incomplete(), contributes(reached.c.lot)
            )
        ),
    )
    per_root = (
        select(
            reached.c.root,
            func.max(case((bad_site, 1), else_=0)).label("bad"),
        )
        .group_by(reached.c.root)
        .subquery("per_root")
    )
    return _by_cooperative(roots, per_root)


def _lot_areas() -> Select:
    """(lot, growing area) pairs: the lot's own sites and its harvests' sites."""
    listed = select(batch_sites.c.batch_id, batch_sites.c.site_id)
    harvested = (
        select(EventLine.batch_id, TraceEvent.site_id)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(
            EventLine.kind == EventKind.HARVEST,
            TraceEvent.site_id.is_not(None),
            not_erroneous(),
        )
    )
    pairs = union(listed, harvested).subquery("pairs")
    return (
        select(pairs.c.batch_id, pairs.c.site_id)
        .join(Site, Site.id == pairs.c.site_id)
        .where(Site.kind == SiteKind.GROWING_AREA)
    )


def _incomplete():
    return or_(
        Plot.production_since.is_(None),
        Plot.production_since > CUT_OFF,
        Plot.land_document_path.is_(None),
    )


def _by_cooperative(roots, per_root) -> list[ReadinessRow]:
    ready = and_(per_root.c.root.is_not(None), per_root.c.bad == 0)
    kg = func.coalesce(Batch.quantity_kg, 0)
    rows = db.session.execute(
        select(
            Organization.id,
            AdminUnit.full_name,
            Organization.name,
            func.count(Batch.id),
            func.sum(case((ready, 1), else_=0)),
            func.sum(kg),
            func.sum(case((ready, kg), else_=0)),
        )
        .select_from(roots)
        .join(Batch, Batch.id == roots.c.id)
        .join(Organization, Organization.id == Batch.organization_id)
        .join(AdminUnit, AdminUnit.id == Organization.admin_unit_id)
        .outerjoin(per_root, per_root.c.root == roots.c.id)
        .group_by(Organization.id, AdminUnit.full_name, Organization.name)
        .order_by(AdminUnit.full_name, Organization.name)
    ).all()
    missing = _missing_by_org([row[0] for row in rows])
    return [
        ReadinessRow(
            commune,
            name,
            lots,
            int(ok or 0),
            float(total or 0),
            float(ok_kg or 0),
            missing.get(org_id, {}),
        )
        for org_id, commune, name, lots, ok, total, ok_kg in rows
    ]


def _missing_by_org(org_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per organization: plots lacking each item, and growing areas without a plot."""
    if not org_ids:
        return {}
    plot_rows = db.session.execute(
        select(
            Plot.organization_id,
            func.sum(case((Plot.production_since.is_(None), 1), else_=0)),
            func.sum(case((Plot.production_since > CUT_OFF, 1), else_=0)),
            func.sum(case((Plot.land_document_path.is_(None), 1), else_=0)),
        )
        .where(Plot.organization_id.in_(org_ids))
        .group_by(Plot.organization_id)
    )
    found: dict[int, dict[str, int]] = {}
    for org_id, no_date, late, no_document in plot_rows:
        found[org_id] = {
            "production_since": int(no_date or 0),
            "after_cut_off": int(late or 0),
            "land_document": int(no_document or 0),
        }
    empty_areas = db.session.execute(
        select(Site.organization_id, func.count(Site.id))
        .where(
            Site.organization_id.in_(org_ids),
            Site.kind == SiteKind.GROWING_AREA,
            ~exists(select(Plot.id).where(Plot.site_id == Site.id)),
        )
        .group_by(Site.organization_id)
    )
    for org_id, count in empty_areas:
        found.setdefault(org_id, {})["areas_without_plots"] = int(count)
    return {org: {k: v for k, v in items.items() if v} for org, items in found.items()}


def totals(rows: list[ReadinessRow]) -> ReadinessRow:
    """The rows summed: the department's (or the enterprise's) whole figure."""
    return ReadinessRow(
        "",
        "",
        sum(row.lots for row in rows),
        sum(row.ready_lots for row in rows),
        sum(row.kg for row in rows),
        sum(row.ready_kg for row in rows),
    )
