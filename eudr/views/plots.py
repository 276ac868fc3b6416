"""A growing area's plots: their outlines, what evidence each lacks, and forms to add a plot,
attach its land-use right document and delete it (the cooperative's own staff)."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.clock import vn_today
from core.extensions import db
from eudr import svg
from eudr.models import Plot
from eudr.schemas import PlotInputSchema
from eudr.services import plots
from eudr.services.evidence import PlotRow
from eudr.views.common import bp
from registry.services import members
from registry.views.common import FIELD_ERRORS, done, form_number, form_text, load, refusal
from trace.services.sites import get_site
from trace.views.common import placed, require_recorder

FORM_FIELDS = ("name", "geometry", "declared_area_ha", "production_since", "land_document_number")


@bp.get("/sites/<int:site_id>/plots", endpoint="plots")
def plot_list(site_id: int):
    """A growing area's plots with their outlines."""
    return plots_page(site_id, {}, {})


@bp.post("/sites/<int:site_id>/plots", endpoint="plot_new")
def plot_new(site_id: int):
    """Add a plot to one of the cooperative's growing areas."""
    require_recorder()
    raw = {name: form_text(name) for name in FORM_FIELDS}
    raw["declared_area_ha"] = form_number("declared_area_ha")
    raw["household_ids"] = request.form.getlist("household_ids")
    values, errors = load(PlotInputSchema(), raw)
    if values is not None:
        try:
            plot = plots.create_plot(current_user, site_id, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            message = _("Plot %(name)s has been saved.", name=plot.name)
            return done(message, url_for(".plots", site_id=site_id) + f"#plot-{plot.id}")
    return plots_page(site_id, raw, placed(errors, {*FORM_FIELDS, "household_ids"})), 422


@bp.post("/plots/<int:plot_id>/document", endpoint="plot_document")
def plot_document(plot_id: int):
    """Attach a plot's land-use right document."""
    require_recorder()
    plot = plots.get_plot(current_user, plot_id)
    site_id = plot.site_id
    upload = request.files.get("document")
    try:
        data = upload.read(plots.MAX_DOCUMENT_BYTES + 1) if upload else b""
        plots.save_land_document(current_user, plot_id, upload.filename if upload else "", data)
    except FIELD_ERRORS as exc:
        return plots_page(site_id, {}, {"_schema": refusal(exc).get("document", [])}), 422
    return done(_("The document has been attached."), url_for(".plots", site_id=site_id))


@bp.post("/plots/<int:plot_id>/delete", endpoint="plot_delete")
def plot_delete(plot_id: int):
    """Delete one of the cooperative's plots."""
    require_recorder()
    site_id = plots.get_plot(current_user, plot_id).site_id
    plots.delete_plot(current_user, plot_id)
    return done(_("The plot has been deleted."), url_for(".plots", site_id=site_id))


def plots_page(site_id: int, values: dict, errors: dict):
    """The plots page of a growing area, with what a refused form sent and why."""
    site = get_site(current_user, site_id)
    rows = list(db.session.scalars(plots.plots_query(current_user, site_id)))
    own = current_user.organization_id == site.organization_id
    households = []
    if own and not current_user.is_department:
        households = list(
            db.session.scalars(members.members_query(current_user, site.organization_id))
        )
    return render_template(
        "eudr/plot_list.html",
        site=site,
        plots=[(plot, svg.outline(plot.geometry), _missing(plot)) for plot in rows],
        own=own,
        values=values,
        errors=errors,
        households=households,
        consents=plots.consents_of([m.id for plot in rows for m in plot.households]),
        today=vn_today().isoformat(),
    )


def _missing(plot: Plot) -> list[str]:
    row = PlotRow(
        plot.id,
        plot.name,
        plot.eu_feature,
        plot.geometry_type,
        plot.area_ha,
        plot.production_since,
        plot.land_document_path is not None,
        any(check.passed for check in plot.checks),
        plot.site_id,
        "",
    )
    return row.missing
