"""Contracts: drafted by the lead party, confirmed by each cooperative, verified, amended, ended."""

import dataclasses
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

from core.clock import vn_today
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.inputs import sent_fields
from linkage import rules
from linkage.inputs import ContractInput, ContractItemInput, ContractPatch, PartyInput
from linkage.models import (
    Contract,
    ContractItem,
    ContractParty,
    ContractState,
    PartyRole,
)
from linkage.services.lifecycle import in_force_on, missing_terms, status_label
from registry.models import AdminUnit, Organization, User
from registry.services.scoping import require_department, scope_to_caller, sees_everything
from trace.models import Product, ProductCategory

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
        stmt = stmt.where(status_condition(status, vn_today()))
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


def create_contract(user: User, data: ContractInput) -> Contract:
    """Draft a contract as its lead party (an enterprise, or a cooperative leading a chain)."""
    lead = _lead_org(user)
    if db.session.scalar(
        select(Contract.id).where(Contract.lead_org_id == lead.id, Contract.number == data.number)
    ):
        raise Conflict.on_field(
            "number", _("You already have a contract numbered %(n)s.", n=data.number)
        )
    contract = Contract(lead_org_id=lead.id, number=data.number, version=1, created_by_id=user.id)
    _apply(contract, lead, data)
    db.session.add(contract)
    db.session.flush()
    return contract


def update_contract(user: User, contract_id: int, data: ContractInput | ContractPatch) -> Contract:
    """Edit a draft: every field (PUT) or those sent (PATCH); a signed one changes by amendment.

    A patch is laid over the stored draft and the whole is checked as a PUT would be.
    """
    contract = _as_lead(user, contract_id)
    if not rules.may_edit(contract.state):
        raise ValidationFailed.on_field(
            "state", _("Only a draft can be edited; amend a signed contract.")
        )
    if isinstance(data, ContractPatch):
        data = dataclasses.replace(contract_input(contract), **sent_fields(data))
    if data.number != contract.number:
        raise ValidationFailed.on_field("number", _("The number of a contract does not change."))
    _apply(contract, contract.lead_org, data)
    db.session.flush()
    return contract


def contract_input(contract: Contract) -> ContractInput:
    """The contract's fields as they are stored, as the lead would send them whole."""
    lead = next((p for p in contract.parties if p.role == PartyRole.LEAD), None)
    return ContractInput(
        number=contract.number,
        linkage_form=contract.linkage_form,
        parties=tuple(
            PartyInput(p.organization_id, p.representative, p.households)
            for p in contract.parties
            if p.role != PartyRole.LEAD
        ),
        items=tuple(
            ContractItemInput(
                category=item.category,
                season=item.season,
                due_from=item.due_from,
                due_to=item.due_to,
                quantity=item.quantity,
                unit=item.unit,
                product_id=item.product_id,
            )
            for item in contract.items
        ),
        lead_representative=lead.representative if lead else None,
        price_mechanism=contract.price_mechanism,
        amendment_note=contract.amendment_note,
        **{name: getattr(contract, name) for name in TERMS},
    )


def _lead_org(user: User) -> Organization:
    if user is None or user.organization is None or sees_everything(user):
        raise Forbidden(_("A contract is drafted by one of its parties."))
    return user.organization


def _as_lead(user: User, contract_id: int) -> Contract:
    contract = get_contract(user, contract_id)
    if user.organization_id != contract.lead_org_id:
        raise Forbidden(_("Only the lead party changes this contract."))
    return contract


def _apply(contract: Contract, lead: Organization, data: ContractInput) -> None:
    errors = rules.contract_errors(data, lead.id, vn_today())
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], errors)
    contract.linkage_form = data.linkage_form
    contract.price_mechanism = data.price_mechanism
    contract.amendment_note = data.amendment_note
    for name in TERMS:
        setattr(contract, name, getattr(data, name))
    parties = _parties(lead, data)
    if contract.id is not None:
        # Delete the old rows first: re-adding a party would clash with its unique row.
        contract.parties.clear()
        contract.items.clear()
        db.session.flush()
    contract.parties = parties
    contract.items = [_item(contract, row) for row in data.items]


def _parties(lead: Organization, data: ContractInput) -> list[ContractParty]:
    """The lead and the other parties, whose kinds ``rules.party_kinds_refusal`` checks."""
    ids = [party.organization_id for party in data.parties]
    stmt = select(Organization.id, Organization.kind).where(Organization.id.in_(ids))
    kinds = {org_id: kind for org_id, kind in db.session.execute(stmt)}
    refusal = rules.party_kinds_refusal(lead.kind, kinds, ids)
    if refusal:
        raise ValidationFailed.on_field("parties", refusal)
    lead_party = ContractParty(
        organization_id=lead.id, role=PartyRole.LEAD, representative=data.lead_representative
    )
    return [lead_party] + [
        ContractParty(
            organization_id=party.organization_id,
            role=PartyRole.COOPERATIVE,
            representative=party.representative,
            households=party.households,
        )
        for party in data.parties
    ]


def _item(contract: Contract, row: ContractItemInput) -> ContractItem:
    if row.product_id is not None:
        product = db.session.get(Product, row.product_id)
        party_ids = {p.organization_id for p in contract.parties}
        if product is None or product.organization_id not in party_ids:
            raise ValidationFailed.on_field(
                "items", _("Product %(id)s is not a party's product.", id=row.product_id)
            )
    return ContractItem(
        category=row.category,
        product_id=row.product_id,
        season=row.season,
        due_from=row.due_from,
        due_to=row.due_to,
        quantity=row.quantity,
        unit=row.unit,
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
    if not rules.may_confirm(contract.state, contract.superseded_at is not None):
        raise Conflict.on_field(
            "state",
            _(
                "This contract is %(status)s; it cannot be confirmed.",
                status=status_label(contract, vn_today()),
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
        contract.signed_on = contract.signed_on or vn_today()
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
    if not rules.may_end(contract.state, contract.superseded_at is not None):
        raise Conflict.on_field(
            "state",
            _(
                "This contract is %(status)s; it cannot be ended.",
                status=status_label(contract, vn_today()),
            ),
        )
    on = on or vn_today()
    refusal = rules.end_date_refusal(on, vn_today(), contract.effective_from)
    if refusal:
        raise ValidationFailed.on_field("on", refusal)
    contract.state, contract.ended_on, contract.end_reason = outcome, on, reason
    db.session.flush()
    return contract


def amend(user: User, contract_id: int, data: ContractInput) -> Contract:
    """A new draft version of a signed contract; the old one is in force until this is signed."""
    old = _as_lead(user, contract_id)
    if not rules.may_amend(old.state, old.superseded_at is not None):
        raise Conflict.on_field("state", _("Only the current signed version can be amended."))
    if data.number != old.number:
        raise ValidationFailed.on_field("number", _("The number of a contract does not change."))
    new = Contract(
        lead_org_id=old.lead_org_id,
        number=old.number,
        version=old.version + 1,
        previous_id=old.id,
        created_by_id=user.id,
    )
    _apply(new, old.lead_org, data)
    db.session.add(new)
    db.session.flush()
    return new


def supersede_on_signing(contract: Contract) -> None:
    """When an amendment is signed, its previous version stops being current."""
    if contract.state == ContractState.SIGNED and contract.previous_id:
        previous = db.session.get(Contract, contract.previous_id)
        previous.superseded_at = datetime.now(UTC)
        db.session.flush()
