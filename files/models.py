"""The file store's tables: a row per stored file, its chunks (database backing) and the
derived copies made of it (a product image's small copy)."""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import utcnow
from core.extensions import db


class StoredFile(db.Model):
    """A file, named by the SHA-256 of its content (hex); its bytes are in the backing."""

    __tablename__ = "stored_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    # Public files (product images) may be served to anyone who knows the hash.
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FileChunk(db.Model):
    """One piece of a file kept in the database, in order (``seq`` from 0)."""

    __tablename__ = "file_chunks"

    sha256: Mapped[str] = mapped_column(
        ForeignKey("stored_files.sha256", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class FileVariant(db.Model):
    """A copy derived from a file (``variant`` says which, e.g. ``small``), itself stored."""

    __tablename__ = "file_variants"

    source: Mapped[str] = mapped_column(
        ForeignKey("stored_files.sha256", ondelete="CASCADE"), primary_key=True
    )
    variant: Mapped[str] = mapped_column(String(20), primary_key=True)
    sha256: Mapped[str] = mapped_column(
        ForeignKey("stored_files.sha256", ondelete="CASCADE"), index=True
    )
