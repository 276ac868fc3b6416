"""The reference data a phone caches to fill its forms offline: the cooperative's products,
growing areas, member households and open lots."""

from datetime import UTC, datetime

from sqlalchemy import select

from core.db import vietnamese
from core.extensions import db
from registry.models import MemberHousehold, User
from registry.services.scoping import require_own_org
from trace.models import Batch, BatchStatus, Product, Site

MAX_LOTS = 500


def reference(user: User) -> dict:
    """Everything the field forms choose from, as of now (four queries)."""
    require_own_org(user, user.organization_id)
    org_id = user.organization_id
    products = db.session.execute(
        select(Product.id, Product.name, Product.unit)
        .where(Product.organization_id == org_id, Product.active.is_(True))
        .order_by(vietnamese(Product.name))
    )
    sites = db.session.execute(
        select(Site.id, Site.name).where(Site.organization_id == org_id).order_by(Site.name)
    )
    households = db.session.execute(
        select(MemberHousehold.id, MemberHousehold.head_name)
        .where(MemberHousehold.organization_id == org_id, MemberHousehold.left_on.is_(None))
        .order_by(vietnamese(MemberHousehold.head_name))
    )
    lots = db.session.execute(
        select(Batch.id, Batch.lot_code, Product.name, Batch.status)
        .join(Product, Product.id == Batch.product_id)
        .where(
            Batch.organization_id == org_id,
            Batch.status.in_([BatchStatus.DRAFT, BatchStatus.ACTIVE]),
        )
        .order_by(Batch.id.desc())
        .limit(MAX_LOTS)
    )
    return {
        "organization": user.organization.name,
        "user": user.full_name,
        "products": [{"id": i, "name": n, "unit": u.value} for i, n, u in products],
        "sites": [{"id": i, "name": n} for i, n in sites],
        "households": [{"id": i, "name": n} for i, n in households],
        "lots": [{"id": i, "lot_code": c, "product": p, "status": s.value} for i, c, p, s in lots],
        "refreshed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
