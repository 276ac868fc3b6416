"""Editing a plot's details (not its geometry) and recording a household's consent to its name
in the EU files, from the growing area's plots page."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from eudr.schemas import ConsentInputSchema, PlotInputSchema
from eudr.services import plots
from eudr.views.common import bp
from eudr.views.plots import plots_page
from registry.services import members
from registry.services.scoping import require_own_org
from registry.views.common import FIELD_ERRORS, done, form_number, form_text, load, refusal
from trace.views.common import placed, require_recorder

EDIT_FIELDS = ("name", "declared_area_ha", "production_since", "land_document_number")


@bp.get("/plots/<int:plot_id>/edit", endpoint="plot_edit")
def plot_edit(plot_id: int):
    """The form to change a plot's name, area declared, production date, document number and
    households."""
    require_recorder()
    plot = plots.get_plot(current_user, plot_id)
    values = {
        "name": plot.name,
        "declared_area_ha": plot.declared_area_ha,
        "production_since": plot.production_since.isoformat() if plot.production_since else None,
        "land_document_number": plot.land_document_number,
        "household_ids": [str(member.id) for member in plot.households],
    }
    return _edit_page(plot_id, values, {})


@bp.post("/plots/<int:plot_id>/edit", endpoint="plot_update")
def plot_update(plot_id: int):
    """Save a plot's details; its geometry stays as it is."""
    require_recorder()
    raw = {name: form_text(name) for name in EDIT_FIELDS}
    raw["declared_area_ha"] = form_number("declared_area_ha")
    raw["household_ids"] = request.form.getlist("household_ids")
    values, errors = load(PlotInputSchema(partial=("geometry",)), raw)
    if values is not None:
        try:
            plot = plots.update_plot_details(current_user, plot_id, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            message = _("Plot %(name)s has been saved.", name=plot.name)
            return done(message, url_for(".plots", site_id=plot.site_id) + f"#plot-{plot.id}")
    return _edit_page(plot_id, raw, placed(errors, {*EDIT_FIELDS, "household_ids"})), 422


@bp.post("/members/<int:member_id>/consent", endpoint="consent")
def consent(member_id: int):
    """Record whether a household agrees to its name going to EU buyers, and the day; back to
    the plots page it was recorded from."""
    require_recorder()
    site_id = request.form.get("site_id", type=int)
    raw = {"agreed": form_text("agreed"), "decided_on": form_text("decided_on")}
    values, errors = load(ConsentInputSchema(), raw)
    if values is not None:
        try:
            plots.set_consent(current_user, member_id, values["agreed"], values["decided_on"])
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            back = url_for(".plots", site_id=site_id) if site_id else url_for(".readiness")
            return done(_("The household's answer has been recorded."), back)
    labels = {"agreed": _("Name in the EU files"), "decided_on": _("Date of the answer")}
    message = [f"{labels.get(key, key)}: {text}" for key, texts in errors.items() for text in texts]
    return plots_page(site_id or 0, {}, {"_schema": message}), 422


def _edit_page(plot_id: int, values: dict, errors: dict):
    plot = plots.get_plot(current_user, plot_id)
    require_own_org(current_user, plot.organization_id)
    households = list(db.session.scalars(members.members_query(current_user, plot.organization_id)))
    return render_template(
        "eudr/plot_edit.html",
        plot=plot,
        site=plot.site,
        values=values,
        errors=errors,
        households=households,
    )
