"""Typed inputs of linkage's services: contracts (whole or patched), deliveries, support.

The schemas in ``linkage.schemas`` load into these; the web forms and the demo build
the same. A ``ContractPatch`` holds the fields a PATCH sent, the others ``UNSET``.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.inputs import UNSET
from linkage.models import ClaimStatus, PriceMechanism, SupportCategory
from trace.models import ProductCategory, QuantityUnit


@dataclass(frozen=True)
class PartyInput:
    """A party of a contract other than the lead (a cooperative, or the buyer of a chain)."""

    organization_id: int
    representative: str | None = None
    households: int | None = None


@dataclass(frozen=True)
class ContractItemInput:
    """A product and quantity committed for a season or year."""

    category: ProductCategory
    season: str
    due_from: date
    due_to: date
    quantity: Decimal
    unit: QuantityUnit = QuantityUnit.KG
    product_id: int | None = None


@dataclass(frozen=True)
class ContractInput:
    """A contract as the lead party drafts, edits (PUT) or amends it: every field."""

    number: str
    linkage_form: int
    parties: tuple[PartyInput, ...]
    items: tuple[ContractItemInput, ...] = ()
    lead_representative: str | None = None
    area_ha: float | None = None
    price_mechanism: PriceMechanism | None = None
    price_vnd: Decimal | None = None
    price_formula: str | None = None
    quality_standard: str | None = None
    delivery_terms: str | None = None
    payment_terms: str | None = None
    input_advances: str | None = None
    rights_obligations: str | None = None
    risk_sharing: str | None = None
    force_majeure: str | None = None
    breach_liability: str | None = None
    dispute_resolution: str | None = None
    amendment_termination: str | None = None
    signed_on: date | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    amendment_note: str | None = None


@dataclass(frozen=True)
class ContractPatch:
    """The fields of a draft a PATCH sent; the others are UNSET and stay as they are.

    ``parties`` and ``items``, when sent, are whole lists that replace the stored ones.
    """

    number: str = UNSET
    linkage_form: int = UNSET
    parties: tuple[PartyInput, ...] = UNSET
    items: tuple[ContractItemInput, ...] = UNSET
    lead_representative: str | None = UNSET
    area_ha: float | None = UNSET
    price_mechanism: PriceMechanism | None = UNSET
    price_vnd: Decimal | None = UNSET
    price_formula: str | None = UNSET
    quality_standard: str | None = UNSET
    delivery_terms: str | None = UNSET
    payment_terms: str | None = UNSET
    input_advances: str | None = UNSET
    rights_obligations: str | None = UNSET
    risk_sharing: str | None = UNSET
    force_majeure: str | None = UNSET
    breach_liability: str | None = UNSET
    dispute_resolution: str | None = UNSET
    amendment_termination: str | None = UNSET
    signed_on: date | None = UNSET
    effective_from: date | None = UNSET
    effective_to: date | None = UNSET
    amendment_note: str | None = UNSET


@dataclass(frozen=True)
class DeliveryLineInput:
    """A lot delivered, and how much of it was accepted (all of it when not given)."""

    batch_id: int
    quantity: Decimal
    accepted_quantity: Decimal | None = None
    rejection_reason: str | None = None


@dataclass(frozen=True)
class DeliveryInput:
    """A delivery under a contract; ``cooperative_id`` names the seller when there are several."""

    delivered_on: date
    lines: tuple[DeliveryLineInput, ...]
    cooperative_id: int | None = None
    price_vnd: Decimal | None = None
    note: str | None = None


@dataclass(frozen=True)
class PolicyInput:
    """A support policy row: a rate and cap of one category, valid for a period."""

    category: SupportCategory
    rate_percent: Decimal
    valid_from: date
    legal_basis: str
    cap_vnd: int | None = None
    max_cycles: int | None = None
    valid_to: date | None = None
    note: str | None = None


@dataclass(frozen=True)
class ClaimInput:
    """A party's claim for support under a contract."""

    contract_id: int
    category: SupportCategory
    claimed_on: date
    eligible_cost_vnd: int
    amount_asked_vnd: int


@dataclass(frozen=True)
class ClaimDecision:
    """The department's decision: granted (with an amount) or rejected."""

    status: ClaimStatus
    amount_granted_vnd: int | None = None
    note: str | None = None
