"""Portal models: the outbox of records shared with national systems (DESIGN.md section 5)."""

import enum
from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import portable_enum, utcnow
from core.extensions import db


class RecordKind(enum.StrEnum):
    """What an outbox row shares: a trace event, or the master data the events refer to."""

    ORGANIZATION = "organization"
    PRODUCT = "product"
    SITE = "site"
    EVENT = "event"


class OutboxStatus(enum.StrEnum):
    """pending → sent; a failed send is retrying until the attempts run out, then failing."""

    PENDING = "pending"
    RETRYING = "retrying"
    FAILING = "failing"
    SENT = "sent"


DUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.RETRYING)


class OutboxRecord(db.Model):
    """One record to share with one destination (hộp thư đi), sent exactly once in effect.

    ``record_key`` is the event hash for events, and for master data the record's id with
    the codes the portal knows it by (so a changed code is shared again). The unique
    constraint means no two workers can ever enqueue the same record twice.
    """

    __tablename__ = "portal_outbox"
    __table_args__ = (
        UniqueConstraint("destination", "kind", "record_key"),
        Index("ix_portal_outbox_due", "destination", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    destination: Mapped[str] = mapped_column(String(40))
    kind: Mapped[RecordKind] = mapped_column(portable_enum(RecordKind, "portal_record_kind"))
    record_key: Mapped[str] = mapped_column(String(255))
    record_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[OutboxStatus] = mapped_column(
        portable_enum(OutboxStatus, "portal_outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
