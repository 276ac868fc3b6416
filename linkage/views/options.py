"""Choices the linkage forms offer: parties, products, lots, claimable contracts.

These are read-only look-ups for selects; what may actually be saved is decided
by the services, which check every posted id again.
"""

from datetime import date

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.extensions import db
from linkage.models import Contract
from linkage.services import contracts
from linkage.services.lifecycle import status_on
from registry.models import COOPERATIVE_KINDS, Organization, OrgKind, OrgStatus
from registry.services import units
from trace.models import Batch, BatchStatus, Product
from trace.services import batches
from trace.services.quantities import held_quantities
from trace.views.labels import UNIT_LABELS


def commune_options() -> list[tuple[str, str]]:
    """(code, name) of the province's current communes and wards."""
    return [(unit.code, unit.full_name) for unit in units.communes_of()]


def party_options() -> list[tuple[str, str]]:
    """(id, name) of the active organizations that may be a counterpart of the user's.

    The registry's cooperatives, cooperative groups and unions; when a cooperative
    leads a chain, enterprises too (Decree 98 Art. 2 counts them all as parties).
    """
    kinds = list(COOPERATIVE_KINDS)
    lead = current_user.organization
    if lead is not None and lead.is_cooperative_kind:
        kinds.append(OrgKind.ENTERPRISE)
    orgs = db.session.scalars(
        select(Organization)
        .where(
            Organization.kind.in_(kinds),
            Organization.status == OrgStatus.ACTIVE,
            Organization.id != current_user.organization_id,
        )
        .order_by(Organization.name, Organization.id)
    )
    return [(str(org.id), org.name) for org in orgs]


def product_options(contract: Contract | None) -> list[tuple[str, str]]:
    """(id, name) of the products of the lead and of the contract's parties so far."""
    org_ids = {current_user.organization_id}
    if contract is not None:
        org_ids |= {p.organization_id for p in contract.parties}
    products = db.session.scalars(
        select(Product)
        .options(selectinload(Product.organization))
        .where(Product.organization_id.in_(org_ids))
        .order_by(Product.name, Product.id)
    )
    return [(str(p.id), f"{p.name} · {p.organization.name}") for p in products]


def lot_options(contract: Contract) -> list[tuple[str, str]]:
    """(id, label) of the active lots with something left that a delivery may list.

    A cooperative picks among its own lots; the buyer among the lots of the
    cooperative parties whose products the contract covers.
    """
    coop_ids = [p.organization_id for p in contract.cooperative_parties]
    if current_user.organization_id in coop_ids:
        lots = _own_lots()
    else:
        lots = _contract_lots(contract, coop_ids)
    return _labelled(lots, several=len(coop_ids) > 1)


def _own_lots() -> list[Batch]:
    stmt = batches.batches_query(current_user, status=BatchStatus.ACTIVE.value).where(
        Batch.organization_id == current_user.organization_id
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


def _labelled(lots: list[Batch], several: bool) -> list[tuple[str, str]]:
    held = {}
    for org_id in {lot.organization_id for lot in lots}:
        held.update(held_quantities([b.id for b in lots if b.organization_id == org_id], org_id))
    options = []
    for lot in lots:
        if held[lot.id] <= 0:
            continue
        label = _(
            "%(lot)s · %(product)s (%(left)s %(unit)s left)",
            lot=lot.lot_code,
            product=lot.product.name,
            left=format_decimal(held[lot.id]),
            unit=UNIT_LABELS.get(lot.unit.value, lot.unit.value),
        )
        options.append((str(lot.id), f"{label} · {lot.organization.name}" if several else label))
    return options


def claimable_contracts() -> list[tuple[str, str]]:
    """(id, number) of the user's current contracts that support may be claimed for."""
    if current_user.organization_id is None:
        return []
    today = date.today()
    found = db.session.scalars(contracts.contracts_query(current_user))
    return [
        (str(c.id), f"{c.number} · {c.lead_org.name}")
        for c in found
        if status_on(c, today) not in ("draft", "terminated")
    ]
