"""Contracts: drafted by the lead party, confirmed by each cooperative, verified, amended, ended."""

from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from linkage.models import (
    Contract,
    ContractItem,
    ContractParty,
    ContractState,
    PartyRole,
    PriceMechanism,
)
from linkage.services.lifecycle import in_force_on, missing_terms, status_label
from registry.models import COOPERATIVE_KINDS, AdminUnit, Organization, OrgKind, User
from registry.services.scoping import require_department, scope_to_caller, sees_everything
from trace.models import Product, ProductCategory, QuantityUnit

TERMS = (
    "area_ha",
    "price_vnd",
    "price_formula",
    "quality_standard",
    "delivery_terms",
    "payment_terms",
    "input_advances",
    "rights_obligations",
    "risk_sharing",
    "force_majeure",
    "breach_liability",
    "dispute_resolution",
    "amendment_termination",
    "signed_on",
    "effective_from",
    "effective_to",
)


def party_of(org_id: int):
    """SQL condition: ``org_id`` is a party (lead or cooperative) of the contract."""
    return exists(
        select(ContractParty.id).where(
            ContractParty.contract_id == Contract.id, ContractParty.organization_id == org_id
        )
    )


def contracts_query(
    user: User | None,
    status: str | None = None,
    linkage_form: int | None = None,
    admin_unit: str | None = None,
    category: str | None = None,
    organization_id: int | None = None,
    include_superseded: bool = False,
) -> Select:
    """A select() of the contracts the caller is party to (the department: all), filtered."""
    stmt = select(Contract).options(
        selectinload(Contract.lead_org),
        selectinload(Contract.parties).selectinload(ContractParty.organization),
        selectinload(Contract.items),
    )
    stmt = scope_to_caller(stmt, user, Contract.lead_org_id, shared_with=party_of)
    if not include_superseded:
        stmt = stmt.where(Contract.superseded_at.is_(None))
    if linkage_form:
        stmt = stmt.where(Contract.linkage_form == linkage_form)
    if organization_id:
        stmt = stmt.where(party_of(organization_id))
    if category:
        stmt = stmt.where(
            exists(
                select(ContractItem.id).where(
                    ContractItem.contract_id == Contract.id,
                    ContractItem.category == ProductCategory(category),
                )
            )
        )
    if admin_unit:
        stmt = stmt.where(_party_in_unit(admin_unit))
    if status:
        stmt = stmt.where(status_condition(status, date.today()))
    return stmt.order_by(Contract.created_at.desc(), Contract.id.desc())


def _party_in_unit(code: str):
    unit_ids = select(AdminUnit.id).where(AdminUnit.code == code)
    return exists(
        select(ContractParty.id)
        .join(Organization, Organization.id == ContractParty.organization_id)
        .where(
            ContractParty.contract_id == Contract.id,
            ContractParty.role == PartyRole.COOPERATIVE,
            Organization.admin_unit_id.in_(unit_ids)
            | Organization.admin_unit_id.in_(
                select(AdminUnit.id).where(AdminUnit.parent_id.in_(unit_ids))
            ),
        )
    )


def status_condition(status: str, day: date):
    """SQL condition: the contract has ``status`` (see ``lifecycle.status_on``) on ``day``."""
    if status == "active":
        return in_force_on(day) & (Contract.state == ContractState.SIGNED)
    if status == "expired":
        return (Contract.state == ContractState.SIGNED) & (Contract.effective_to < day)
    if status == "signed":
        return (Contract.state == ContractState.SIGNED) & (Contract.effective_from > day)
    return Contract.state == ContractState(status)


def get_contract(user: User | None, contract_id: int) -> Contract:
    """A contract the caller is party to (or the department), or 404."""
    stmt = scope_to_caller(
        select(Contract).where(Contract.id == contract_id),
        user,
        Contract.lead_org_id,
        shared_with=party_of,
    )
    contract = db.session.scalar(stmt)
    if contract is None:
        raise NotFound(_("No such contract."))
    return contract


def versions(contract: Contract) -> list[Contract]:
    """Every version of this contract, oldest first."""
    return list(
        db.session.scalars(
            select(Contract)
            .where(Contract.lead_org_id == contract.lead_org_id, Contract.number == contract.number)
            .order_by(Contract.version)
        )
    )


def create_contract(user: User, values: dict) -> Contract:
    """Draft a contract as its lead party (an enterprise, or a cooperative leading a chain)."""
    lead = _lead_org(user)
    if db.session.scalar(
        select(Contract.id).where(
            Contract.lead_org_id == lead.id, Contract.number == values["number"]
        )
    ):
        raise Conflict.on_field(
            "number", _("You already have a contract numbered %(n)s.", n=values["number"])
        )
    contract = Contract(
        lead_org_id=lead.id, number=values["number"], version=1, created_by_id=user.id
    )
    _apply(contract, lead, values)
    db.session.add(contract)
    db.session.flush()
    return contract


def update_contract(user: User, contract_id: int, values: dict) -> Contract:
    """Edit a draft; a signed contract changes only by amendment."""
    contract = _as_lead(user, contract_id)
    if contract.state != ContractState.DRAFT:
        raise ValidationFailed.on_field(
            "state", _("Only a draft can be edited; amend a signed contract.")
        )
    if values["number"] != contract.number:
        raise ValidationFailed.on_field("number", _("The number of a contract does not change."))
    _apply(contract, contract.lead_org, values)
    db.session.flush()
    return contract


def _lead_org(user: User) -> Organization:
    if user is None or user.organization is None or sees_everything(user):
        raise Forbidden(_("A contract is drafted by one of its parties."))
    return user.organization


def _as_lead(user: User, contract_id: int) -> Contract:
    contract = get_contract(user, contract_id)
    if user.organization_id != contract.lead_org_id:
        raise Forbidden(_("Only the lead party changes this contract."))
    return contract


def _apply(contract: Contract, lead: Organization, values: dict) -> None:
    contract.linkage_form = values["linkage_form"]
    contract.price_mechanism = (
        PriceMechanism(values["price_mechanism"]) if values.get("price_mechanism") else None
    )
    contract.amendment_note = values.get("amendment_note")
    for field in TERMS:
        setattr(contract, field, values.get(field))
    if contract.signed_on and contract.signed_on > date.today():
        raise ValidationFailed.on_field("signed_on", _("The signing date is in the future."))
    parties = _parties(contract, lead, values)
    if contract.id is not None:
        # Delete the old rows first: re-adding a party would clash with its unique row.
        contract.parties.clear()
        contract.items.clear()
        db.session.flush()
    contract.parties = parties
    contract.items = [_item(contract, row) for row in values.get("items", [])]


def _parties(contract: Contract, lead: Organization, values: dict) -> list[ContractParty]:
    ids = [row["organization_id"] for row in values["parties"]]
    if lead.id in ids or len(set(ids)) != len(ids):
        raise ValidationFailed.on_field(
            "parties", _("List each other party once, without yourself.")
        )
    orgs = {
        o.id: o for o in db.session.scalars(select(Organization).where(Organization.id.in_(ids)))
    }
    for org_id in ids:
        org = orgs.get(org_id)
        if org is None or org.kind not in (*COOPERATIVE_KINDS, OrgKind.ENTERPRISE):
            raise ValidationFailed.on_field(
                "parties", _("No such cooperative or enterprise: %(id)s.", id=org_id)
            )
    if lead.kind not in COOPERATIVE_KINDS and not any(
        orgs[i].kind in COOPERATIVE_KINDS for i in ids
    ):
        raise ValidationFailed.on_field(
            "parties", _("A linkage contract has a cooperative among its parties.")
        )
    lead_party = ContractParty(
        organization_id=lead.id,
        role=PartyRole.LEAD,
        representative=values.get("lead_representative"),
    )
    return [lead_party] + [
        ContractParty(
            organization_id=row["organization_id"],
            role=PartyRole.COOPERATIVE,
            representative=row.get("representative"),
            households=row.get("households"),
        )
        for row in values["parties"]
    ]


def _item(contract: Contract, row: dict) -> ContractItem:
    product_id = row.get("product_id")
    if product_id is not None:
        product = db.session.get(Product, product_id)
        party_ids = {p.organization_id for p in contract.parties}
        if product is None or product.organization_id not in party_ids:
            raise ValidationFailed.on_field(
                "items", _("Product %(id)s is not a party's product.", id=product_id)
            )
    return ContractItem(
        category=ProductCategory(row["category"]),
        product_id=product_id,
        season=row["season"],
        due_from=row["due_from"],
        due_to=row["due_to"],
        quantity=row["quantity"],
        unit=QuantityUnit(row.get("unit") or QuantityUnit.KG),
    )


def _locked(contract: Contract) -> Contract:
    # Parties confirming at the same moment must take turns, or each sees the other's
    # confirmation missing and the contract is never signed (or one party confirms twice).
    stmt = (
        select(Contract)
        .where(Contract.id == contract.id)
        .with_for_update()
        .options(selectinload(Contract.parties))
        .execution_options(populate_existing=True)
    )
    return db.session.scalars(stmt).one()


def confirm(user: User, contract_id: int) -> Contract:
    """A party confirms (signs) the contract; signed once every party has confirmed.

    The lead's confirmation is its submission: an incomplete contract cannot leave draft.
    """
    contract = _locked(get_contract(user, contract_id))
    party = _own_party(contract, user)
    if contract.state != ContractState.DRAFT or contract.superseded_at is not None:
        raise Conflict.on_field(
            "state",
            _(
                "This contract is %(status)s; it cannot be confirmed.",
                status=status_label(contract, date.today()),
            ),
        )
    missing = missing_terms(contract)
    if missing:
        raise ValidationFailed(
            _("The contract is incomplete."), {"missing": [label for _k, label in missing]}
        )
    if party.confirmed_at is not None:
        raise Conflict.on_field(
            "state", _("Your organization has already confirmed this contract.")
        )
    party.confirmed_at, party.confirmed_by_id = datetime.now(UTC), user.id
    if all(p.confirmed_at for p in contract.parties):
        contract.state = ContractState.SIGNED
        contract.signed_on = contract.signed_on or date.today()
        supersede_on_signing(contract)
    db.session.flush()
    return contract


def _own_party(contract: Contract, user: User) -> ContractParty:
    """The user's organization as a party to the contract; Forbidden when it is none."""
    party = next((p for p in contract.parties if p.organization_id == user.organization_id), None)
    if party is None:
        raise Forbidden(_("Your organization is not a party to this contract."))
    return party


def verify(user: User, contract_id: int) -> Contract:
    """The department marks a signed contract as checked against the paper original."""
    require_department(user)
    contract = get_contract(user, contract_id)
    if contract.state == ContractState.DRAFT:
        raise Conflict.on_field("state", _("A draft cannot be verified."))
    contract.verified_at, contract.verified_by_id = datetime.now(UTC), user.id
    db.session.flush()
    return contract


def end(
    user: User, contract_id: int, outcome: ContractState, reason: str, on: date | None
) -> Contract:
    """Terminate (with a reason) or complete a signed contract; any party may do it."""
    contract = get_contract(user, contract_id)
    _own_party(contract, user)
    if contract.state != ContractState.SIGNED or contract.superseded_at is not None:
        raise Conflict.on_field(
            "state",
            _(
                "This contract is %(status)s; it cannot be ended.",
                status=status_label(contract, date.today()),
            ),
        )
    on = on or date.today()
    if on > date.today() or (contract.effective_from and on < contract.effective_from):
        raise ValidationFailed.on_field(
            "on", _("The end date must be within the contract and not in the future.")
        )
    contract.state, contract.ended_on, contract.end_reason = outcome, on, reason
    db.session.flush()
    return contract


def amend(user: User, contract_id: int, values: dict) -> Contract:
    """A new draft version of a signed contract; the old one is in force until this is signed."""
    old = _as_lead(user, contract_id)
    if old.state != ContractState.SIGNED or old.superseded_at is not None:
        raise Conflict.on_field("state", _("Only the current signed version can be amended."))
    if values["number"] != old.number:
        raise ValidationFailed.on_field("number", _("The number of a contract does not change."))
    new = Contract(
        lead_org_id=old.lead_org_id,
        number=old.number,
        version=old.version + 1,
        previous_id=old.id,
        created_by_id=user.id,
    )
    _apply(new, old.lead_org, values)
    db.session.add(new)
    db.session.flush()
    return new


def supersede_on_signing(contract: Contract) -> None:
    """When an amendment is signed, its previous version stops being current."""
    if contract.state == ContractState.SIGNED and contract.previous_id:
        previous = db.session.get(Contract, contract.previous_id)
        previous.superseded_at = datetime.now(UTC)
        db.session.flush()
