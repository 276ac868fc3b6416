"""What the linkage overview (``/linkage/``) counts and lists, per role, in few queries."""

from datetime import date

from sqlalchemy import case, func, select

from core.clock import vn_today
from core.extensions import db
from linkage.models import Contract
from linkage.names import CONTRACT_STATUS_LABELS, LINKAGE_FORMS
from linkage.services.contracts import contracts_query, status_condition
from registry.models import User

# Signed by every party: in force now, or starting later (listed in this order).
IN_FORCE = ("active", "signed")


def counts_by_status(user: User | None, day: date | None = None) -> dict[str, int]:
    """How many of the caller's current contracts have each status on ``day`` (one query)."""
    day = day or vn_today()
    current = contracts_query(user).order_by(None).subquery()
    counts = db.session.execute(
        select(
            *(func.count(case((status_condition(s, day), 1))) for s in CONTRACT_STATUS_LABELS)
        ).where(Contract.id.in_(select(current.c.id)))
    ).one()
    return dict(zip(CONTRACT_STATUS_LABELS, counts, strict=True))


def counts_by_form(user: User | None) -> dict[int, int]:
    """How many of the caller's current contracts use each of Decree 98's linkage forms."""
    current = contracts_query(user).order_by(None).subquery()
    rows = db.session.execute(
        select(current.c.linkage_form, func.count()).group_by(current.c.linkage_form)
    ).all()
    return {number: 0 for number in LINKAGE_FORMS} | {form: n for form, n in rows}


def recent_contracts(user: User | None, limit: int) -> list[Contract]:
    """The caller's latest current contracts, newest first."""
    return list(db.session.scalars(contracts_query(user).limit(limit)))


def in_force_contracts(user: User | None, day: date | None = None) -> list[Contract]:
    """The caller's contracts signed by every party: in force on ``day`` first, then later ones."""
    day = day or vn_today()
    active, signed = (status_condition(status, day) for status in IN_FORCE)
    stmt = (
        contracts_query(user)
        .where(active | signed)
        .order_by(None)
        .order_by(case((active, 0), else_=1), Contract.created_at.desc(), Contract.id.desc())
    )
    return list(db.session.scalars(stmt))
