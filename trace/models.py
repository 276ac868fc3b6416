"""Trace models: products, sites, batches (lots), trace events and their lines, genealogy links."""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import portable_enum, utcnow
from core.extensions import db
from registry.models import AdminUnit, MemberHousehold, Organization, User

QUANTITY = Numeric(14, 3)


class ProductCategory(enum.StrEnum):
    """Product categories the department reports by."""

    COFFEE = "coffee"
    PEPPER = "pepper"
    DURIAN = "durian"
    PASSION_FRUIT = "passion_fruit"
    CASHEW = "cashew"
    MACADAMIA = "macadamia"
    RICE = "rice"
    VEGETABLES = "vegetables"
    FRUIT = "fruit"
    RUBBER = "rubber"
    CASSAVA = "cassava"
    SUGARCANE = "sugarcane"
    MEDICINAL_HERBS = "medicinal_herbs"
    LIVESTOCK = "livestock"
    SEAFOOD = "seafood"
    OTHER = "other"


class QuantityUnit(enum.StrEnum):
    """Units a quantity may be recorded in (UN/CEFACT codes where EPCIS needs them)."""

    KG = "kg"
    TONNE = "t"
    GRAM = "g"
    LITRE = "l"
    PIECE = "piece"
    BOX = "box"
    BAG = "bag"


UOM_CODES = {
    "kg": "KGM",
    "t": "TNE",
    "g": "GRM",
    "l": "LTR",
    "piece": "H87",
    "box": "XBX",
    "bag": "XBG",
}


class StandardKind(enum.StrEnum):
    """Standards a product may be produced under."""

    VIETGAP = "vietgap"
    GLOBALGAP = "globalgap"
    ORGANIC = "organic"
    OCOP = "ocop"
    RAINFOREST = "rainforest"
    FOURC = "4c"
    HACCP = "haccp"
    OTHER = "other"


class Product(db.Model):
    """A product of a producer organization (sản phẩm)."""

    __tablename__ = "products"
    __table_args__ = (Index("ix_products_org_active", "organization_id", "active"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))  # the English page's name
    category: Mapped[ProductCategory] = mapped_column(
        portable_enum(ProductCategory, "product_category"), index=True
    )
    gtin: Mapped[str | None] = mapped_column(String(14), unique=True)
    unit: Mapped[QuantityUnit] = mapped_column(portable_enum(QuantityUnit, "quantity_unit"))
    description: Mapped[str | None] = mapped_column(Text)
    image_path: Mapped[str | None] = mapped_column(String(255))
    is_agricultural: Mapped[bool] = mapped_column(Boolean, default=True)
    no_standard_declared: Mapped[bool] = mapped_column(Boolean, default=False)
    shelf_life_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    standards: Mapped[list["ProductStandard"]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="ProductStandard.id"
    )


class ProductStandard(db.Model):
    """A standard or certification applied to a product (VietGAP, organic, OCOP stars…)."""

    __tablename__ = "product_standards"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[StandardKind] = mapped_column(portable_enum(StandardKind, "standard_kind"))
    stars: Mapped[int | None] = mapped_column(SmallInteger)
    certificate_number: Mapped[str | None] = mapped_column(String(80))
    issuer: Mapped[str | None] = mapped_column(String(160))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)

    product: Mapped[Product] = relationship(back_populates="standards")


class SiteKind(enum.StrEnum):
    """A growing area (vùng trồng) or a facility (cơ sở sơ chế, kho, nhà máy)."""

    GROWING_AREA = "growing_area"
    FACILITY = "facility"


site_households = db.Table(
    "site_households",
    db.Column("site_id", ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True),
    db.Column(
        "member_id", ForeignKey("member_households.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Site(db.Model):
    """A growing area or facility of an organization; every event happens at one."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[SiteKind] = mapped_column(portable_enum(SiteKind, "site_kind"))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))  # the English page's name
    code: Mapped[str] = mapped_column(String(16), unique=True)
    planting_area_code: Mapped[str | None] = mapped_column(String(40))
    admin_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    area_ha: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))
    gln: Mapped[str | None] = mapped_column(String(13), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    admin_unit: Mapped[AdminUnit] = relationship()
    households: Mapped[list[MemberHousehold]] = relationship(secondary=site_households)


class BatchStatus(enum.StrEnum):
    """Lifecycle of a batch: draft → active → closed, or recalled."""

    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"
    RECALLED = "recalled"


batch_sites = db.Table(
    "batch_sites",
    db.Column("batch_id", ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True),
    db.Column("site_id", ForeignKey("sites.id"), primary_key=True, index=True),
)


class Batch(db.Model):
    """A lot (lô hàng) of one product made by one organization."""

    __tablename__ = "batches"
    __table_args__ = (
        UniqueConstraint("organization_id", "lot_code"),
        Index("ix_batches_org_id", "organization_id", "id"),
        # The indicators' one pass over the lots, from the index alone (DESIGN.md section 8).
        Index(
            "ix_batches_indicator",
            "organization_id",
            "counted_on",
            postgresql_include=["product_id", "traced", "quantity_kg"],
        ),
        # The traceability rate of a whole country or province: each product's lots of the
        # period, in product order, from the index alone (no hashing of millions of rows).
        Index(
            "ix_batches_product_day",
            "product_id",
            "counted_on",
            postgresql_include=["traced", "quantity_kg"],
        ),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    lot_code: Mapped[str] = mapped_column(String(20))
    public_code: Mapped[str] = mapped_column(String(16), unique=True)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[QuantityUnit] = mapped_column(portable_enum(QuantityUnit, "quantity_unit"))
    harvest_date: Mapped[date | None] = mapped_column(Date)
    production_date: Mapped[date | None] = mapped_column(Date)
    packing_date: Mapped[date | None] = mapped_column(Date)
    expiry_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[BatchStatus] = mapped_column(
        portable_enum(BatchStatus, "batch_status"), default=BatchStatus.DRAFT, index=True
    )
    label_issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Every completeness check passes (DESIGN.md section 6); kept exact by
    # trace.services.completeness after each flush, read by the indicators.
    traced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Kept with ``traced``: the day the indicators count the lot on (harvest, production,
    # packing or creation date; None while a draft) and its quantity in kg (None if not mass).
    counted_on: Mapped[date | None] = mapped_column(Date)
    # A statistic, not the lot's quantity: double precision sums fast over millions of lots.
    quantity_kg: Mapped[float | None] = mapped_column(Double)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    product: Mapped[Product] = relationship()
    sites: Mapped[list[Site]] = relationship(secondary=batch_sites)
    households: Mapped[list["BatchHousehold"]] = relationship(
        back_populates="batch", cascade="all, delete-orphan"
    )


class BatchHousehold(db.Model):
    """A member household's contribution to a cooperative's harvest batch."""

    __tablename__ = "batch_households"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("member_households.id"), primary_key=True, index=True
    )
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)

    batch: Mapped[Batch] = relationship(back_populates="households")
    member: Mapped[MemberHousehold] = relationship()


class EventKind(enum.StrEnum):
    """Our critical tracking events; each maps to one EPCIS 2.0 event shape (DESIGN.md §5)."""

    HARVEST = "harvest"
    INPUT_APPLIED = "input_applied"
    TRANSFORMATION = "transformation"
    SHIPPING = "shipping"
    RECEIVING = "receiving"
    INSPECTION = "inspection"
    RECALL = "recall"
    CORRECTION = "correction"
    OTHER = "other"


class LineRole(enum.StrEnum):
    """How a batch takes part in an event."""

    OBJECT = "object"
    INPUT = "input"
    OUTPUT = "output"


class TraceEvent(db.Model):
    """A critical tracking event, stored whole as EPCIS 2.0 JSON plus columns to query by.

    Append-only: a correction is a new event whose ``corrects_event_id`` names the
    erroneous one. ``chain_hash`` links each organization's events in order.
    """

    __tablename__ = "trace_events"
    __table_args__ = (
        UniqueConstraint("organization_id", "chain_seq"),
        Index("ix_trace_events_org_time", "organization_id", "event_time"),
        # A trace looks up the shipments among its lots' events: a small index of those only,
        # holding what the trace shows of them.
        Index(
            "ix_trace_events_shipping",
            "id",
            postgresql_include=["event_time", "destination_org_id", "reference"],
            postgresql_where=text("kind = 'shipping'"),
            sqlite_where=text("kind = 'shipping'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    kind: Mapped[EventKind] = mapped_column(portable_enum(EventKind, "event_kind"), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    biz_step: Mapped[str | None] = mapped_column(String(120))
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    time_zone_offset: Mapped[str] = mapped_column(String(6))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True)
    # The REST binding's EQ_bizLocation and /bizLocations/{uri}/events filter on it.
    location_code: Mapped[str] = mapped_column(String(255), index=True)
    source_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    destination_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    reference_type: Mapped[str | None] = mapped_column(String(40))
    reference: Mapped[str | None] = mapped_column(String(120), index=True)
    epcis: Mapped[dict] = mapped_column(JSON)
    epcis_context: Mapped[dict | None] = mapped_column(JSON)
    event_hash: Mapped[str] = mapped_column(String(160), unique=True)
    # A captured event's eventID as its sender wrote it (urn:uuid:…); None: event_hash is it.
    epcis_event_id: Mapped[str | None] = mapped_column(String(500), unique=True, index=True)
    corrects_event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"), index=True)
    correction_reason: Mapped[str | None] = mapped_column(String(255))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    chain_seq: Mapped[int] = mapped_column(Integer)
    chain_prev: Mapped[str | None] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))
    # Which fields ``chain_hash`` covers (trace.services.chain.link_hash): 1 for events
    # chained before every stored field was, 2 since (set by the app when it chains an event).
    # Kept, never recomputed: see the migration.
    hash_version: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="1")

    organization: Mapped[Organization] = relationship(foreign_keys=[organization_id])
    site: Mapped[Site | None] = relationship()
    source_org: Mapped[Organization | None] = relationship(foreign_keys=[source_org_id])
    destination_org: Mapped[Organization | None] = relationship(foreign_keys=[destination_org_id])
    recorded_by: Mapped[User | None] = relationship()
    lines: Mapped[list["EventLine"]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventLine.id"
    )


class EventLine(db.Model):
    """One batch in an event, with its role and quantity: the rows quantities are summed from."""

    __tablename__ = "event_lines"
    __table_args__ = (
        Index("ix_event_lines_batch_role", "batch_id", "role"),
        # The events about a set of lots (a lot's page, what a buyer may read), index-only.
        Index("ix_event_lines_batch_event", "batch_id", "event_id"),
        # A trace reads its lots' shipped quantities from this index alone.
        Index(
            "ix_event_lines_shipping",
            "batch_id",
            postgresql_include=["event_id", "quantity"],
            postgresql_where=text("kind = 'shipping'"),
            sqlite_where=text("kind = 'shipping'"),
        ),
        CheckConstraint("quantity IS NULL OR quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("trace_events.id", ondelete="CASCADE"), index=True
    )
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    role: Mapped[LineRole] = mapped_column(portable_enum(LineRole, "line_role"))
    quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    # The event's kind, copied (events never change kind): a trace finds its lots'
    # shipments without visiting every event of every lot.
    kind: Mapped[EventKind] = mapped_column(portable_enum(EventKind, "event_kind"))

    event: Mapped[TraceEvent] = relationship(back_populates="lines")
    batch: Mapped[Batch] = relationship()


class BatchLink(db.Model):
    """A genealogy edge: ``child`` was made (partly) from ``parent`` by a transformation event."""

    __tablename__ = "batch_links"
    __table_args__ = (
        UniqueConstraint("parent_id", "child_id", "event_id"),
        # Both directions of a trace walk the links from an index alone.
        Index("ix_batch_links_child_parent", "child_id", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    child_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    event_id: Mapped[int] = mapped_column(
        ForeignKey("trace_events.id", ondelete="CASCADE"), index=True
    )
    parent_quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)
    child_quantity: Mapped[Decimal | None] = mapped_column(QUANTITY)


class UnitCode(db.Model):
    """A per-item code under a batch: its own serial (AI 21) and public code, its own QR."""

    __tablename__ = "unit_codes"
    __table_args__ = (UniqueConstraint("batch_id", "serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    serial: Mapped[str] = mapped_column(String(20))
    public_code: Mapped[str] = mapped_column(String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    batch: Mapped[Batch] = relationship()


class Scan(db.Model):
    """One consumer page view of a code; the client is kept only as a keyed hash."""

    __tablename__ = "scans"
    __table_args__ = (
        # client_hash last: the distinct-visitor counts read the index alone.
        Index("ix_scans_batch_time_client", "batch_id", "scanned_at", "client_hash"),
        Index("ix_scans_unit_time_client", "unit_id", "scanned_at", "client_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit_codes.id", ondelete="CASCADE"))
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    client_hash: Mapped[str] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(8))
