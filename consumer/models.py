"""The consumer pages' table: each lot's rendered page, kept in the database per language."""

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db


class LotPage(db.Model):
    """A lot's consumer page as last rendered in one language (``consumer.stored_pages``).

    It is used again while it is current: the lineage, the page cache's versions and the
    lot's own columns are those it was rendered from (``lots``, ``versions``, ``stamp``),
    today is no later than ``valid_through`` (the page names the day's certificate
    states), and it is younger than the versions' own lifetime in the store.
    """

    __tablename__ = "lot_pages"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(8), primary_key=True)
    lots: Mapped[str] = mapped_column(Text)
    versions: Mapped[str] = mapped_column(Text)
    stamp: Mapped[str] = mapped_column(String(16))
    valid_through: Mapped[date | None] = mapped_column(Date)
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    html: Mapped[str] = mapped_column(Text)
