"""The field app's tables: each record a phone sent, once per (user, key), and event photos."""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import utcnow
from core.extensions import db


class FieldRecord(db.Model):
    """A record made on a phone and stored: its idempotency key answers every resend.

    Only stored records have a row; a refused one leaves none, so the phone may correct it
    and send it again under the same key.
    """

    __tablename__ = "field_records"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[int | None] = mapped_column(
        ForeignKey("trace_events.id", ondelete="SET NULL"), index=True
    )
    # The time on the phone when the event happened (the event keeps it with its offset);
    # ``received_at`` is when the server got it, however long the phone was offline.
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    result: Mapped[str] = mapped_column(Text)


class FieldPhoto(db.Model):
    """The photo of the scene taken with an event; shown on the lot page, and on the
    consumer page only once the cooperative marks it public."""

    __tablename__ = "field_photos"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("trace_events.id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"), index=True)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
