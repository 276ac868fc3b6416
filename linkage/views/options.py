"""Choices the linkage forms offer: parties, products, lots, claimable contracts.

These are read-only look-ups for selects (the queries are in
``linkage.services.choices``); what may actually be saved is decided by the
services, which check every posted id again.
"""

from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from core.clock import vn_today
from linkage.models import Contract
from linkage.services import choices
from trace.names import UNIT_LABELS


def party_options() -> list[tuple[str, str]]:
    """(id, name) of the active organizations that may be a counterpart of the user's."""
    return [(str(org.id), org.name) for org in choices.counterparts(current_user)]


def product_options(contract: Contract | None, values=None) -> list[tuple[str, str]]:
    """(id, name) of the products of the lead, of the contract's parties so far and of the
    parties the form names (``values``: the posted form). While no cooperative party is
    named yet (a new contract), every possible counterpart's products are offered, so the
    cooperative's product can be picked at once."""
    org_ids = {current_user.organization_id}
    if contract is not None:
        org_ids |= {p.organization_id for p in contract.parties}
    named = {
        int(value)
        for key, value in (values or {}).items()
        if key.startswith("parties.") and key.endswith(".organization_id") and value.isdigit()
    }
    org_ids |= named
    if len(org_ids) == 1:
        org_ids |= {org.id for org in choices.counterparts(current_user)}
    products = choices.products_of(org_ids)
    return [(str(p.id), f"{p.name} · {p.organization.name}") for p in products]


def lot_options(contract: Contract) -> list[tuple[str, str]]:
    """(id, label) of the active lots with something left that a delivery may list."""
    several = len(contract.cooperative_parties) > 1
    options = []
    for lot, left in choices.deliverable_lots(current_user, contract):
        label = _(
            "%(lot)s · %(product)s (%(left)s %(unit)s left)",
            lot=lot.lot_code,
            product=lot.product.name,
            left=format_decimal(left),
            unit=UNIT_LABELS.get(lot.unit.value, lot.unit.value),
        )
        options.append((str(lot.id), f"{label} · {lot.organization.name}" if several else label))
    return options


def claimable_contracts() -> list[tuple[str, str]]:
    """(id, number) of the user's current contracts that support may be claimed for."""
    found = choices.claimable_contracts(current_user, vn_today())
    return [(str(c.id), f"{c.number} · {c.lead_org.name}") for c in found]
