"""Support for linkage (Decree 98 Art. 7–9): a policy table, claims, the department's decision."""

from datetime import date
from decimal import ROUND_DOWN, Decimal

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from core.clock import vn_today
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.numbers import number
from linkage.inputs import ClaimDecision, ClaimInput, PolicyInput
from linkage.models import ClaimStatus, Contract, SupportCategory, SupportClaim, SupportPolicy
from linkage.services.contracts import get_contract, party_of
from linkage.services.lifecycle import status_on
from registry.models import User
from registry.services.scoping import require_department, scope_to_caller


def list_policies() -> list[SupportPolicy]:
    """Every policy row, newest first per category."""
    return list(
        db.session.scalars(
            select(SupportPolicy).order_by(SupportPolicy.category, SupportPolicy.valid_from.desc())
        )
    )


def save_policy(user: User, data: PolicyInput, policy_id: int | None = None) -> SupportPolicy:
    """Add or edit a policy row (department only); every field is replaced."""
    require_department(user)
    policy = db.session.get(SupportPolicy, policy_id) if policy_id else SupportPolicy()
    if policy is None:
        raise NotFound(_("No such policy."))
    policy.category = data.category
    policy.rate_percent = data.rate_percent
    policy.cap_vnd = data.cap_vnd
    policy.max_cycles = data.max_cycles
    policy.valid_from = data.valid_from
    policy.valid_to = data.valid_to
    policy.legal_basis = data.legal_basis
    policy.note = data.note
    db.session.add(policy)
    db.session.flush()
    return policy


def policy_in_force(category: SupportCategory, day: date) -> SupportPolicy | None:
    """The newest policy of the category valid on ``day`` (a newer provincial row wins)."""
    return db.session.scalar(
        select(SupportPolicy)
        .where(
            SupportPolicy.category == category,
            SupportPolicy.valid_from <= day,
            or_(SupportPolicy.valid_to.is_(None), SupportPolicy.valid_to >= day),
        )
        .order_by(SupportPolicy.valid_from.desc(), SupportPolicy.id.desc())
        .limit(1)
    )


def max_support(policy: SupportPolicy, eligible_cost: int) -> int:
    """rate × cost, capped: the most that may be granted."""
    amount = (Decimal(eligible_cost) * policy.rate_percent / 100).quantize(Decimal(1), ROUND_DOWN)
    return int(min(amount, policy.cap_vnd) if policy.cap_vnd is not None else amount)


def claims_query(user: User | None) -> Select:
    """Claims under contracts the caller is party to (the department: all)."""
    stmt = (
        select(SupportClaim)
        .join(Contract, Contract.id == SupportClaim.contract_id)
        .options(selectinload(SupportClaim.contract), selectinload(SupportClaim.claimant))
    )
    stmt = scope_to_caller(stmt, user, Contract.lead_org_id, shared_with=party_of)
    return stmt.order_by(SupportClaim.claimed_on.desc(), SupportClaim.id.desc())


def submit_claim(user: User, data: ClaimInput) -> SupportClaim:
    """A party claims support for a signed contract; the ceiling comes from the policy in force."""
    contract = get_contract(user, data.contract_id)
    if user.organization_id not in {p.organization_id for p in contract.parties}:
        raise Forbidden(_("Only a party to the contract claims support for it."))
    if status_on(contract, data.claimed_on) in ("draft", "terminated"):
        raise ValidationFailed.on_field(
            "contract_id", _("Support is claimed for a signed contract.")
        )
    if data.claimed_on > vn_today():
        raise ValidationFailed.on_field("claimed_on", _("The claim date is in the future."))
    policy = policy_in_force(data.category, data.claimed_on)
    if policy is None:
        raise ValidationFailed.on_field(
            "category", _("No support policy of this kind was in force on that date.")
        )
    ceiling = max_support(policy, data.eligible_cost_vnd)
    if data.amount_asked_vnd > ceiling:
        raise ValidationFailed.on_field(
            "amount_asked_vnd",
            _(
                "At most %(max)s ₫ can be asked under %(basis)s.",
                max=number(ceiling),
                basis=policy.legal_basis,
            ),
        )
    claim = SupportClaim(
        contract_id=contract.id,
        claimant_org_id=user.organization_id,
        category=data.category,
        claimed_on=data.claimed_on,
        eligible_cost_vnd=data.eligible_cost_vnd,
        amount_asked_vnd=data.amount_asked_vnd,
        max_support_vnd=ceiling,
        policy=policy,
    )
    db.session.add(claim)
    db.session.flush()
    return claim


def decide_claim(user: User, claim_id: int, decision: ClaimDecision) -> SupportClaim:
    """The department grants (an amount up to the ceiling) or rejects a claim."""
    require_department(user)
    claim = db.session.get(SupportClaim, claim_id)
    if claim is None:
        raise NotFound(_("No such claim."))
    if claim.status != ClaimStatus.SUBMITTED:
        raise Conflict.on_field("status", _("This claim has already been decided."))
    status, amount = decision.status, decision.amount_granted_vnd
    if status == ClaimStatus.GRANTED and (amount is None or amount > claim.max_support_vnd):
        raise ValidationFailed.on_field(
            "amount_granted_vnd",
            _(
                "Grant an amount up to the ceiling of %(max)s ₫.",
                max=number(claim.max_support_vnd),
            ),
        )
    claim.status, claim.amount_granted_vnd = (
        status,
        amount if status == ClaimStatus.GRANTED else None,
    )
    claim.decided_on, claim.decided_by_id, claim.decision_note = (
        vn_today(),
        user.id,
        decision.note,
    )
    db.session.flush()
    return claim
