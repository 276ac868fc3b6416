"""The public open-data page (``/open-data``): both rates for the province and each commune.

Aggregates only: no names of people or organizations, no contract terms. Open to
everyone, no login; the same figures as the public JSON endpoint of the API.
"""

from datetime import date

from flask import Blueprint, render_template, request

from indicators.services import open_data
from indicators.views.common import num, pct

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
    response = render_template("indicators/open_data.html", data=data, days=days, pct=pct, num=num)
    return response, 200, {"Cache-Control": "public, max-age=300"}


def _as_of(value: str | None) -> date | None:
    """The as-of date asked for; a malformed one is ignored (the page shows today)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
