"""An organization's own figures (DESIGN.md section 9: "own figures").

A cooperative (or group, union) sees the traced share of its own products and
batches, the batches it still has to complete, and its contracts by status; an
enterprise sees the traced share of what it bought (the lots delivered or
shipped to it). The department is sent to its dashboard.
"""

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from core.errors import ValidationFailed
from indicators.services import (
    IndicatorQuery,
    organization_figures,
    page,
    parse_query,
    scoped_query,
    untraced_batches,
)
from indicators.views.common import PER_PAGE, bp
from indicators.views.drilldown import table_of
from recall.services.home import open_recalls_reaching_lots_of

PERIOD_FIELDS = ("as_of", "from", "to")


@bp.get("/mine", endpoint="mine")
def mine():
    """The figures of the user's own organization, for a date or a period."""
    if current_user.is_department:
        return redirect(url_for(".dashboard"))
    org = current_user.organization
    raw = {key: request.args.get(key, "").strip() for key in PERIOD_FIELDS}
    try:
        query, errors = parse_query(raw), {}
    except ValidationFailed as exc:
        query, errors = IndicatorQuery(), exc.errors or {"_schema": [exc.message]}
    if org is None:
        return render_template("indicators/mine.html", org=None, raw=raw, errors=errors)
    figures = organization_figures(org, query)
    untraced = None
    if figures["kind"] == "cooperative":
        found = page(untraced_batches(scoped_query(current_user, query)), 1, PER_PAGE)
        untraced = {"table": table_of("untraced_batches", found.rows), "total": found.total}
    return render_template(
        "indicators/mine.html",
        org=org,
        figures=figures,
        untraced=untraced,
        recalls=open_recalls_reaching_lots_of(org.id),
        query=query,
        raw=raw,
        errors=errors,
    )
