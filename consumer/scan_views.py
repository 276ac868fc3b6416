"""HTML view of a lot's scans per day (its codes' consumer page views), for the cooperative
that made it and the department; blueprint ``scans`` under ``/trace``."""

from flask import render_template, request
from flask_login import current_user

from consumer import scans
from trace.services.batches import get_batch
from trace.views.common import trace_blueprint

bp = trace_blueprint("scans", __name__)
SCAN_DAYS = (7, 30, 90)


@bp.get("/batches/<int:batch_id>/scans", endpoint="batch_scans")
def batch_scans(batch_id: int):
    """Scans of the batch (and its items' codes) per day, for its cooperative and the department."""
    days = request.args.get("days", type=int)
    days = days if days in SCAN_DAYS else 30
    counts = scans.scan_counts(current_user, batch_id, days)
    batch = get_batch(current_user, batch_id)
    totals = scans.scan_totals(current_user, [batch.id])
    return render_template(
        "trace/batch_scans.html",
        batch=batch,
        counts=list(reversed(counts)),
        in_window=sum(count for _day, count in counts),
        total=totals.get(batch.id, 0),
        peak=max((count for _day, count in counts), default=0),
        days=days,
        day_choices=SCAN_DAYS,
    )
