"""Capture jobs of GS1's EPCIS 2.0 REST binding: a document received, captured by the worker."""

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import utcnow
from core.extensions import db


class CaptureJob(db.Model):
    """A document sent to ``POST /epcis/v2/capture``, stored whole or refused whole.

    ``capture_id`` is the binding's captureID (random, so one caller cannot guess another's).
    ``document`` holds the body until the worker has captured it, then is cleared; ``errors``
    keeps the refusal's problems (the binding's RFC 7807 objects).
    """

    __tablename__ = "capture_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    capture_id: Mapped[str] = mapped_column(String(40), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    document: Mapped[dict | None] = mapped_column(JSON)
    running: Mapped[bool] = mapped_column(Boolean, default=True)
    success: Mapped[bool] = mapped_column(Boolean, default=True)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
