"""Member households (hộ thành viên) of cooperatives and cooperative groups."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from core.errors import NotFound, ValidationFailed
from core.extensions import db
from core.text import fold
from registry.models import AdminUnit, MemberHousehold, MemberType, Organization, User
from registry.services.organizations import get_organization
from registry.services.scoping import get_visible
from registry.services.units import current_commune

_PLAIN_FIELDS = ("head_name", "village", "phone", "planted_area_ha", "joined_on")


def member_org(user: User | None, org_id: int) -> Organization:
    """The cooperative whose members the caller wants, if it may manage them."""
    org = get_organization(user, org_id)
    if not org.is_cooperative_kind:
        raise NotFound(_("Only cooperatives, groups and unions have member households."))
    return org


def members_query(
    user: User | None, org_id: int, q: str | None = None, include_left: bool = False
) -> Select:
    """A select() of a cooperative's member households, newest first."""
    member_org(user, org_id)
    stmt = (
        select(MemberHousehold)
        .options(selectinload(MemberHousehold.admin_unit))
        .where(MemberHousehold.organization_id == org_id)
    )
    if not include_left:
        stmt = stmt.where(MemberHousehold.left_on.is_(None))
    if q:
        stmt = stmt.where(MemberHousehold.search_text.contains(fold(q), autoescape=True))
    return stmt.order_by(MemberHousehold.head_name, MemberHousehold.id)


def active_member_count(org_id: int) -> int:
    """How many households are members today."""
    return db.session.scalar(
        select(func.count())
        .select_from(MemberHousehold)
        .where(MemberHousehold.organization_id == org_id, MemberHousehold.left_on.is_(None))
    )


def get_member(user: User | None, member_id: int) -> MemberHousehold:
    """A member household, if the caller may see its cooperative's members."""
    return get_visible(user, MemberHousehold, member_id, _("No such member household."))


def add_member(user: User | None, org_id: int, values: dict) -> MemberHousehold:
    """Add a household to a cooperative (its own users or the department)."""
    org = member_org(user, org_id)
    member = build_member(org, values, _checked_commune(values))
    db.session.add(member)
    db.session.flush()
    return member


def update_member(user: User | None, member_id: int, values: dict) -> MemberHousehold:
    """Edit a household's details."""
    member = get_member(user, member_id)
    _fill(member, values, _checked_commune(values))
    db.session.flush()
    return member


def leave_member(user: User | None, member_id: int, left_on: date) -> MemberHousehold:
    """Record that a household left the cooperative on ``left_on``."""
    member = get_member(user, member_id)
    if member.left_on is not None:
        raise ValidationFailed.on_field("left_on", _("This household has already left."))
    if member.joined_on and left_on < member.joined_on:
        raise ValidationFailed.on_field(
            "left_on", _("The leaving date is before the joining date.")
        )
    if left_on > date.today():
        raise ValidationFailed.on_field("left_on", _("The leaving date is in the future."))
    member.left_on = left_on
    db.session.flush()
    return member


def check_member_values(values: dict) -> dict[str, list[str]]:
    """The rules on a household's values that need no database: {field: [messages]}."""
    joined_on = values.get("joined_on")
    if joined_on and joined_on > date.today():
        return {"joined_on": [_("The joining date is in the future.")]}
    return {}


def build_member(org: Organization, values: dict, unit: AdminUnit) -> MemberHousehold:
    """A new household of ``org`` from checked ``values`` in commune ``unit``; runs no query.

    The rules are ``check_member_values`` and ``units.current_communes``, checked before.
    """
    member = MemberHousehold(organization=org)
    _fill(member, values, unit)
    return member


def _checked_commune(values: dict) -> AdminUnit:
    """Refuse values that break a rule (422), then find their commune."""
    errors = check_member_values(values)
    if errors:
        name, messages = next(iter(errors.items()))
        raise ValidationFailed(messages[0], {name: messages})
    return current_commune(values["admin_unit"])


def _fill(member: MemberHousehold, values: dict, unit: AdminUnit) -> None:
    for name in _PLAIN_FIELDS:
        setattr(member, name, values.get(name))
    member.admin_unit = unit
    member.member_type = MemberType(values.get("member_type") or MemberType.OFFICIAL)
    member.search_text = fold(
        " ".join(filter(None, [member.head_name, member.village, member.phone]))
    )
