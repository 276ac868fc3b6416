"""Labels' own table: print jobs (lệnh in nhãn), each a record of labels printed for a lot.

A print job is what issues a lot's label: its first job by the lot's own organization
sets ``Batch.label_issued_at`` (the checklist's "QR label issued"). A job keeps what it
printed — the layout, the batch's label ``copies`` times or a range of unit codes — so its
PDF can be downloaded again with exactly those labels.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import portable_enum, utcnow
from core.extensions import db
from registry.models import User
from trace.models import Batch


class PrintKind(enum.StrEnum):
    """What a print job printed: the batch's own label, or one label per unit code."""

    BATCH = "batch"
    UNITS = "units"


class LabelPrint(db.Model):
    """One print job: who printed which labels of a lot, when, on which stock."""

    __tablename__ = "label_prints"
    __table_args__ = (
        # A lot's jobs, newest first (the print page's and the API's list).
        Index("ix_label_prints_batch_id", "batch_id", "id"),
        CheckConstraint("labels > 0", name="labels_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    # None when no account printed: the demo's stand-in for a cooperative without users.
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    printed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    layout: Mapped[str] = mapped_column(String(20))
    kind: Mapped[PrintKind] = mapped_column(portable_enum(PrintKind, "label_print_kind"))
    # How many labels the PDF holds: ``copies`` of the batch's, or one per unit in the range.
    labels: Mapped[int] = mapped_column(Integer)
    first_unit_id: Mapped[int | None] = mapped_column(Integer)
    last_unit_id: Mapped[int | None] = mapped_column(Integer)
    # Whether this job issued the lot's label (its first by the lot's own organization).
    issued_label: Mapped[bool] = mapped_column(default=False)

    batch: Mapped[Batch] = relationship()
    printed_by: Mapped[User | None] = relationship()
