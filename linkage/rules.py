"""The rules of contracts that need no database: a contract's input, and its transitions.

Pure functions over ``linkage.inputs`` and states, so that each rule has a unit test
without a database; the services in ``linkage.services`` apply them.
"""

from datetime import date

from flask_babel import gettext as _

from linkage.inputs import ContractInput
from linkage.models import ContractState, PriceMechanism
from registry.models import COOPERATIVE_KINDS, OrgKind

# The kinds of organization a contract may name as a party.
PARTY_KINDS = (*COOPERATIVE_KINDS, OrgKind.ENTERPRISE)


def contract_errors(data: ContractInput, lead_id: int, today: date) -> dict[str, list[str]]:
    """Every rule of the whole input that it breaks: {field: [messages]}, empty when none."""
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if data.signed_on and data.signed_on > today:
        fail("signed_on", _("The signing date is in the future."))
    if data.effective_from and data.effective_to and data.effective_to < data.effective_from:
        fail("effective_to", _("The contract ends before it starts."))
    ids = [party.organization_id for party in data.parties]
    if not ids:
        fail("parties", _("Name at least one cooperative."))
    elif lead_id in ids or len(set(ids)) != len(ids):
        fail("parties", _("List each other party once, without yourself."))
    if any(item.due_to < item.due_from for item in data.items):
        fail("items", _("A delivery period ends before it starts."))
    return errors


def party_kinds_refusal(
    lead_kind: OrgKind, kinds: dict[int, OrgKind], ids: list[int]
) -> str | None:
    """Why the named parties cannot sign with the lead (None when they can).

    ``kinds`` holds the kind of each named organization that exists.
    """
    for org_id in ids:
        if kinds.get(org_id) not in PARTY_KINDS:
            return _("No such cooperative or enterprise: %(id)s.", id=org_id)
    if lead_kind not in COOPERATIVE_KINDS and not any(
        kinds[org_id] in COOPERATIVE_KINDS for org_id in ids
    ):
        return _("A linkage contract has a cooperative among its parties.")
    return None


def price_named(
    mechanism: PriceMechanism | None, price_vnd: object | None, formula: str | None
) -> bool:
    """True when the contract names its price as its mechanism needs.

    A fixed price or a floor names an amount; a market formula names the formula.
    """
    if mechanism is None:
        return False
    if mechanism == PriceMechanism.MARKET_FORMULA:
        return bool(formula)
    return price_vnd is not None


def may_edit(state: ContractState) -> bool:
    """Only a draft is edited; a signed contract changes by amendment."""
    return state == ContractState.DRAFT


def may_confirm(state: ContractState, superseded: bool) -> bool:
    """A party confirms the current draft."""
    return state == ContractState.DRAFT and not superseded


def may_end(state: ContractState, superseded: bool) -> bool:
    """A signed, current contract is terminated or completed."""
    return state == ContractState.SIGNED and not superseded


may_amend = may_end  # the current signed version is the one amended


def end_date_refusal(on: date, today: date, effective_from: date | None) -> str | None:
    """Why a contract cannot end on ``on`` (None when it can)."""
    if on > today or (effective_from and on < effective_from):
        return _("The end date must be within the contract and not in the future.")
    return None
