"""What the linkage forms offer to pick: parties, products, lots, claimable contracts.

Read-only look-ups for selects; what may actually be saved is decided by the
other services, which check every posted id again.
"""

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.db import vietnamese
from core.extensions import db
from linkage.models import Contract
from linkage.services.contracts import contracts_query
from linkage.services.lifecycle import status_on
from registry.models import COOPERATIVE_KINDS, Organization, OrgKind, User
from registry.services.organizations import directory
from trace.models import Batch, BatchStatus, Product
from trace.services.batch_listing import batches_query
from trace.services.quantities import held_by_owners


def counterparts(user: User) -> list[Organization]:
    """Active organizations that may be a counterpart of the user's in a contract.

    The registry's cooperatives, cooperative groups and unions; when a cooperative
    leads a chain, enterprises too (Decree 98 Art. 2 counts them all as parties).
    """
    kinds = list(COOPERATIVE_KINDS)
    lead = user.organization
    if lead is not None and lead.is_cooperative_kind:
        kinds.append(OrgKind.ENTERPRISE)
    return directory(user, kinds)


def products_of(org_ids: set[int]) -> list[Product]:
    """The products of these organizations (the lead and a contract's parties), by name."""
    return list(
        db.session.scalars(
            select(Product)
            .options(selectinload(Product.organization))
            .where(Product.organization_id.in_(org_ids))
            .order_by(vietnamese(Product.name), Product.id)
        )
    )


def deliverable_lots(user: User, contract: Contract) -> list[tuple[Batch, Decimal]]:
    """(lot, quantity left) of the active lots with something left that a delivery may list.

    A cooperative picks among its own lots; the buyer among the lots of the
    cooperative parties whose products the contract covers.
    """
    coop_ids = [p.organization_id for p in contract.cooperative_parties]
    if user.organization_id in coop_ids:
        lots = _own_lots(user)
    else:
        lots = _contract_lots(contract, coop_ids)
    held = held_by_owners([lot.id for lot in lots])
    return [(lot, held[lot.id]) for lot in lots if held[lot.id] > 0]


def _own_lots(user: User) -> list[Batch]:
    stmt = batches_query(user, status=BatchStatus.ACTIVE.value).where(
        Batch.organization_id == user.organization_id
    )
    return list(db.session.scalars(stmt))


def _contract_lots(contract: Contract, coop_ids: list[int]) -> list[Batch]:
    product_ids = {item.product_id for item in contract.items if item.product_id}
    categories = {item.category for item in contract.items if item.product_id is None}
    if not coop_ids or not (product_ids or categories):
        return []
    stmt = (
        select(Batch)
        .join(Product, Product.id == Batch.product_id)
        .options(selectinload(Batch.product), selectinload(Batch.organization))
        .where(
            Batch.organization_id.in_(coop_ids),
            Batch.status == BatchStatus.ACTIVE,
            Product.id.in_(product_ids) | Product.category.in_(categories),
        )
        .order_by(Batch.id.desc())
    )
    return list(db.session.scalars(stmt))


def claimable_contracts(user: User, day: date) -> list[Contract]:
    """The user's current contracts that support may be claimed for (signed, not terminated)."""
    if user.organization_id is None:
        return []
    found = db.session.scalars(contracts_query(user))
    return [c for c in found if status_on(c, day) not in ("draft", "terminated")]
