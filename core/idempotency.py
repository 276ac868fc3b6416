"""Stored responses of creating POSTs, so a retried request never creates twice."""

import hashlib
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, delete
from sqlalchemy.orm import Mapped, mapped_column

from core.db import utcnow
from core.extensions import db


class IdempotencyRecord(db.Model):
    """The response given to one (principal, Idempotency-Key) pair."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(500))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """SHA-256 of what makes two requests the same request."""
    digest = hashlib.sha256()
    digest.update(method.encode())
    digest.update(b"\0")
    digest.update(path.encode())
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def stored_json(record: IdempotencyRecord):
    """The JSON body stored with a record."""
    return json.loads(record.response_body) if record.response_body else None


def delete_expired(ttl_hours: float) -> int:
    """Delete the records older than ``ttl_hours`` (the worker's hourly job); how many."""
    cutoff = datetime.now(UTC) - timedelta(hours=ttl_hours)
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    )
    db.session.commit()
    return result.rowcount or 0
