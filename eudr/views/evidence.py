"""The EUDR evidence for a lot: its summary page and the one-click ZIP download."""

import io

from flask import render_template, send_file
from flask_login import current_user

from eudr.services import evidence, package
from eudr.views.common import bp


@bp.get("/lots/<int:batch_id>/evidence", endpoint="lot_evidence")
def lot_evidence(batch_id: int):
    """What the evidence for a lot holds and lacks, with its download."""
    found = evidence.for_lot(current_user, batch_id)
    return render_template("eudr/evidence.html", batch_id=batch_id, facts=evidence.summary(found))


@bp.get("/lots/<int:batch_id>/evidence.zip", endpoint="lot_evidence_zip")
def lot_evidence_zip(batch_id: int):
    """The evidence for a lot as one ZIP: GeoJSON, summary.json, cover.pdf."""
    data = package.evidence_zip(evidence.for_lot(current_user, batch_id))
    return send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"eudr-lot-{batch_id}.zip",
    )
