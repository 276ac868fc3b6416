"""EUDR readiness: the share of the user's coffee lots and volume whose plots are complete, by
commune and cooperative, with what each cooperative still lacks."""

from flask import render_template
from flask_login import current_user

from eudr.services import readiness
from eudr.views.common import bp


@bp.get("/readiness", endpoint="readiness")
def readiness_page():
    """Readiness for the department (every cooperative), an enterprise (lots shipped to it) or a
    cooperative (its own lots)."""
    rows = readiness.readiness(current_user)
    return render_template("eudr/readiness.html", rows=rows, total=readiness.totals(rows))
