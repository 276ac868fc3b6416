"""Walking a plot's boundary with the phone's GPS: the page (its script records a corner at
each press, with the fix's accuracy) and the save, through the same checks as any plot."""

from flask import current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from eudr.schemas import WalkInputSchema
from eudr.services import plots
from eudr.views.common import bp
from registry.services import members
from registry.views.common import FIELD_ERRORS, done, form_number, form_text, load, refusal
from trace.views.common import placed, require_recorder

WALK_FIELDS = ("name", "declared_area_ha", "production_since", "land_document_number")


@bp.get("/sites/<int:site_id>/plots/walk", endpoint="plot_walk")
def plot_walk(site_id: int):
    """The page to walk a new plot's boundary on one of the cooperative's growing areas."""
    require_recorder()
    return _page(site_id, {}, {})


@bp.post("/sites/<int:site_id>/plots/walk", endpoint="plot_walk_save")
def plot_walk_save(site_id: int):
    """Save a walked plot: its corners as a polygon and each corner's accuracy."""
    require_recorder()
    raw = {name: form_text(name) for name in (*WALK_FIELDS, "geometry")}
    raw["declared_area_ha"] = form_number("declared_area_ha")
    raw["household_ids"] = request.form.getlist("household_ids")
    raw["accuracies_m"] = [part for part in (form_text("accuracies_m") or "").split(",") if part]
    values, errors = load(WalkInputSchema(), raw)
    if values is not None:
        try:
            plot = plots.create_walked_plot(current_user, site_id, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            message = _("Plot %(name)s has been saved.", name=plot.name)
            return done(message, url_for(".plots", site_id=site_id) + f"#plot-{plot.id}")
    return _page(site_id, raw, placed(errors, {*WALK_FIELDS, "household_ids"})), 422


def _page(site_id: int, values: dict, errors: dict):
    site = plots.own_growing_area(current_user, site_id)
    households = list(db.session.scalars(members.members_query(current_user, site.organization_id)))
    return render_template(
        "eudr/plot_walk.html",
        site=site,
        values=values,
        errors=errors,
        households=households,
        max_accuracy=current_app.config["EUDR_WALK_MAX_ACCURACY_M"],
    )
