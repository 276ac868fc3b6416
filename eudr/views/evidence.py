"""The EUDR evidence for a lot: its summary page with the lot's due-diligence statements (and
a form to record one), and the one-click ZIP download."""

import io

from flask import render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eudr.schemas import StatementInputSchema
from eudr.services import evidence, package, statements
from eudr.views.common import bp
from registry.views.common import FIELD_ERRORS, done, form_text, load, refusal


@bp.get("/lots/<int:batch_id>/evidence", endpoint="lot_evidence")
def lot_evidence(batch_id: int):
    """What the evidence for a lot holds and lacks, with its download and statements."""
    return _page(batch_id, {}, {})


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


@bp.post("/lots/<int:batch_id>/statements", endpoint="statement_new")
def statement_new(batch_id: int):
    """Record a due-diligence statement against this lot."""
    raw = {name: form_text(name) for name in ("reference_number", "verification_number")}
    values, errors = load(StatementInputSchema(), {**raw, "batch_ids": [batch_id]})
    if values is not None:
        try:
            statements.record_statement(current_user, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            message = _("Statement %(ref)s has been recorded.", ref=values["reference_number"])
            return done(message, url_for(".lot_evidence", batch_id=batch_id) + "#statements")
    return _page(batch_id, raw, errors), 422


def _page(batch_id: int, values: dict, errors: dict):
    found = evidence.for_lot(current_user, batch_id)
    return render_template(
        "eudr/evidence.html",
        batch_id=batch_id,
        facts=evidence.summary(found),
        statements=statements.statements_for_lot(current_user, batch_id),
        may_file=current_user.organization_id is not None and not current_user.is_department,
        values=values,
        errors=errors,
    )
