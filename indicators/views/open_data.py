"""The public open-data page (``/open-data``): both rates for the province and each commune.

Aggregates only: no names of people or organizations, no contract terms. Open to
everyone, no login; the same figures as the public JSON endpoint of the API.
"""

from datetime import date

from flask import Blueprint, abort, render_template, request, send_file

from indicators.services import open_data
from indicators.views.common import num, pct
from trace.services.anchors import ANCHOR_FILE, anchors_path, latest_anchor

bp = Blueprint("open_data", __name__)


@bp.get("/open-data", endpoint="page")
def page():
    """The province-level and commune-level aggregates, readable by anyone."""
    as_of = _as_of(request.args.get("as_of"))
    data = open_data(as_of)
    days = {
        key: date.fromisoformat(value)
        for key, value in (("as_of", data["as_of"]), *data["period"].items())
    }
    anchor = latest_anchor()
    response = render_template(
        "indicators/open_data.html",
        data=data,
        days=days,
        pct=pct,
        num=num,
        anchor=anchor,
        anchor_day=date.fromisoformat(anchor["day"]) if anchor else None,
    )
    return response, 200, {"Cache-Control": "public, max-age=300"}


@bp.get(f"/open-data/{ANCHOR_FILE}", endpoint="anchors")
def anchors():
    """The append-only file of daily chain-head anchors, one JSON line a day."""
    path = anchors_path()
    if not path.exists():
        abort(404)
    return send_file(path, mimetype="application/jsonl", download_name=ANCHOR_FILE, max_age=300)


def _as_of(value: str | None) -> date | None:
    """The as-of date asked for; a malformed one is ignored (the page shows today)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
