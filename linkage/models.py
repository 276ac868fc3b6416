"""Linkage models: contracts (hợp đồng liên kết) under Decree 98/2018, deliveries, support."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import portable_enum, utcnow
from core.extensions import db
from registry.models import Organization
from trace.models import QUANTITY, Batch, Product, ProductCategory, QuantityUnit, TraceEvent

MONEY = Numeric(16, 0)  # Vietnamese đồng have no minor unit


class LinkageForm(enum.IntEnum):
    """The seven linkage forms of Decree 98/2018/NĐ-CP Art. 4 (hình thức liên kết)."""

    FULL_CHAIN = 1  # inputs/services + production + harvest + processing → consumption
    INPUTS_CONSUMPTION = 2  # inputs/services → consumption
    PRODUCTION_CONSUMPTION = 3  # production + harvest → consumption
    INPUTS_PRODUCTION_CONSUMPTION = 4  # inputs + production + harvest → consumption
    PRODUCTION_PROCESSING_CONSUMPTION = 5  # production + harvest + processing → consumption
    INPUTS_PROCESSING_CONSUMPTION = 6  # inputs/services + processing → consumption
    PROCESSING_CONSUMPTION = 7  # processing → consumption


class ContractState(enum.StrEnum):
    """Stored lifecycle state; "active" and "expired" are derived from the dates."""

    DRAFT = "draft"
    SIGNED = "signed"
    COMPLETED = "completed"
    TERMINATED = "terminated"


# The states of a contract that is, was or will be in force (signed by every party).
IN_FORCE_STATES = (ContractState.SIGNED, ContractState.COMPLETED, ContractState.TERMINATED)
_MAY_BE_IN_FORCE = "superseded_at IS NULL AND state IN ({})".format(
    ", ".join(f"'{state.value}'" for state in IN_FORCE_STATES)
)


class PriceMechanism(enum.StrEnum):
    """How the price is set (cơ chế giá)."""

    FIXED = "fixed"
    FLOOR = "floor"
    MARKET_FORMULA = "market_formula"


class PartyRole(enum.StrEnum):
    """A party's place in a contract."""

    LEAD = "lead"
    COOPERATIVE = "cooperative"


_CONFIRMED_COOPERATIVE = f"role = '{PartyRole.COOPERATIVE.value}' AND confirmed_at IS NOT NULL"


class Contract(db.Model):
    """One version of a linkage contract; an amendment is a new version, the old kept."""

    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("lead_org_id", "number", "version"),
        Index("ix_contracts_state_dates", "state", "effective_from", "effective_to"),
        # The contracts that can be in force (lifecycle.in_force_on), by their dates, with
        # what the linkage rate reads of them: its set of linked cooperatives on a day comes
        # from this index alone.
        Index(
            "ix_contracts_in_force",
            "effective_to",
            "effective_from",
            postgresql_include=["lead_org_id", "ended_on"],
            postgresql_where=text(_MAY_BE_IN_FORCE),
            sqlite_where=text(_MAY_BE_IN_FORCE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(SmallInteger, default=1)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    amendment_note: Mapped[str | None] = mapped_column(String(500))
    lead_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    linkage_form: Mapped[int] = mapped_column(SmallInteger)
    state: Mapped[ContractState] = mapped_column(
        portable_enum(ContractState, "contract_state"), default=ContractState.DRAFT
    )
    area_ha: Mapped[float | None] = mapped_column(Numeric(12, 2, asdecimal=False))
    price_mechanism: Mapped[PriceMechanism | None] = mapped_column(
        portable_enum(PriceMechanism, "price_mechanism")
    )
    price_vnd: Mapped[Decimal | None] = mapped_column(MONEY)
    price_formula: Mapped[str | None] = mapped_column(Text)
    quality_standard: Mapped[str | None] = mapped_column(Text)
    delivery_terms: Mapped[str | None] = mapped_column(Text)
    payment_terms: Mapped[str | None] = mapped_column(Text)
    input_advances: Mapped[str | None] = mapped_column(Text)
    rights_obligations: Mapped[str | None] = mapped_column(Text)
    risk_sharing: Mapped[str | None] = mapped_column(Text)
    force_majeure: Mapped[str | None] = mapped_column(Text)
    breach_liability: Mapped[str | None] = mapped_column(Text)
    dispute_resolution: Mapped[str | None] = mapped_column(Text)
    amendment_termination: Mapped[str | None] = mapped_column(Text)
    signed_on: Mapped[date | None] = mapped_column(Date)
    effective_from: Mapped[date | None] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lead_org: Mapped[Organization] = relationship()
    parties: Mapped[list["ContractParty"]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractParty.id"
    )
    items: Mapped[list["ContractItem"]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractItem.id"
    )
    attachments: Mapped[list["ContractAttachment"]] = relationship(
        back_populates="contract", order_by="ContractAttachment.id"
    )

    @property
    def cooperative_parties(self) -> list["ContractParty"]:
        """The parties other than the lead."""
        return [p for p in self.parties if p.role == PartyRole.COOPERATIVE]


class ContractParty(db.Model):
    """An organization party to a contract, its representative and its confirmation."""

    __tablename__ = "contract_parties"
    __table_args__ = (
        UniqueConstraint("contract_id", "organization_id"),
        # The cooperatives that confirmed each contract: the linkage rate's probe per contract.
        Index(
            "ix_contract_parties_confirmed_cooperative",
            "contract_id",
            postgresql_include=["organization_id"],
            postgresql_where=text(_CONFIRMED_COOPERATIVE),
            sqlite_where=text(_CONFIRMED_COOPERATIVE),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    role: Mapped[PartyRole] = mapped_column(portable_enum(PartyRole, "party_role"))
    representative: Mapped[str | None] = mapped_column(String(120))
    households: Mapped[int | None] = mapped_column(Integer)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    contract: Mapped[Contract] = relationship(back_populates="parties")
    organization: Mapped[Organization] = relationship()


class ContractItem(db.Model):
    """A product the contract covers, with the quantity committed for one season or year."""

    __tablename__ = "contract_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), index=True
    )
    category: Mapped[ProductCategory] = mapped_column(
        portable_enum(ProductCategory, "product_category")
    )
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    season: Mapped[str] = mapped_column(String(40))
    due_from: Mapped[date] = mapped_column(Date)
    due_to: Mapped[date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[QuantityUnit] = mapped_column(portable_enum(QuantityUnit, "quantity_unit"))

    contract: Mapped[Contract] = relationship(back_populates="items")
    product: Mapped[Product | None] = relationship()


class ContractAttachment(db.Model):
    """A scanned contract or annex, kept in the file store (the same scan may serve two)."""

    __tablename__ = "contract_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80), index=True)
    mimetype: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    contract: Mapped[Contract] = relationship(back_populates="attachments")


class DeliveryStatus(enum.StrEnum):
    """Where a delivery stands: a buyer's record waits for the seller to confirm it."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class Delivery(db.Model):
    """Goods delivered under a contract; once confirmed, its lines are also shipping and
    receiving trace events. One the buyer records is pending until the seller confirms it."""

    __tablename__ = "deliveries"
    # The seller's list of deliveries to confirm.
    __table_args__ = (Index("ix_deliveries_cooperative_status", "cooperative_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    delivered_on: Mapped[date] = mapped_column(Date, index=True)
    price_vnd: Mapped[Decimal | None] = mapped_column(MONEY)
    note: Mapped[str | None] = mapped_column(String(500))
    shipping_event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"))
    receiving_event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[DeliveryStatus] = mapped_column(
        portable_enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.CONFIRMED
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str | None] = mapped_column(String(500))

    contract: Mapped[Contract] = relationship()
    cooperative: Mapped[Organization] = relationship()
    lines: Mapped[list["DeliveryLine"]] = relationship(
        back_populates="delivery", cascade="all, delete-orphan", order_by="DeliveryLine.id"
    )
    shipping_event: Mapped[TraceEvent | None] = relationship(foreign_keys=[shipping_event_id])


class DeliveryLine(db.Model):
    """One batch in a delivery: delivered and accepted quantity, and why any was rejected."""

    __tablename__ = "delivery_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    contract_item_id: Mapped[int | None] = mapped_column(ForeignKey("contract_items.id"))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    accepted_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    rejection_reason: Mapped[str | None] = mapped_column(String(300))

    delivery: Mapped[Delivery] = relationship(back_populates="lines")
    batch: Mapped[Batch] = relationship()


class SupportCategory(enum.StrEnum):
    """Kinds of support for linkage (Decree 98 Art. 7–9 and the province's resolution)."""

    CONSULTING = "consulting"
    INFRASTRUCTURE = "infrastructure"
    INPUTS = "inputs"
    TECHNOLOGY = "technology"
    TRAINING = "training"


class SupportPolicy(db.Model):
    """A support rate and cap in force for a period: data the department edits, never code."""

    __tablename__ = "support_policies"
    __table_args__ = (Index("ix_support_policies_category_valid", "category", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[SupportCategory] = mapped_column(
        portable_enum(SupportCategory, "support_category")
    )
    rate_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    cap_vnd: Mapped[int | None] = mapped_column(BigInteger)
    max_cycles: Mapped[int | None] = mapped_column(SmallInteger)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    legal_basis: Mapped[str] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(String(500))


class ClaimStatus(enum.StrEnum):
    """Where a support claim stands."""

    SUBMITTED = "submitted"
    GRANTED = "granted"
    REJECTED = "rejected"


class SupportClaim(db.Model):
    """A request for linkage support under a contract, and what the department granted."""

    __tablename__ = "support_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    claimant_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    category: Mapped[SupportCategory] = mapped_column(
        portable_enum(SupportCategory, "support_category")
    )
    claimed_on: Mapped[date] = mapped_column(Date)
    eligible_cost_vnd: Mapped[int] = mapped_column(BigInteger)
    amount_asked_vnd: Mapped[int] = mapped_column(BigInteger)
    max_support_vnd: Mapped[int] = mapped_column(BigInteger)
    policy_id: Mapped[int] = mapped_column(ForeignKey("support_policies.id"))
    status: Mapped[ClaimStatus] = mapped_column(
        portable_enum(ClaimStatus, "claim_status"), default=ClaimStatus.SUBMITTED
    )
    amount_granted_vnd: Mapped[int | None] = mapped_column(BigInteger)
    decided_on: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    contract: Mapped[Contract] = relationship()
    claimant: Mapped[Organization] = relationship()
    policy: Mapped[SupportPolicy] = relationship()
