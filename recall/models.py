"""Recall models: a recall (thu hồi) of a lot, the lots and organizations it reaches, the notices.

A recall is opened on one batch; the forward trace at that moment is stored as
``RecallBatch`` rows (the lots made from it) and ``RecallRecipient`` rows (who
received any of them), so the recall keeps saying whom it reached even when the
records change later. ``RecallNotice`` is the outbox of the e-mails sent to them.
"""

import enum
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import portable_enum, utcnow
from core.extensions import db
from registry.models import Organization, User
from trace.models import QUANTITY, Batch, BatchStatus, QuantityUnit


class RecallSeverity(enum.StrEnum):
    """How dangerous the lot is (in the spirit of recall classes I–III)."""

    SERIOUS = "serious"
    MODERATE = "moderate"
    LOW = "low"


class RecallStatus(enum.StrEnum):
    """Open until the producer closes it with an outcome."""

    OPEN = "open"
    CLOSED = "closed"


class RecallOutcome(enum.StrEnum):
    """What became of the recalled goods."""

    DESTROYED = "destroyed"
    RETURNED = "returned"
    REPROCESSED = "reprocessed"
    NOT_FOUND = "not_found"
    OTHER = "other"


class AckChannel(enum.StrEnum):
    """How a recipient acknowledged: the link in the e-mail, the web page, or the API."""

    LINK = "link"
    WEB = "web"
    API = "api"


class NoticeStatus(enum.StrEnum):
    """A notice in the outbox: waiting, delivered to the mail server, or failed (retried)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands datetimes back naive (they are stored in UTC).
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class Recall(db.Model):
    """A recall of a lot found unsafe, with its 24-hour clock (Circular 17/2021/TT-BNNPTNT)."""

    __tablename__ = "recalls"
    __table_args__ = (Index("ix_recalls_status_opened", "status", "opened_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    severity: Mapped[RecallSeverity] = mapped_column(
        portable_enum(RecallSeverity, "recall_severity")
    )
    status: Mapped[RecallStatus] = mapped_column(
        portable_enum(RecallStatus, "recall_status"), default=RecallStatus.OPEN
    )
    opened_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    deadline_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("trace_events.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    outcome: Mapped[RecallOutcome | None] = mapped_column(
        portable_enum(RecallOutcome, "recall_outcome")
    )
    outcome_note: Mapped[str | None] = mapped_column(Text)

    batch: Mapped[Batch] = relationship()
    organization: Mapped[Organization] = relationship()
    opened_by: Mapped[User] = relationship(foreign_keys=[opened_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    batches: Mapped[list["RecallBatch"]] = relationship(
        back_populates="recall", cascade="all, delete-orphan", order_by="RecallBatch.id"
    )
    recipients: Mapped[list["RecallRecipient"]] = relationship(
        back_populates="recall", cascade="all, delete-orphan", order_by="RecallRecipient.id"
    )
    notices: Mapped[list["RecallNotice"]] = relationship(
        back_populates="recall", cascade="all, delete-orphan", order_by="RecallNotice.id"
    )

    @property
    def is_open(self) -> bool:
        """True until the recall is closed."""
        return self.status == RecallStatus.OPEN

    @property
    def deadline(self) -> datetime:
        """When the 24 hours run out (aware, UTC)."""
        return _aware(self.deadline_at)

    @property
    def opened(self) -> datetime:
        """When the recall was opened (aware, UTC)."""
        return _aware(self.opened_at)

    @property
    def pending_recipients(self) -> list["RecallRecipient"]:
        """Recipients that have not acknowledged yet."""
        return [r for r in self.recipients if r.acknowledged_at is None]


class RecallBatch(db.Model):
    """A lot the recall reaches: the recalled lot itself (depth 0) or one made from it."""

    __tablename__ = "recall_batches"
    __table_args__ = (UniqueConstraint("recall_id", "batch_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id", ondelete="CASCADE"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    depth: Mapped[int] = mapped_column(Integer, default=0)
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit: Mapped[QuantityUnit] = mapped_column(portable_enum(QuantityUnit, "quantity_unit"))
    previous_status: Mapped[BatchStatus] = mapped_column(portable_enum(BatchStatus, "batch_status"))

    recall: Mapped[Recall] = relationship(back_populates="batches")
    batch: Mapped[Batch] = relationship()
    organization: Mapped[Organization] = relationship()


class RecallRecipient(db.Model):
    """An organization that received (or holds) recalled lots, and its acknowledgement.

    ``received`` lists what it got: ``[{"batch_id", "lot_code", "quantity", "unit",
    "event_id", "shipped_at"}]``, one entry per shipment line.
    """

    __tablename__ = "recall_recipients"
    __table_args__ = (UniqueConstraint("recall_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id", ondelete="CASCADE"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    contact_name: Mapped[str | None] = mapped_column(String(120))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_phone: Mapped[str | None] = mapped_column(String(20))
    received: Mapped[list] = mapped_column(JSON, default=list)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_by_name: Mapped[str | None] = mapped_column(String(120))
    acknowledged_via: Mapped[AckChannel | None] = mapped_column(
        portable_enum(AckChannel, "ack_channel")
    )

    recall: Mapped[Recall] = relationship(back_populates="recipients")
    organization: Mapped[Organization] = relationship()
    acknowledged_by: Mapped[User | None] = relationship()
    notices: Mapped[list["RecallNotice"]] = relationship(
        back_populates="recipient", order_by="RecallNotice.id", viewonly=True
    )

    @property
    def acknowledged(self) -> datetime | None:
        """When it acknowledged (aware, UTC), or None."""
        return _aware(self.acknowledged_at)


class RecallNotice(db.Model):
    """One e-mail to one address of a recipient: the outbox row a worker sends and retries."""

    __tablename__ = "recall_notices"
    __table_args__ = (Index("ix_recall_notices_status_id", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id", ondelete="CASCADE"), index=True)
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("recall_recipients.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[NoticeStatus] = mapped_column(
        portable_enum(NoticeStatus, "notice_status"), default=NoticeStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    recall: Mapped[Recall] = relationship(back_populates="notices")
    recipient: Mapped[RecallRecipient] = relationship()
