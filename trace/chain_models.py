"""Tamper-evidence tables of the trace side: each lot's chained revisions and the daily
anchors of every organization's chain heads (the events' own chain is on ``TraceEvent``)."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import utcnow
from core.extensions import db


class BatchRevision(db.Model):
    """A lot's master data as it stood after each change, chained per organization.

    Written by ``trace.services.revisions`` after every flush that changes a lot (and by
    bulk updates that call it); ``flask trace verify`` checks the chain and compares each
    lot with its latest revision, so an edit made around the services shows.
    """

    __tablename__ = "batch_revisions"
    __table_args__ = (
        UniqueConstraint("organization_id", "chain_seq"),
        Index("ix_batch_revisions_batch", "batch_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # No foreign key: a revision must outlive a lot deleted around the services, to tell it.
    batch_id: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    chain_seq: Mapped[int] = mapped_column(Integer)
    chain_prev: Mapped[str | None] = mapped_column(String(64))
    chain_hash: Mapped[str] = mapped_column(String(64))


class ChainAnchor(db.Model):
    """One day's anchor of every organization's chain heads (``trace.services.anchors``).

    ``line`` is the JSON line exactly as published, so the open-data download, read from
    here on any host, is byte for byte the export file the worker appends to. One a day:
    the day is the key, so two workers racing write it once.
    """

    __tablename__ = "chain_anchors"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    line: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
