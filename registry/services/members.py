"""Member households (hộ thành viên) of cooperatives and cooperative groups."""

import dataclasses
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from core.clock import vn_today
from core.db import vietnamese
from core.errors import NotFound, ValidationFailed
from core.extensions import db
from core.inputs import sent_fields
from core.text import fold
from registry.inputs import MemberInput, MemberPatch
from registry.models import AdminUnit, MemberHousehold, Organization, User
from registry.services.organizations import get_organization
from registry.services.scoping import get_visible
from registry.services.units import current_commune


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
    return stmt.order_by(vietnamese(MemberHousehold.head_name), MemberHousehold.id)


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


def add_member(user: User | None, org_id: int, data: MemberInput) -> MemberHousehold:
    """Add a household to a cooperative (its own users or the department)."""
    org = member_org(user, org_id)
    member = build_member(org, data, _checked_commune(data))
    db.session.add(member)
    db.session.flush()
    return member


def update_member(
    user: User | None, member_id: int, data: MemberInput | MemberPatch
) -> MemberHousehold:
    """Edit a household's details: every field (PUT) or those sent (PATCH).

    A patch is laid over the stored fields and the whole is checked as a PUT would be.
    """
    member = get_member(user, member_id)
    if isinstance(data, MemberPatch):
        data = dataclasses.replace(member_input(member), **sent_fields(data))
    _fill(member, data, _checked_commune(data))
    db.session.flush()
    return member


def member_input(member: MemberHousehold) -> MemberInput:
    """The household's fields as they are stored."""
    return MemberInput(
        head_name=member.head_name,
        admin_unit=member.admin_unit.code,
        village=member.village,
        phone=member.phone,
        planted_area_ha=member.planted_area_ha,
        member_type=member.member_type,
        joined_on=member.joined_on,
    )


def leave_member(user: User | None, member_id: int, left_on: date) -> MemberHousehold:
    """Record that a household left the cooperative on ``left_on``."""
    member = get_member(user, member_id)
    if member.left_on is not None:
        raise ValidationFailed.on_field("left_on", _("This household has already left."))
    if member.joined_on and left_on < member.joined_on:
        raise ValidationFailed.on_field(
            "left_on", _("The leaving date is before the joining date.")
        )
    if left_on > vn_today():
        raise ValidationFailed.on_field("left_on", _("The leaving date is in the future."))
    member.left_on = left_on
    db.session.flush()
    return member


def check_member_values(
    data: MemberInput | MemberPatch, today: date | None = None
) -> dict[str, list[str]]:
    """The rules on a household's values that need no database: {field: [messages]}.

    A field may be UNSET (an import's bad row): it is then not checked.
    """
    today = today or vn_today()
    if data.joined_on and data.joined_on > today:
        return {"joined_on": [_("The joining date is in the future.")]}
    return {}


def build_member(org: Organization, data: MemberInput, unit: AdminUnit) -> MemberHousehold:
    """A new household of ``org`` from checked ``data`` in commune ``unit``; runs no query.

    The rules are ``check_member_values`` and ``units.current_communes``, checked before.
    """
    member = MemberHousehold(organization=org)
    _fill(member, data, unit)
    return member


def _checked_commune(data: MemberInput) -> AdminUnit:
    """Refuse values that break a rule (422), then find their commune."""
    errors = check_member_values(data)
    if errors:
        name, messages = next(iter(errors.items()))
        raise ValidationFailed(messages[0], {name: messages})
    return current_commune(data.admin_unit)


def household_key(head_name: str, admin_unit_id: int, phone: str | None) -> tuple:
    """What identifies a household within its cooperative when it has no code: the head's
    name (case, accents and spaces folded), the commune, and the phone's digits."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    return (" ".join(fold(head_name).split()), admin_unit_id, digits)


class HouseholdIndex:
    """Every household of a cooperative (those that left too), found by ``household_key``.

    A key whose phone is empty on one side matches the one household of that name and
    commune, if there is exactly one: a file without phones still finds its households.
    """

    def __init__(self, org_id: int):
        rows = db.session.scalars(
            select(MemberHousehold)
            .where(MemberHousehold.organization_id == org_id)
            .order_by(MemberHousehold.id)
        )
        self.exact: dict[tuple, MemberHousehold] = {}
        self.by_name: dict[tuple, list[MemberHousehold]] = {}
        for member in rows:
            key = household_key(member.head_name, member.admin_unit_id, member.phone)
            self.exact.setdefault(key, member)
            self.by_name.setdefault(key[:2], []).append(member)

    def find(self, key: tuple) -> MemberHousehold | None:
        """The household of this key, or None."""
        if key in self.exact:
            return self.exact[key]
        candidates = [
            member
            for member in self.by_name.get(key[:2], [])
            if not key[2] or not household_key(member.head_name, 0, member.phone)[2]
        ]
        return candidates[0] if len(candidates) == 1 else None


def merge_member(
    member: MemberHousehold, data: MemberInput, unit: AdminUnit, fields: set[str]
) -> bool:
    """Lay the ``fields`` of an imported row over a household; True if anything changed."""
    stored = member_input(member)
    values = {name: getattr(data, name) for name in fields}
    if household_key(values.get("head_name", ""), 0, None) == household_key(
        stored.head_name, 0, None
    ):
        values.pop("head_name", None)  # typed without accents or in capitals: keep the stored
    merged = dataclasses.replace(stored, **values)
    if merged == stored:
        return False
    _fill(member, merged, unit)
    return True


def _fill(member: MemberHousehold, data: MemberInput, unit: AdminUnit) -> None:
    member.head_name = data.head_name
    member.village = data.village
    member.phone = data.phone
    member.planted_area_ha = data.planted_area_ha
    member.joined_on = data.joined_on
    member.admin_unit = unit
    member.member_type = data.member_type
    member.search_text = fold(
        " ".join(filter(None, [member.head_name, member.village, member.phone]))
    )
