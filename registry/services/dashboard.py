"""Figures for the home pages, aggregated in SQL."""

from sqlalchemy import func, select

from core.extensions import db
from registry.models import MemberHousehold, Organization, OrgKind, OrgStatus, User
from registry.services.members import active_member_count


def registry_summary() -> dict:
    """Counts the department sees first: organizations by kind and status, households, users."""
    rows = db.session.execute(
        select(Organization.kind, Organization.status, func.count()).group_by(
            Organization.kind, Organization.status
        )
    ).all()
    by_kind: dict[str, dict[str, int]] = {kind.value: {} for kind in OrgKind}
    for kind, status, count in rows:
        by_kind[kind.value][status.value] = count
    households = db.session.scalar(
        select(func.count()).select_from(MemberHousehold).where(MemberHousehold.left_on.is_(None))
    )
    users = db.session.scalar(select(func.count()).select_from(User))
    return {
        "by_kind": by_kind,
        "households": households,
        "users": users,
        "active": OrgStatus.ACTIVE.value,
    }


def org_summary(org: Organization | None) -> dict:
    """Counts an organization's user sees first."""
    if org is None:
        return {"households": 0}
    return {"households": active_member_count(org.id)}
