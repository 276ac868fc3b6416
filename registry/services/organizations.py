"""Organizations: create, edit, list and fetch, scoped to the caller."""

import dataclasses
from collections.abc import Callable, Hashable, Iterable, Mapping

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from core.clock import vn_today
from core.db import vietnamese
from core.errors import Conflict
from core.extensions import db
from core.inputs import sent_fields
from core.text import fold
from registry.inputs import NewOrganization, OrganizationInput, OrganizationPatch
from registry.models import (
    AdminUnit,
    Organization,
    OrgKind,
    OrgRating,
    OrgStatus,
    Rating,
    Sector,
    User,
)
from registry.services.scoping import (
    get_visible,
    require_department,
    scope_to_caller,
)
from registry.services.units import current_commune

# fail(row number, field, message): how the rule checks report a problem.
Fail = Callable[[int, str, str], None]
# An organization's input (or patch): a field may be UNSET in an import's salvaged row.
Values = OrganizationInput | OrganizationPatch
# The editable fields stored as they are given; kind, commune and sector are set apart.
_PLAIN_FIELDS = (
    "name",
    "short_name",
    "registration_code",
    "tax_code",
    "address",
    "latitude",
    "longitude",
    "main_products",
    "representative",
    "phone",
    "email",
    "gln",
    "established_on",
    "member_count",
)


def organizations_query(
    user: User | None,
    kind: str | None = None,
    admin_unit: str | None = None,
    sector: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> Select:
    """A select() of the organizations the caller may see, narrowed by the filters."""
    stmt = select(Organization).options(
        selectinload(Organization.admin_unit), selectinload(Organization.ratings)
    )
    stmt = scope_to_caller(stmt, user, Organization.id)
    if kind:
        stmt = stmt.where(Organization.kind == OrgKind(kind))
    if sector:
        stmt = stmt.where(Organization.sector == Sector(sector))
    if status:
        stmt = stmt.where(Organization.status == OrgStatus(status))
    if admin_unit:
        unit_ids = select(AdminUnit.id).where(AdminUnit.code == admin_unit)
        stmt = stmt.where(
            Organization.admin_unit_id.in_(unit_ids)
            | Organization.admin_unit_id.in_(
                select(AdminUnit.id).where(AdminUnit.parent_id.in_(unit_ids))
            )
        )
    if q:
        stmt = stmt.where(Organization.search_text.contains(fold(q), autoescape=True))
    return stmt.order_by(vietnamese(Organization.name), Organization.id)


def get_organization(user: User | None, org_id: int) -> Organization:
    """The organization, if the caller may see it; otherwise 404."""
    message = _("No such organization.")
    return get_visible(user, Organization, org_id, message, owner=lambda org: org.id)


def directory(user: User, kinds: Iterable[OrgKind] | None = None) -> list[Organization]:
    """Active organizations other than the caller's, by name: whom a form may name as partner.

    A directory of names, not anyone's records, so it is not scoped to the caller.
    """
    stmt = select(Organization).where(
        Organization.status == OrgStatus.ACTIVE, Organization.id != user.organization_id
    )
    if kinds is not None:
        stmt = stmt.where(Organization.kind.in_(list(kinds)))
    return list(db.session.scalars(stmt.order_by(vietnamese(Organization.name), Organization.id)))


def find_by_registration_code(code: str) -> Organization | None:
    """The organization (of any kind) with this registration code, if exactly one has it."""
    matches = list(
        db.session.scalars(
            select(Organization).where(Organization.registration_code == code).limit(2)
        )
    )
    return matches[0] if len(matches) == 1 else None


def create_organization(user: User | None, data: NewOrganization) -> Organization:
    """Register an organization (department only)."""
    require_department(user)
    org = build_organization(data, _checked_commune(data))
    db.session.add(org)
    db.session.flush()
    return org


def update_organization(
    user: User | None, org_id: int, data: OrganizationInput | OrganizationPatch
) -> Organization:
    """Edit an organization (department only): every field (PUT) or those sent (PATCH).

    A patch is laid over the stored fields and the whole is checked as a PUT would be.
    """
    require_department(user)
    org = get_organization(user, org_id)
    if isinstance(data, OrganizationPatch):
        data = dataclasses.replace(organization_input(org), **sent_fields(data))
    build_organization(data, _checked_commune(data, org.id), org)
    db.session.flush()
    return org


def organization_input(org: Organization) -> OrganizationInput:
    """The organization's editable fields as they are stored (its rating is not one)."""
    return OrganizationInput(
        kind=org.kind,
        admin_unit=org.admin_unit.code,
        **{name: getattr(org, name) for name in _PLAIN_FIELDS},
    )


def find_conflicts(
    rows: Mapping[int, Values],
    exclude_id: int | None = None,
    updates: Mapping[int, int] | None = None,
) -> dict[int, dict[str, list[str]]]:
    """The rows that clash on kind + registration code or on GLN, in two queries.

    ``rows`` maps a row number (named in "also appears in row" messages) to an input or,
    for an import's bad row, a patch (a field may be UNSET). A row clashes with the registry
    (except the organization ``exclude_id``, being edited, or the one ``updates`` says the
    row updates: {row number: organization id}) or with an earlier row.
    Returns {row number: {field: [messages]}}.
    """
    conflicts: dict[int, dict[str, list[str]]] = {}
    updates = updates or {}

    def fail(number: int, name: str, message: str) -> None:
        conflicts.setdefault(number, {}).setdefault(name, []).append(message)

    _code_conflicts(rows, exclude_id, updates, fail)
    _gln_conflicts(rows, exclude_id, updates, fail)
    return conflicts


def find_registered(rows: Mapping[int, Values]) -> dict[int, Organization]:
    """The organizations already registered under the rows' kind + registration code, by row
    number (with their commune and ratings, for ``merge_organization``); one query."""
    keys = {number: key for number, values in rows.items() if (key := _kind_and_code(values))}
    if not keys:
        return {}
    stmt = (
        select(Organization)
        .options(selectinload(Organization.admin_unit), selectinload(Organization.ratings))
        .where(Organization.registration_code.in_({code for _kind, code in keys.values()}))
    )
    found = {(org.kind, org.registration_code): org for org in db.session.scalars(stmt)}
    return {number: found[key] for number, key in keys.items() if key in found}


def merge_organization(
    org: Organization, data: OrganizationInput, unit: AdminUnit, fields: set[str]
) -> bool:
    """Lay the ``fields`` of an imported row over a registered organization; True if anything
    changed. Its status is not among them: statuses change through their own rules."""
    stored = organization_input(org)
    editable = {field.name for field in dataclasses.fields(OrganizationInput)}
    merged = dataclasses.replace(
        stored, **{name: getattr(data, name) for name in fields & editable}
    )
    year = merged.rating_year or vn_today().year - 1
    held = next((r.rating for r in org.ratings if r.year == year), None)
    if merged.rating is None or merged.rating == held:
        merged = dataclasses.replace(merged, rating=None, rating_year=None)
    if merged == stored:
        return False
    build_organization(merged, unit, org)
    return True


def build_organization(
    data: OrganizationInput, unit: AdminUnit, org: Organization | None = None
) -> Organization:
    """Fill ``org`` (a new one by default) from checked ``data`` in commune ``unit``.

    Runs no query for a new organization: the rules that need the database are
    ``find_conflicts`` and ``units.current_communes``, checked before. The status is
    set at registration only (a NewOrganization); later it changes in ``statuses``.
    """
    if org is None:
        org = Organization(status=OrgStatus.ACTIVE)
        if isinstance(data, NewOrganization):
            org.status, org.status_since = data.status, data.status_since
    org.kind = data.kind
    for name in _PLAIN_FIELDS:
        setattr(org, name, getattr(data, name))
    org.admin_unit = unit
    org.sector = data.sector
    words = [org.name, org.short_name, org.registration_code, org.address, unit.full_name]
    org.search_text = fold(" ".join(filter(None, words)))
    if data.rating:
        _set_rating(org, data.rating_year, data.rating)
    return org


def _checked_commune(data: OrganizationInput, org_id: int | None = None) -> AdminUnit:
    """Refuse values that clash with another organization (409), then find their commune."""
    conflicts = find_conflicts({0: data}, org_id).get(0)
    if conflicts:
        # A 409 carries one message, so it names one field: the registration code first.
        name, messages = next(iter(conflicts.items()))
        raise Conflict(messages[0], {name: messages})
    return current_commune(data.admin_unit)


def _set_rating(org: Organization, year: int | None, rating: Rating) -> None:
    year = year or vn_today().year - 1
    existing = next((r for r in org.ratings if r.year == year), None)
    if existing:
        existing.rating = rating
    else:
        org.ratings.append(OrgRating(year=year, rating=rating))


def _first_rows(
    rows: Mapping[int, Values],
    key_of: Callable[[Values], Hashable | None],
    repeated: Callable[[int, Values, int], None],
) -> dict:
    """Each key's first row number; a later row with the same key is passed to ``repeated``."""
    first: dict = {}
    for number, values in rows.items():
        key = key_of(values)
        if key is None:
            continue
        if key in first:
            repeated(number, values, first[key])
        else:
            first[key] = number
    return first


def _kind_and_code(values: Values) -> tuple[OrgKind, str] | None:
    kind, code = values.kind, values.registration_code
    return (kind, code) if kind and code else None


def _code_conflicts(
    rows: Mapping[int, Values], exclude_id: int | None, updates: Mapping[int, int], fail: Fail
) -> None:
    """Kind + registration code is unique in the batch and in the registry."""

    def repeated(number: int, values: Values, first: int) -> None:
        code = values.registration_code
        message = _("Registration code %(code)s also appears in row %(row)s.", code=code, row=first)
        fail(number, "registration_code", message)

    first = _first_rows(rows, _kind_and_code, repeated)
    if not first:
        return
    stmt = select(
        Organization.kind, Organization.registration_code, Organization.name, Organization.id
    ).where(Organization.registration_code.in_([code for _kind, code in first]))
    for kind, code, name, org_id in db.session.execute(_excluding(stmt, exclude_id)):
        number = first.get((kind, code))
        if number is not None and updates.get(number) != org_id:
            message = _(
                "Registration code %(code)s is already used by %(name)s (id %(id)s).",
                code=code,
                name=name,
                id=org_id,
            )
            fail(number, "registration_code", message)


def _gln_conflicts(
    rows: Mapping[int, Values], exclude_id: int | None, updates: Mapping[int, int], fail: Fail
) -> None:
    """A GLN belongs to one organization, in the batch and in the registry."""

    def repeated(number: int, values: Values, first: int) -> None:
        gln = values.gln
        fail(number, "gln", _("GLN %(gln)s also appears in row %(row)s.", gln=gln, row=first))

    first = _first_rows(rows, lambda values: values.gln or None, repeated)
    if not first:
        return
    stmt = select(Organization.gln, Organization.name, Organization.id).where(
        Organization.gln.in_(list(first))
    )
    for gln, name, org_id in db.session.execute(_excluding(stmt, exclude_id)):
        if updates.get(first[gln]) != org_id:  # an organization's own GLN, kept by its update
            message = _("GLN %(gln)s is already used by %(name)s.", gln=gln, name=name)
            fail(first[gln], "gln", message)


def _excluding(stmt: Select, org_id: int | None) -> Select:
    return stmt.where(Organization.id != org_id) if org_id else stmt
