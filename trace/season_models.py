"""A season import (``trace.services.season_jobs``): a spreadsheet of lots, inputs or
shipments, imported at once or by the background worker, and what came of it."""

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import utcnow
from core.extensions import db


class SeasonImport(db.Model):
    """One uploaded file and its outcome.

    ``status``: queued (waiting for the worker), running, done (every row stored) or refused
    (nothing stored; ``errors`` lists the rows at fault). ``data`` keeps the file until the
    worker has run it, and after a refusal so it can be downloaded back with its messages.
    """

    __tablename__ = "season_imports"
    __table_args__ = (Index("ix_season_imports_org_created", "organization_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    total_rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
