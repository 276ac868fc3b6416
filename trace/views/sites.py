"""HTML views of sites: growing areas (vùng trồng) and facilities, with their households."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from registry.services import members
from registry.views.common import (
    FIELD_ERRORS,
    commune_options,
    done,
    form_number,
    form_text,
    load,
    paginate,
    refusal,
)
from trace.models import Site
from trace.schemas import SiteInputSchema
from trace.services import sites
from trace.views.common import as_text, bp, form_coordinate, placed, require_recorder

PLAIN_FIELDS = (
    "kind",
    "name",
    "name_en",
    "planting_area_code",
    "admin_unit",
    "latitude",
    "longitude",
    "area_ha",
    "gln",
)


@bp.get("/sites", endpoint="sites")
def site_list():
    """The growing areas and facilities the user may see."""
    return render_template("trace/site_list.html", page=paginate(sites.sites_query(current_user)))


@bp.get("/sites/<int:site_id>", endpoint="site")
def site_detail(site_id: int):
    """One site with its households."""
    return render_template("trace/site_detail.html", site=sites.get_site(current_user, site_id))


@bp.route("/sites/new", methods=["GET", "POST"], endpoint="site_new")
def site_new():
    """Register a growing area or facility of the user's cooperative."""
    require_recorder()
    if request.method == "GET":
        org = current_user.organization
        defaults = {"kind": "growing_area", "admin_unit": org.admin_unit.code, "household_ids": []}
        return _site_form(None, defaults, {})
    return _save_site(None)


@bp.route("/sites/<int:site_id>/edit", methods=["GET", "POST"], endpoint="site_edit")
def site_edit(site_id: int):
    """Edit one of the cooperative's sites."""
    require_recorder()
    site = sites.get_site(current_user, site_id)
    if request.method == "GET":
        values = {name: as_text(getattr(site, name)) for name in PLAIN_FIELDS if name != "kind"}
        values.update(kind=site.kind.value, admin_unit=site.admin_unit.code)
        values["household_ids"] = [str(h.id) for h in site.households]
        return _site_form(site, values, {})
    return _save_site(site)


def _save_site(site: Site | None):
    raw = {name: form_text(name) for name in PLAIN_FIELDS}
    raw.update(latitude=form_coordinate("latitude"), longitude=form_coordinate("longitude"))
    raw["area_ha"] = form_number("area_ha")
    raw["household_ids"] = request.form.getlist("household_ids")
    values, errors = load(SiteInputSchema(), raw)
    if values is not None:
        try:
            if site is None:
                saved = sites.create_site(current_user, values)
            else:
                saved = sites.update_site(current_user, site.id, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            message = _("%(name)s has been saved.", name=saved.name)
            return done(message, url_for(".site", site_id=saved.id))
    shown = {**raw, **{name: form_text(name) for name in ("latitude", "longitude", "area_ha")}}
    return _site_form(site, shown, placed(errors, {*PLAIN_FIELDS, "household_ids"})), 422


def _site_form(site: Site | None, values: dict, errors: dict):
    return render_template(
        "trace/site_form.html",
        site=site,
        values=values,
        errors=errors,
        communes=commune_options(values.get("admin_unit")),
        households=_current_members(),
    )


def _current_members():
    org = current_user.organization
    return list(db.session.scalars(members.members_query(current_user, org.id)))
