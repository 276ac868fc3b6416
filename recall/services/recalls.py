"""Recalls (thu hồi): opened on a lot, traced forward, acknowledged by recipients, closed.

Circular 17/2021/TT-BNNPTNT expects a producer to act within 24 hours of finding
an unsafe lot; the recall's deadline is ``opened_at`` + RECALL_DEADLINE_HOURS.
Services flush and never commit; the caller commits once, then calls
``after_commit`` to refresh consumer pages and queue the notices for the worker.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Select, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

import jobs
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from recall.models import (
    AckChannel,
    Recall,
    RecallBatch,
    RecallOutcome,
    RecallRecipient,
    RecallSeverity,
    RecallStatus,
)
from recall.services import affected, notices
from recall.services.events import record_recall_event
from registry.models import Role, User
from registry.services.scoping import scope_to_caller, sees_everything
from trace.models import Batch, BatchStatus
from trace.services.batches import get_batch
from trace.services.genealogy import trace_batch
from trace.services.revisions import record_revisions
from trace.signals import announce_lots_changed

SEND_NOTICES_JOB = "recall.send_notices"  # declared in recall.tasks


def may_open(user: User | None, batch: Batch) -> bool:
    """The department on any lot; a cooperative on its own; never an enterprise."""
    if user is None:
        return False
    if sees_everything(user):
        return True
    return user.role == Role.COOPERATIVE and user.organization_id == batch.organization_id


def may_manage(user: User | None, recall: Recall) -> bool:
    """Who may close a recall: the department, or the organization whose lot it is."""
    if user is None:
        return False
    return sees_everything(user) or (
        user.role == Role.COOPERATIVE and user.organization_id == recall.organization_id
    )


def open_recall(user: User, values: dict) -> Recall:
    """Open a recall on a lot: affected lots recalled, recipients and notices recorded (flushed)."""
    batch = get_batch(user, values["batch_id"])
    if not may_open(user, batch):
        raise Forbidden(_("Only the producing cooperative or the department may recall this lot."))
    # Locked so two recalls of one lot opened at the same moment cannot both pass.
    db.session.execute(select(Batch.id).where(Batch.id == batch.id).with_for_update())
    db.session.refresh(batch)
    if batch.status == BatchStatus.RECALLED:
        raise Conflict.on_field(
            "batch_id", _("Lot %(lot)s is already recalled.", lot=batch.lot_code)
        )
    now = datetime.now(UTC)
    recall = Recall(
        batch_id=batch.id,
        organization_id=batch.organization_id,
        reason=values["reason"],
        severity=RecallSeverity(values["severity"]),
        status=RecallStatus.OPEN,
        opened_by_id=user.id,
        opened_at=now,
        deadline_at=now + timedelta(hours=current_app.config["RECALL_DEADLINE_HOURS"]),
    )
    trace = trace_batch(user, batch.id, "forward")
    recall.batches = affected.affected_batches(trace)
    found = affected.recipients(trace, user.organization_id)
    recall.recipients = [recipient for recipient, _contacts in found]
    db.session.add(recall)
    db.session.flush()
    _mark_recalled([row.batch_id for row in recall.batches])
    _attach_batches(recall)
    recall.event_id = record_recall_event(recall, user).id
    for recipient, contacts in found:
        notices.add_notices(recall, recipient, contacts.emails)
    return recall


def _attach_batches(recall: Recall) -> None:
    # One query for every lot with its product and holder; held by the rows (the session's
    # identity map is weak), so the event and the answer read them without a query each.
    ids = [row.batch_id for row in recall.batches]
    loaded = {
        batch.id: batch
        for batch in db.session.scalars(
            select(Batch)
            .options(selectinload(Batch.product), selectinload(Batch.organization))
            .where(Batch.id.in_(ids))
        )
    }
    for row in recall.batches:
        set_committed_value(row, "batch", loaded[row.batch_id])
        set_committed_value(row, "organization", loaded[row.batch_id].organization)


def _mark_recalled(batch_ids: list[int]) -> None:
    db.session.execute(
        update(Batch)
        .where(Batch.id.in_(batch_ids))
        .values(status=BatchStatus.RECALLED)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    record_revisions(batch_ids)  # a bulk UPDATE: no flush sees it change the lots
    announce_lots_changed(batch_ids)  # their consumer pages show the recall once committed


def after_commit(recall: Recall) -> None:
    """What follows a committed recall: the notices queued for the worker (``recall.tasks``;
    its minutely job sends them if the queue was unreachable)."""
    jobs.enqueue(SEND_NOTICES_JOB, recall.id)


def recalls_query(user: User | None, status: str | None = None) -> Select:
    """Recalls the caller may see: the department all; others their own and those reaching them."""
    reaching = lambda org_id: Recall.id.in_(  # noqa: E731 - a condition factory
        select(RecallRecipient.recall_id).where(RecallRecipient.organization_id == org_id)
    )
    stmt = scope_to_caller(select(Recall), user, Recall.organization_id, shared_with=reaching)
    if status:
        stmt = stmt.where(Recall.status == RecallStatus(status))
    return stmt.options(
        selectinload(Recall.batch),
        selectinload(Recall.organization),
        selectinload(Recall.recipients),
    ).order_by(Recall.opened_at.desc(), Recall.id.desc())


def get_recall(user: User | None, recall_id: int) -> Recall:
    """A recall the caller may see, with its lots and recipients, or 404."""
    stmt = recalls_query(user).where(Recall.id == recall_id)
    recall = db.session.scalar(
        stmt.options(
            selectinload(Recall.batches)
            .selectinload(RecallBatch.batch)
            .selectinload(Batch.product),
            selectinload(Recall.batches).selectinload(RecallBatch.organization),
            selectinload(Recall.recipients).selectinload(RecallRecipient.organization),
            selectinload(Recall.recipients).selectinload(RecallRecipient.notices),
        )
    )
    if recall is None:
        raise NotFound(_("No such recall."))
    return recall


def recall_reaching(user: User | None, batch_id: int) -> Recall:
    """The latest recall the caller may see that reaches lot ``batch_id``, or 404."""
    reaching = select(RecallBatch.recall_id).where(RecallBatch.batch_id == batch_id)
    recall = db.session.scalar(recalls_query(user).where(Recall.id.in_(reaching)).limit(1))
    if recall is None:
        raise NotFound(_("No recall of this lot that you may see."))
    return recall


class RecipientView:
    """A recall as a recipient reads it: its own row and lots, not the other recipients'.

    Whom else a producer sold to, and how much, is that producer's business; the
    producer and the department read the whole recall.
    """

    def __init__(self, recall: Recall, recipient: RecallRecipient):
        self._recall = recall
        self.recipients = [recipient]
        own = {item["batch_id"] for item in recipient.received}
        self.batches = [
            row
            for row in recall.batches
            if row.depth == 0
            or row.batch_id in own
            or row.organization_id == recipient.organization_id
        ]

    def __getattr__(self, name):
        return getattr(self._recall, name)

    @property
    def pending_recipients(self) -> list[RecallRecipient]:
        """The caller's own row while it has not acknowledged."""
        return [r for r in self.recipients if r.acknowledged_at is None]


def for_caller(user: User | None, recall: Recall):
    """The recall itself for those who manage it; a ``RecipientView`` for a recipient."""
    if may_manage(user, recall):
        return recall
    mine = recipient_of(user, recall)
    return RecipientView(recall, mine) if mine is not None else recall


def recipient_of(user: User | None, recall: Recall) -> RecallRecipient | None:
    """The caller's organization's place among the recall's recipients, if it has one."""
    if user is None or user.organization_id is None:
        return None
    return next((r for r in recall.recipients if r.organization_id == user.organization_id), None)


def acknowledge(user: User, recall_id: int, via: AckChannel, name: str | None = None):
    """Record that the caller's organization has the notice (idempotent: the first time stays)."""
    recall = get_recall(user, recall_id)
    recipient = recipient_of(user, recall)
    if recipient is None:
        raise Forbidden(_("Your organization is not a recipient of this recall."))
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = datetime.now(UTC)
        recipient.acknowledged_by_id = user.id
        recipient.acknowledged_by_name = (name or user.full_name)[:120]
        recipient.acknowledged_via = via
        db.session.flush()
    return recall


def acknowledge_by_token(token: str, name: str | None) -> RecallRecipient:
    """Record an acknowledgement made through the link in a notice (no login)."""
    recipient = notices.recipient_for_token(token)
    if recipient.acknowledged_at is None:
        recipient.acknowledged_at = datetime.now(UTC)
        recipient.acknowledged_by_name = (name or "")[:120] or None
        recipient.acknowledged_via = AckChannel.LINK
        db.session.flush()
    return recipient


def close_recall(user: User, recall_id: int, values: dict) -> Recall:
    """Close an open recall with its outcome (the producer or the department)."""
    recall = get_recall(user, recall_id)
    if not may_manage(user, recall):
        raise Forbidden(_("Only the producing cooperative or the department may close a recall."))
    if not recall.is_open:
        raise Conflict.on_field("outcome", _("This recall is already closed."))
    if values["outcome"] == "other" and not values.get("note"):
        raise ValidationFailed.on_field("note", _("Say what became of the goods."))
    recall.status = RecallStatus.CLOSED
    recall.closed_at = datetime.now(UTC)
    recall.closed_by_id = user.id
    recall.outcome = RecallOutcome(values["outcome"])
    recall.outcome_note = values.get("note")
    db.session.flush()
    return recall


@dataclass
class Clock:
    """Where a recall stands against its deadline."""

    deadline: datetime
    remaining: timedelta
    overdue: bool
    acknowledged: int
    total: int
    pending: list[RecallRecipient]

    @property
    def remaining_hours(self) -> float:
        """Hours left (negative once past the deadline)."""
        return self.remaining.total_seconds() / 3600


def clock(recall: Recall, now: datetime | None = None) -> Clock:
    """The recall's clock: time left, and who has not acknowledged."""
    now = now or datetime.now(UTC)
    end = recall.closed_at or now
    if end.tzinfo is None:
        end = end.replace(tzinfo=UTC)
    pending = recall.pending_recipients
    remaining = recall.deadline - end
    return Clock(
        deadline=recall.deadline,
        remaining=remaining,
        overdue=remaining.total_seconds() < 0 and bool(pending),
        acknowledged=len(recall.recipients) - len(pending),
        total=len(recall.recipients),
        pending=pending,
    )


def is_late(recipient: RecallRecipient, recall: Recall) -> bool:
    """True when a recipient acknowledged after the deadline, or has not and the deadline passed."""
    moment = recipient.acknowledged or datetime.now(UTC)
    return moment > recall.deadline
