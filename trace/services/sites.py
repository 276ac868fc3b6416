"""Sites: growing areas (vùng trồng) and facilities where events happen."""

from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from core.db import vietnamese
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from gs1.codes import new_public_code
from registry.models import MemberHousehold, User
from registry.services.scoping import get_visible, require_own_org, scope_to_caller
from registry.services.units import current_commune
from trace.inputs import SiteInput, SitePatch
from trace.models import Site


def sites_query(user: User | None) -> Select:
    """A select() of the sites the caller may see."""
    stmt = select(Site).options(selectinload(Site.admin_unit), selectinload(Site.households))
    return scope_to_caller(stmt, user, Site.organization_id).order_by(
        vietnamese(Site.name), Site.id
    )


def get_site(user: User | None, site_id: int) -> Site:
    """A site the caller may see, or 404."""
    return get_visible(user, Site, site_id, _("No such site."))


def create_site(user: User, values: SiteInput) -> Site:
    """Register a growing area or facility of the caller's organization."""
    require_own_org(user, user.organization_id)
    site = Site(organization_id=user.organization_id, code=new_public_code()[:10])
    _apply(site, values)
    db.session.add(site)
    db.session.flush()
    return site


def update_site(user: User, site_id: int, values: SiteInput) -> Site:
    """Replace one of the caller's sites with the whole representation sent (PUT)."""
    return _replace(user, get_site(user, site_id), values)


def patch_site(user: User, site_id: int, patch: SitePatch) -> Site:
    """Change only the fields of one of the caller's sites that a PATCH sent."""
    site = get_site(user, site_id)
    return _replace(user, site, site_input(site).patched(patch))


def _replace(user: User, site: Site, values: SiteInput) -> Site:
    require_own_org(user, site.organization_id)
    _apply(site, values)
    db.session.flush()
    return site


def site_input(site: Site) -> SiteInput:
    """A site as it stands, in the form its create and update take."""
    return SiteInput(
        kind=site.kind,
        name=site.name,
        name_en=site.name_en,
        planting_area_code=site.planting_area_code,
        admin_unit=site.admin_unit.code,
        latitude=site.latitude,
        longitude=site.longitude,
        area_ha=site.area_ha,
        gln=site.gln,
        household_ids=tuple(household.id for household in site.households),
    )


def _apply(site: Site, values: SiteInput) -> None:
    site.name = values.name
    site.name_en = values.name_en
    site.planting_area_code = values.planting_area_code
    site.latitude, site.longitude = values.latitude, values.longitude
    site.area_ha = values.area_ha
    site.kind = values.kind
    if site.admin_unit is None or site.admin_unit.code != values.admin_unit:
        # A site kept in a commune since merged keeps it until another one is sent.
        site.admin_unit = current_commune(values.admin_unit)
    gln = values.gln
    if gln and db.session.scalar(select(Site.id).where(Site.gln == gln, Site.id != (site.id or 0))):
        raise Conflict.on_field("gln", _("GLN %(gln)s is already used by another site.", gln=gln))
    site.gln = gln
    site.households = _own_households(site.organization_id, list(values.household_ids))


def _own_households(org_id: int, ids: list[int]) -> list[MemberHousehold]:
    if not ids:
        return []
    found = list(
        db.session.scalars(
            select(MemberHousehold).where(
                MemberHousehold.id.in_(ids), MemberHousehold.organization_id == org_id
            )
        )
    )
    missing = sorted(set(ids) - {h.id for h in found})
    if missing:
        raise ValidationFailed.on_field(
            "household_ids",
            _(
                "Not member households of this organization: %(ids)s.",
                ids=", ".join(map(str, missing)),
            ),
        )
    return found
