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
    """Scans of the batch (and its items' codes) per day, for its cooperative and the department:
    distinct visitors, and page views beside them."""
    days = request.args.get("days", type=int)
    days = days if days in SCAN_DAYS else 30
    counts = scans.scan_counts(current_user, batch_id, days)
    batch = get_batch(current_user, batch_id)
    total = scans.scan_totals(current_user, [batch.id]).get(batch.id, scans.ScanTotal(0, 0))
    return render_template(
        "trace/batch_scans.html",
        batch=batch,
        counts=list(reversed(counts)),
        in_window=sum(day.visitors for day in counts),
        views_in_window=sum(day.views for day in counts),
        total=total.visitors,
        total_views=total.views,
        peak=max((day.visitors for day in counts), default=0),
        days=days,
        day_choices=SCAN_DAYS,
    )
