"""A contract's status on a date, and what it lacks to leave draft (DESIGN.md section 7)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_

from linkage.models import IN_FORCE_STATES, Contract, ContractState
from linkage.names import CONTRACT_STATUS_LABELS
from linkage.rules import price_named

# (field or check, label): what Civil Code Art. 398 and Decree 98 ask a contract to name.
REQUIRED_TERMS = [
    ("items", _l("Products, quantities and seasons")),
    ("quality_standard", _l("Quality standard and specification")),
    ("price_mechanism", _l("Price mechanism")),
    ("payment_terms", _l("Payment: schedule and method")),
    ("delivery_terms", _l("Time, place and method of delivery")),
    ("rights_obligations", _l("Rights and obligations of the parties")),
    ("input_advances", _l('Input advances and how they are offset (or "none")')),
    ("risk_sharing", _l("Risk sharing")),
    ("force_majeure", _l("Force majeure")),
    ("breach_liability", _l("Liability for breach")),
    ("dispute_resolution", _l("Dispute resolution")),
    ("amendment_termination", _l("Amendment and termination")),
    ("effective_from", _l("Start of the term")),
    ("effective_to", _l("End of the term")),
    ("representatives", _l("Representatives of every party")),
]


def missing_terms(contract: Contract) -> list[tuple[str, str]]:
    """The (key, label) of each required term the contract does not name yet."""
    missing = []
    for key, label in REQUIRED_TERMS:
        if key == "representatives":
            present = all(p.representative for p in contract.parties) and len(contract.parties) >= 2
        elif key == "items":
            present = bool(contract.items)
        elif key == "price_mechanism":
            present = price_named(
                contract.price_mechanism, contract.price_vnd, contract.price_formula
            )
        else:
            present = bool(getattr(contract, key))
        if not present:
            missing.append((key, str(label)))
    return missing


def status_on(contract: Contract, day: date) -> str:
    """draft, signed (not yet in force), active, expired, completed or terminated on ``day``."""
    if contract.state == ContractState.DRAFT:
        return "draft"
    ended = contract.state in (ContractState.COMPLETED, ContractState.TERMINATED)
    if ended and (contract.ended_on is None or contract.ended_on <= day):
        return contract.state.value
    if contract.effective_from and day < contract.effective_from:
        return "signed"
    if contract.effective_to and day > contract.effective_to:
        return "expired"
    return "active"


def in_force_on(day):
    """SQL condition: signed by every party and in force on ``day`` (what the indicator counts)."""
    return and_(
        Contract.superseded_at.is_(None),
        Contract.state.in_(IN_FORCE_STATES),
        Contract.effective_from <= day,
        Contract.effective_to >= day,
        or_(Contract.ended_on.is_(None), Contract.ended_on > day),
    )


def status_label(contract: Contract, day: date) -> str:
    """The contract's status on ``day`` in the user's language."""
    status = status_on(contract, day)
    return str(CONTRACT_STATUS_LABELS.get(status, status))
