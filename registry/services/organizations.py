"""Organizations: create, edit, list and fetch, scoped to the caller."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, NotFound
from core.extensions import db
from core.text import fold
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
from registry.services.scoping import ensure_visible, require_department, scope_to_caller
from registry.services.units import current_commune

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
    "status_since",
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
    return stmt.order_by(Organization.name, Organization.id)


def get_organization(user: User | None, org_id: int) -> Organization:
    """The organization, if the caller may see it; otherwise 404."""
    org = db.session.get(Organization, org_id)
    if org is None:
        raise NotFound(_("No such organization."))
    ensure_visible(user, org.id, _("No such organization."))
    return org


def find_by_registration_code(code: str) -> Organization | None:
    """The organization (of any kind) with this registration code, if exactly one has it."""
    matches = list(
        db.session.scalars(
            select(Organization).where(Organization.registration_code == code).limit(2)
        )
    )
    return matches[0] if len(matches) == 1 else None


def create_organization(user: User | None, values: dict) -> Organization:
    """Register an organization (department only). ``values`` come from OrganizationInputSchema."""
    require_department(user)
    org = Organization(kind=OrgKind(values["kind"]))
    _apply(org, values)
    db.session.add(org)
    db.session.flush()
    return org


def update_organization(user: User | None, org_id: int, values: dict) -> Organization:
    """Edit an organization (department only)."""
    require_department(user)
    org = get_organization(user, org_id)
    org.kind = OrgKind(values["kind"])
    _apply(org, values)
    db.session.flush()
    return org


def _apply(org: Organization, values: dict) -> None:
    _ensure_code_free(org, values["kind"], values["registration_code"])
    _ensure_gln_free(org, values.get("gln"))
    for field in _PLAIN_FIELDS:
        setattr(org, field, values.get(field))
    org.admin_unit = current_commune(values["admin_unit"])
    org.sector = Sector(values.get("sector") or Sector.AGRICULTURAL)
    org.status = OrgStatus(values.get("status") or OrgStatus.ACTIVE)
    org.search_text = fold(
        " ".join(
            filter(
                None,
                [
                    org.name,
                    org.short_name,
                    org.registration_code,
                    org.address,
                    org.admin_unit.full_name,
                ],
            )
        )
    )
    if values.get("rating"):
        _set_rating(org, values.get("rating_year"), Rating(values["rating"]))


def _set_rating(org: Organization, year: int | None, rating: Rating) -> None:
    year = year or date.today().year - 1
    existing = next((r for r in org.ratings if r.year == year), None)
    if existing:
        existing.rating = rating
    else:
        org.ratings.append(OrgRating(year=year, rating=rating))


def _others(org: Organization) -> Select:
    stmt = select(Organization)
    return stmt.where(Organization.id != org.id) if org.id else stmt


def _ensure_code_free(org: Organization, kind: str, code: str) -> None:
    clash = db.session.scalar(
        _others(org).where(
            Organization.kind == OrgKind(kind), Organization.registration_code == code
        )
    )
    if clash is not None:
        message = _(
            "Registration code %(code)s is already used by %(name)s (id %(id)s).",
            code=code,
            name=clash.name,
            id=clash.id,
        )
        raise Conflict(message, {"registration_code": [message]})


def _ensure_gln_free(org: Organization, gln: str | None) -> None:
    if not gln:
        return
    clash = db.session.scalar(_others(org).where(Organization.gln == gln))
    if clash is not None:
        message = _("GLN %(gln)s is already used by %(name)s.", gln=gln, name=clash.name)
        raise Conflict(message, {"gln": [message]})
