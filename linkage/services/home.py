"""What the home pages show of linkage: contracts to confirm, and the department's queue."""

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from linkage.models import (
    ClaimStatus,
    Contract,
    ContractParty,
    ContractState,
    SupportClaim,
)

SHOWN = 10  # contracts listed on a home page


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
