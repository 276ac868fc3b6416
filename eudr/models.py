"""EUDR models: plots (thửa đất) of growing areas with their geometry, the checks they passed,
and a household's consent to its name being sent to EU buyers."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import utcnow
from core.extensions import db
from registry.models import MemberHousehold, Organization
from trace.models import Batch, Site

# No deforestation after this day (Regulation (EU) 2023/1115, Art. 2(13)).
CUT_OFF = date(2020, 12, 31)

plot_households = db.Table(
    "eudr_plot_households",
    db.Column("plot_id", db.ForeignKey("eudr_plots.id", ondelete="CASCADE"), primary_key=True),
    db.Column(
        "member_id",
        db.ForeignKey("member_households.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Plot(db.Model):
    """A plot of a growing area: one point (4 ha or less) or one polygon, as GeoJSON text.

    ``area_ha`` is computed from a polygon on the WGS 84 ellipsoid; a point's area is the
    one declared. ``organization_id`` is the growing area's, kept here to scope lists by.
    """

    __tablename__ = "eudr_plots"
    __table_args__ = (Index("ix_eudr_plots_org_site", "organization_id", "site_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    geometry: Mapped[str] = mapped_column(Text)
    geometry_type: Mapped[str] = mapped_column(String(10))
    area_ha: Mapped[float] = mapped_column(Double)
    declared_area_ha: Mapped[float | None] = mapped_column(Double)
    longitude: Mapped[float] = mapped_column(Double)
    latitude: Mapped[float] = mapped_column(Double)
    production_since: Mapped[date | None] = mapped_column(Date)
    land_document_number: Mapped[str | None] = mapped_column(String(80))
    land_document_path: Mapped[str | None] = mapped_column(String(255))
    land_document_name: Mapped[str | None] = mapped_column(String(200))
    # A plot walked with a phone's GPS: each corner's accuracy in metres, in the ring's order.
    walk_accuracies_m: Mapped[list[float] | None] = mapped_column(JSON)
    # Its GeoJSON Feature for the EU Information System, written by eudr.services.features
    # whenever what it shows changes; null until then (the export writes it on the fly).
    eu_feature: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    organization: Mapped[Organization] = relationship()
    site: Mapped[Site] = relationship()
    households: Mapped[list[MemberHousehold]] = relationship(
        secondary=plot_households, order_by=MemberHousehold.id
    )
    checks: Mapped[list["PlotCheck"]] = relationship(
        back_populates="plot", cascade="all, delete-orphan", order_by="PlotCheck.checked_on"
    )


class PlotCheck(db.Model):
    """A check a plot passed or failed: a deforestation check by a named tool, on a date."""

    __tablename__ = "eudr_plot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    plot_id: Mapped[int] = mapped_column(
        ForeignKey("eudr_plots.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32), default="deforestation")
    tool: Mapped[str] = mapped_column(String(120))
    checked_on: Mapped[date] = mapped_column(Date)
    passed: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    plot: Mapped[Plot] = relationship(back_populates="checks")


class NameConsent(db.Model):
    """A household's consent (or refusal) to its head's name going to EU buyers as
    ``ProducerName``, with the day it was given: without a consent the name is left out."""

    __tablename__ = "eudr_name_consents"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("member_households.id", ondelete="CASCADE"), primary_key=True
    )
    agreed: Mapped[bool] = mapped_column(Boolean)
    decided_on: Mapped[date] = mapped_column(Date)

    member: Mapped[MemberHousehold] = relationship()


statement_lots = db.Table(
    "eudr_statement_lots",
    db.Column(
        "statement_id",
        db.ForeignKey("eudr_statements.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    db.Column("batch_id", db.ForeignKey("batches.id"), primary_key=True, index=True),
)


class DueDiligenceStatement(db.Model):
    """A due-diligence statement (DDS) an operator filed in the EU Information System for the
    lots it places on the EU market: its reference and verification numbers, recorded here
    against the lots it covers (and, as an EPCIS event on them, passed down the chain)."""

    __tablename__ = "eudr_statements"
    __table_args__ = (UniqueConstraint("organization_id", "reference_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    reference_number: Mapped[str] = mapped_column(String(40))
    verification_number: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    organization: Mapped[Organization] = relationship()
    lots: Mapped[list[Batch]] = relationship(secondary=statement_lots, order_by=Batch.id)
