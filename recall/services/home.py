"""What the home pages show of recalls: open ones with their 24-hour clocks."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, func, literal, or_, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from recall.models import Recall, RecallBatch, RecallRecipient, RecallStatus
from registry.models import User

SHOWN = 10  # recalls listed on a home page


@dataclass
class OpenRecall:
    """An open recall as a home page lists it."""

    recall: Recall
    recipients: int
    acknowledged: int
    # The caller's organization received the lot and has not acknowledged the notice yet.
    to_acknowledge: bool

    @property
    def remaining(self) -> timedelta:
        """Time left on the 24-hour clock (negative once past it)."""
        return self.recall.deadline - datetime.now(UTC)

    @property
    def overdue(self) -> bool:
        """The deadline has passed with a recipient still silent."""
        return self.remaining.total_seconds() < 0 and self.acknowledged < self.recipients


def open_recalls(user: User, limit: int = SHOWN) -> list[OpenRecall]:
    """Open recalls the user must act on, nearest deadline first (one query): the
    department's all of them; an organization's own, and those whose notice it has not
    acknowledged yet."""
    counts = (
        select(
            RecallRecipient.recall_id,
            func.count(RecallRecipient.id).label("total"),
            func.count(RecallRecipient.acknowledged_at).label("acked"),
        )
        .group_by(RecallRecipient.recall_id)
        .subquery()
    )
    org_id = user.organization_id
    if user.is_department or org_id is None:
        mine = literal(False)  # the department receives no lots: nothing to acknowledge
    else:
        mine = exists().where(
            RecallRecipient.recall_id == Recall.id,
            RecallRecipient.organization_id == org_id,
            RecallRecipient.acknowledged_at.is_(None),
        )
    stmt = (
        select(
            Recall,
            func.coalesce(counts.c.total, 0),
            func.coalesce(counts.c.acked, 0),
            mine.label("mine"),
        )
        .outerjoin(counts, counts.c.recall_id == Recall.id)
        .where(Recall.status == RecallStatus.OPEN)
        .options(selectinload(Recall.batch), selectinload(Recall.organization))
        .order_by(Recall.deadline_at, Recall.id)
        .limit(limit)
    )
    if not user.is_department:
        stmt = stmt.where(or_(Recall.organization_id == org_id, mine))
    return [
        OpenRecall(recall, total, acked, bool(own))
        for recall, total, acked, own in db.session.execute(stmt)
    ]


def open_recalls_reaching_lots_of(org_id: int) -> list[Recall]:
    """Open recalls that reach lots of the organization (its own lots, or lots it made from
    recalled ones), oldest first (one query): its figures must say so beside them."""
    stmt = (
        select(Recall)
        .where(
            Recall.status == RecallStatus.OPEN,
            exists().where(
                RecallBatch.recall_id == Recall.id, RecallBatch.organization_id == org_id
            ),
        )
        .options(selectinload(Recall.batch))
        .order_by(Recall.opened_at, Recall.id)
    )
    return list(db.session.scalars(stmt))
