"""Figures for the home pages, aggregated in SQL."""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from core.extensions import db
from registry.models import (
    COOPERATIVE_KINDS,
    MemberHousehold,
    Organization,
    OrgKind,
    OrgStatus,
    Role,
    User,
)
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


@dataclass(frozen=True)
class SetupStep:
    """One step of getting an empty installation going: done or not, and where to do it."""

    key: str
    label: str
    done: bool
    endpoint: str
    args: dict = field(default_factory=dict)


def setup_steps() -> list[SetupStep]:
    """The registry's getting-started steps (agency, organizations, users, households),
    each ticked when the registry holds one (one query)."""
    any_org = lambda *kinds: exists().where(Organization.kind.in_(kinds))  # noqa: E731
    agency, coop, enterprise, users, households = db.session.execute(
        select(
            any_org(OrgKind.AGENCY),
            any_org(*COOPERATIVE_KINDS),
            any_org(OrgKind.ENTERPRISE),
            exists().where(User.role != Role.DEPARTMENT_ADMIN),
            exists().where(MemberHousehold.left_on.is_(None)),
        )
    ).one()
    return [
        SetupStep(
            "agency",
            str(_l("Register the department as an agency")),
            agency,
            "registry.organization_new",
        ),
        SetupStep(
            "organizations",
            str(_l("Register the cooperatives and the enterprises that buy from them")),
            bool(coop and enterprise),
            "registry.organization_new",
        ),
        SetupStep("users", str(_l("Create their users' accounts")), users, "registry.users"),
        SetupStep(
            "households",
            str(_l("Add or import each cooperative's member households")),
            households,
            "registry.organizations",
        ),
    ]


def org_summary(org: Organization | None) -> dict:
    """Counts an organization's user sees first."""
    if org is None:
        return {"households": 0}
    return {"households": active_member_count(org.id)}
