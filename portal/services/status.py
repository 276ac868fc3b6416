"""What the outbox holds: counts by destination, kind and status; the failing rows; retry."""

from sqlalchemy import func, select, update

from core.db import utcnow
from core.extensions import db
from portal.models import OutboxRecord, OutboxStatus
from registry.models import User
from registry.services.scoping import require_department

PROBLEM_STATUSES = (OutboxStatus.RETRYING, OutboxStatus.FAILING)


def counts(user: User | None) -> list[dict]:
    """One row per destination and kind: how many are pending, retrying, failing, sent."""
    require_department(user)
    stmt = (
        select(OutboxRecord.destination, OutboxRecord.kind, OutboxRecord.status, func.count())
        .group_by(OutboxRecord.destination, OutboxRecord.kind, OutboxRecord.status)
        .order_by(OutboxRecord.destination, OutboxRecord.kind)
    )
    table: dict[tuple, dict] = {}
    for destination, kind, status, count in db.session.execute(stmt):
        row = table.setdefault(
            (destination, kind),
            {"destination": destination, "kind": kind.value}
            | {state.value: 0 for state in OutboxStatus},
        )
        row[status.value] = count
    return list(table.values())


def problem_counts() -> dict[str, int]:
    """How many outbox rows are retrying and how many failing (one query), for the
    department's home page: {"retrying": n, "failing": m}."""
    found = dict(
        db.session.execute(
            select(OutboxRecord.status, func.count())
            .where(OutboxRecord.status.in_(PROBLEM_STATUSES))
            .group_by(OutboxRecord.status)
        ).all()
    )
    return {state.value: found.get(state, 0) for state in PROBLEM_STATUSES}


def problems_query(user: User | None, destination: str | None = None):
    """The rows that failed at least once and are not sent yet, failing ones first."""
    require_department(user)
    stmt = select(OutboxRecord).where(OutboxRecord.status.in_(PROBLEM_STATUSES))
    if destination:
        stmt = stmt.where(OutboxRecord.destination == destination)
    failing_first = (OutboxRecord.status == OutboxStatus.FAILING).desc()
    return stmt.order_by(failing_first, OutboxRecord.id)


def retry(user: User | None, destination: str | None = None) -> int:
    """Make failing (and backing-off) rows due now with a fresh count of attempts; how many."""
    require_department(user)
    stmt = (
        update(OutboxRecord)
        .where(OutboxRecord.status.in_(PROBLEM_STATUSES))
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=utcnow())
    )
    if destination:
        stmt = stmt.where(OutboxRecord.destination == destination)
    result = db.session.execute(stmt.execution_options(synchronize_session=False))
    db.session.flush()
    return result.rowcount
