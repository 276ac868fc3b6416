"""Registry models: administrative units, organizations, member households, users, tokens."""

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
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
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import portable_enum, utcnow
from core.extensions import db


class UnitLevel(enum.StrEnum):
    """Level of an administrative unit (cấp hành chính)."""

    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"
    WARD = "ward"
    SPECIAL_ZONE = "special_zone"


class AdminUnit(db.Model):
    """An administrative unit (đơn vị hành chính): current (from 1 July 2025) or legacy."""

    __tablename__ = "admin_units"
    __table_args__ = (UniqueConstraint("code", "valid_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    level: Mapped[UnitLevel] = mapped_column(portable_enum(UnitLevel, "unit_level"))
    name: Mapped[str] = mapped_column(String(120))
    full_name: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str | None] = mapped_column(String(120))
    search_name: Mapped[str] = mapped_column(String(160), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)

    parent: Mapped["AdminUnit | None"] = relationship(remote_side=[id])

    @property
    def is_legacy(self) -> bool:
        """True for units that stopped existing with the 2025 reform."""
        return self.valid_to is not None

    def __repr__(self) -> str:
        return f"<AdminUnit {self.code} {self.full_name}>"


class AdminUnitMapping(db.Model):
    """Which old commune (before 1 July 2025) became part of which new commune."""

    __tablename__ = "admin_unit_mappings"
    __table_args__ = (UniqueConstraint("new_unit_id", "old_province_code", "old_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    old_unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_units.id"), index=True)
    old_code: Mapped[str] = mapped_column(String(10))
    old_name: Mapped[str] = mapped_column(String(160))
    old_province_code: Mapped[str] = mapped_column(String(10))
    coverage: Mapped[str] = mapped_column(String(10))

    new_unit: Mapped[AdminUnit] = relationship(foreign_keys=[new_unit_id])
    old_unit: Mapped[AdminUnit | None] = relationship(foreign_keys=[old_unit_id])


class OrgKind(enum.StrEnum):
    """Kind of organization in the registry."""

    COOPERATIVE = "cooperative"
    COOPERATIVE_GROUP = "cooperative_group"
    COOPERATIVE_UNION = "cooperative_union"
    ENTERPRISE = "enterprise"
    AGENCY = "agency"


COOPERATIVE_KINDS = (OrgKind.COOPERATIVE, OrgKind.COOPERATIVE_GROUP, OrgKind.COOPERATIVE_UNION)


class Sector(enum.StrEnum):
    """Whether an organization works in agriculture (nông nghiệp) or not."""

    AGRICULTURAL = "agricultural"
    NON_AGRICULTURAL = "non_agricultural"


class OrgStatus(enum.StrEnum):
    """Operating status of an organization."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    DISSOLVED = "dissolved"


class Rating(enum.StrEnum):
    """Yearly rating of a cooperative (xếp loại): tốt, khá, trung bình, yếu."""

    GOOD = "good"
    FAIR = "fair"
    AVERAGE = "average"
    WEAK = "weak"


class Organization(db.Model):
    """A cooperative (HTX), cooperative group (THT), union, enterprise or agency."""

    __tablename__ = "organizations"
    __table_args__ = (
        UniqueConstraint("kind", "registration_code"),
        Index("ix_organizations_kind_status", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(portable_enum(OrgKind, "org_kind"))
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(120))
    registration_code: Mapped[str] = mapped_column(String(32))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    admin_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(255))
    latitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    longitude: Mapped[float | None] = mapped_column(Numeric(9, 6, asdecimal=False))
    sector: Mapped[Sector] = mapped_column(portable_enum(Sector, "org_sector"), index=True)
    main_products: Mapped[str | None] = mapped_column(String(255))
    representative: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    gln: Mapped[str | None] = mapped_column(String(13), unique=True)
    status: Mapped[OrgStatus] = mapped_column(
        portable_enum(OrgStatus, "org_status"), default=OrgStatus.ACTIVE, index=True
    )
    established_on: Mapped[date | None] = mapped_column(Date)
    status_since: Mapped[date | None] = mapped_column(Date)
    member_count: Mapped[int | None] = mapped_column(Integer)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    admin_unit: Mapped[AdminUnit] = relationship()
    ratings: Mapped[list["OrgRating"]] = relationship(
        back_populates="organization",
        order_by="OrgRating.year.desc()",
        cascade="all, delete-orphan",
    )

    @property
    def is_cooperative_kind(self) -> bool:
        """True for cooperatives, cooperative groups and unions (they have member households)."""
        return self.kind in COOPERATIVE_KINDS

    @property
    def latest_rating(self) -> "OrgRating | None":
        """The rating of the most recent year, if any."""
        return self.ratings[0] if self.ratings else None

    def __repr__(self) -> str:
        return f"<Organization {self.kind} {self.registration_code}>"


class OrgRating(db.Model):
    """A cooperative's rating for one year."""

    __tablename__ = "org_ratings"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    year: Mapped[int] = mapped_column(SmallInteger)
    rating: Mapped[Rating] = mapped_column(portable_enum(Rating, "org_rating"))

    organization: Mapped[Organization] = relationship(back_populates="ratings")


class MemberType(enum.StrEnum):
    """Official member (thành viên chính thức) or associate member (thành viên liên kết)."""

    OFFICIAL = "official"
    ASSOCIATE = "associate"


class MemberHousehold(db.Model):
    """A farm household that is a member of a cooperative or group (hộ thành viên)."""

    __tablename__ = "member_households"
    __table_args__ = (Index("ix_member_households_org_left", "organization_id", "left_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    head_name: Mapped[str] = mapped_column(String(120))
    admin_unit_id: Mapped[int] = mapped_column(ForeignKey("admin_units.id"), index=True)
    village: Mapped[str | None] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    planted_area_ha: Mapped[float | None] = mapped_column(Numeric(10, 2, asdecimal=False))
    member_type: Mapped[MemberType] = mapped_column(
        portable_enum(MemberType, "member_type"), default=MemberType.OFFICIAL
    )
    joined_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    admin_unit: Mapped[AdminUnit] = relationship()

    @property
    def is_active(self) -> bool:
        """True while the household has not left."""
        return self.left_on is None


class Role(enum.StrEnum):
    """What a user may do (DESIGN.md section 9)."""

    DEPARTMENT_ADMIN = "department_admin"
    COOPERATIVE = "cooperative"
    ENTERPRISE = "enterprise"


class User(UserMixin, db.Model):
    """A person who logs in: department staff, or a user of one organization."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(portable_enum(Role, "user_role"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A login session carries the version it began under; raising it ends every session.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    organization: Mapped[Organization | None] = relationship()

    @property
    def can_sign_in(self) -> bool:
        """Active, and not of a suspended or dissolved organization."""
        org = self.organization
        return bool(self.active) and (org is None or org.status == OrgStatus.ACTIVE)

    @property
    def is_active(self) -> bool:
        """Flask-Login's question: may this user log in?"""
        return self.can_sign_in

    @property
    def has_password(self) -> bool:
        """False for an invited user who has not chosen a password yet."""
        return not self.password_hash.startswith("!")

    @property
    def is_department(self) -> bool:
        """True for department staff, who see the whole registry."""
        return self.role == Role.DEPARTMENT_ADMIN

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
