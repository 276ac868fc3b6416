"""The public open-data page (``/open-data``): both rates for the province and each commune.

Aggregates only: no names of people or organizations, no contract terms. Open to
everyone, no login; the same figures as the public JSON endpoint of the API.
"""

from datetime import date
from itertools import chain

from flask import Blueprint, Response, abort, render_template, request, stream_with_context

from indicators.services import open_data
from indicators.views.common import num, pct
from trace.services.anchors import ANCHOR_FILE, anchor_lines, latest_anchor

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
    """The daily chain-head anchors, one JSON line a day, from the database (so every host
    serves them): the same bytes as the worker's export file. Streamed."""
    lines = anchor_lines()
    first = next(lines, None)
    if first is None:
        abort(404)
    return Response(
        stream_with_context(chain([first], lines)),
        mimetype="application/jsonl",
        headers={
            "Content-Disposition": f"attachment; filename={ANCHOR_FILE}",
            "Cache-Control": "public, max-age=300",
        },
    )


def _as_of(value: str | None) -> date | None:
    """The as-of date asked for; a malformed one is ignored (the page shows today)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
