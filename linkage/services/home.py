"""What the home pages show of linkage: contracts to confirm, deliveries due or late, and
the department's queue."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.clock import vn_today
from core.extensions import db
from linkage.models import (
    ClaimStatus,
    Contract,
    ContractItem,
    ContractParty,
    ContractState,
    SupportClaim,
)
from linkage.services.fulfilment import SeasonFulfilment, fulfilment
from linkage.services.overview import in_force_contracts
from registry.models import User

SHOWN = 10  # contracts listed on a home page
WEEK = timedelta(days=7)


def contracts_to_confirm(org_id: int, limit: int = SHOWN) -> list[Contract]:
    """Current draft contracts naming the organization as a party that has not confirmed yet."""
    stmt = (
        select(Contract)
        .join(ContractParty, ContractParty.contract_id == Contract.id)
        .where(
            ContractParty.organization_id == org_id,
            ContractParty.confirmed_at.is_(None),
            Contract.state == ContractState.DRAFT,
            Contract.superseded_at.is_(None),
        )
        .options(selectinload(Contract.lead_org))
        .order_by(Contract.created_at.desc(), Contract.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def department_queue() -> dict[str, int]:
    """The department's linkage work: signed contracts not verified yet against their paper
    original, and support claims not decided (one query)."""
    unverified = (
        select(func.count())
        .select_from(Contract)
        .where(
            Contract.state == ContractState.SIGNED,
            Contract.superseded_at.is_(None),
            Contract.verified_at.is_(None),
        )
        .scalar_subquery()
    )
    claims = (
        select(func.count())
        .select_from(SupportClaim)
        .where(SupportClaim.status == ClaimStatus.SUBMITTED)
        .scalar_subquery()
    )
    row = db.session.execute(select(unverified.label("unverified"), claims.label("claims"))).one()
    return {"unverified": row.unverified, "claims": row.claims}


@dataclass
class DueDelivery:
    """A commitment of a contract in force with something left to deliver soon, or late."""

    contract: Contract
    item: ContractItem
    row: SeasonFulfilment
    left: Decimal
    late: bool


def deliveries_due(user: User, today: date | None = None, limit: int = SHOWN) -> list[DueDelivery]:
    """The caller's commitments under contracts in force that are late (behind the expected
    pace) or whose delivery window is open in the coming seven days with a quantity left;
    late ones first, then by the end of their window (three queries, however many)."""
    today = today or vn_today()
    contracts = [
        c for c in in_force_contracts(user, today) if c.effective_from and c.effective_from <= today
    ]
    rows = fulfilment(contracts, today)
    found = []
    for contract in contracts:
        items = {item.id: item for item in contract.items}
        for row in rows[contract.id]:
            item = items[row.item_id]
            left = row.committed - row.accepted
            open_soon = item.due_from <= today + WEEK and item.due_to >= today
            if left > 0 and (row.behind or open_soon):
                found.append(DueDelivery(contract, item, row, left, row.behind))
    found.sort(key=lambda due: (not due.late, due.item.due_to, due.contract.id))
    return found[:limit]
