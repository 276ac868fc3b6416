"""The outbox: filled set-based from the records, claimed in batches, marked after sending.

Enqueueing is one ``INSERT … SELECT … WHERE NOT EXISTS`` per record kind, and the unique
constraint (destination, kind, record key) with ``ON CONFLICT DO NOTHING`` means two
workers enqueueing at once still add each record once. Claiming locks due rows with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers never send the same row at the same
time; the lock lasts until the worker commits the batch's outcome, and a worker that dies
mid-send simply releases it (the rows stay due and are sent again).
"""

from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, exists, func, literal, or_, select
from sqlalchemy.dialects import postgresql, sqlite

from core.db import utcnow
from core.extensions import db
from portal.models import DUE_STATUSES, OutboxRecord, OutboxStatus, RecordKind
from registry.models import Organization, OrgKind
from trace.models import Product, Site, TraceEvent

INSERT_COLUMNS = (
    "destination",
    "kind",
    "record_key",
    "record_id",
    "status",
    "attempts",
    "next_attempt_at",
    "created_at",
)


def _text(column):
    return func.coalesce(cast(column, String), "")


def _sources() -> dict[RecordKind, tuple]:
    """Per kind: (record id column, record key expression, the select's extra conditions)."""
    shared_org = or_(
        exists().where(Product.organization_id == Organization.id),
        exists().where(TraceEvent.organization_id == Organization.id),
    )
    return {
        # The profile is shared again whenever the organization changes (updated_at).
        RecordKind.ORGANIZATION: (
            Organization.id,
            cast(Organization.id, String) + "@" + _text(Organization.updated_at),
            (Organization.kind != OrgKind.AGENCY, shared_org),
        ),
        # Products and sites carry no change stamp: shared again when a code changes.
        RecordKind.PRODUCT: (Product.id, cast(Product.id, String) + ":" + _text(Product.gtin), ()),
        RecordKind.SITE: (
            Site.id,
            cast(Site.id, String) + ":" + _text(Site.planting_area_code) + ":" + _text(Site.gln),
            (),
        ),
        RecordKind.EVENT: (TraceEvent.id, TraceEvent.event_hash, ()),
    }


def enqueue(destination: str, kinds) -> int:
    """Add every record of ``kinds`` not yet in the outbox for ``destination``; how many."""
    now = utcnow()
    sources = _sources()
    added = 0
    for kind in kinds:
        id_column, key, conditions = sources[kind]
        already = exists().where(
            and_(
                OutboxRecord.destination == destination,
                OutboxRecord.kind == kind,
                OutboxRecord.record_key == key,
            )
        )
        source = (
            select(
                literal(destination, String),
                literal(kind.value, String),
                key,
                id_column,
                literal(OutboxStatus.PENDING.value, String),
                literal(0),
                literal(now, OutboxRecord.next_attempt_at.type),
                literal(now, OutboxRecord.created_at.type),
            )
            .where(~already, *conditions)
            .order_by(id_column)
        )
        result = db.session.execute(_insert().from_select(INSERT_COLUMNS, source))
        added += max(result.rowcount or 0, 0)
    db.session.flush()
    return added


def _insert():
    insert = postgresql.insert if _dialect() == "postgresql" else sqlite.insert
    return insert(OutboxRecord.__table__).on_conflict_do_nothing()


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def due_count(destination: str, now: datetime | None = None) -> int:
    """How many rows are due to be sent now."""
    return db.session.scalar(
        select(func.count()).select_from(OutboxRecord).where(*_due(destination, now or utcnow()))
    )


def claim(destination: str, size: int) -> list[OutboxRecord]:
    """Lock and return up to ``size`` due rows, oldest first; rows another worker holds are
    skipped (PostgreSQL; SQLite runs a single worker)."""
    stmt = (
        select(OutboxRecord)
        .where(*_due(destination, utcnow()))
        .order_by(OutboxRecord.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    return list(db.session.scalars(stmt))


def _due(destination: str, now: datetime) -> tuple:
    return (
        OutboxRecord.destination == destination,
        OutboxRecord.status.in_(DUE_STATUSES),
        OutboxRecord.next_attempt_at <= now,
    )


def mark_sent(rows: list[OutboxRecord]) -> None:
    """The destination has them (2xx): sent, for good."""
    now = utcnow()
    for row in rows:
        row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, None
        row.attempts += 1
    db.session.flush()


def mark_refused(rows: list[OutboxRecord], problems: dict[int, str]) -> None:
    """Refused for what they are (a schema or the destination said no): failing at once."""
    for row in rows:
        row.status, row.last_error = OutboxStatus.FAILING, problems[row.id][:500]
        row.attempts += 1
    db.session.flush()


def mark_failed(rows: list[OutboxRecord], error: str, delay: float, max_attempts: int) -> None:
    """A failed attempt: due again after ``delay`` seconds, or failing past the last attempt.

    The whole batch comes due at the same moment, so it is re-sent as the same batch (and
    under the same Idempotency-Key).
    """
    due = utcnow() + timedelta(seconds=delay)
    for row in rows:
        row.attempts += 1
        row.last_error = error[:500]
        if row.attempts >= max_attempts:
            row.status = OutboxStatus.FAILING
        else:
            row.status = OutboxStatus.RETRYING
            row.next_attempt_at = due
    db.session.flush()
