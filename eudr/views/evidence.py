"""The EUDR evidence for a lot (its summary page with the lot's due-diligence statements and a
form to record one), for a contract delivery and for a date range of shipments; each with its
one-click ZIP download."""

import io

from flask import render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from eudr import svg
from eudr.schemas import EvidenceQueryArgsSchema, StatementInputSchema
from eudr.services import evidence, package, statements
from eudr.views.common import bp
from registry.views.common import FIELD_ERRORS, done, form_text, load, refusal

# The lot's page draws the outlines of its first plots; the rest are in the download.
OUTLINES = 60


@bp.get("/lots/<int:batch_id>/evidence", endpoint="lot_evidence")
def lot_evidence(batch_id: int):
    """What the evidence for a lot holds and lacks, with its download and statements."""
    return _page(batch_id, {}, {})


@bp.get("/lots/<int:batch_id>/evidence.zip", endpoint="lot_evidence_zip")
def lot_evidence_zip(batch_id: int):
    """The evidence for a lot as one ZIP: GeoJSON, summary.json, cover.pdf."""
    return _zip(evidence.for_lot(current_user, batch_id), f"lot-{batch_id}")


@bp.get("/deliveries/<int:delivery_id>/evidence", endpoint="delivery_evidence")
def delivery_evidence(delivery_id: int):
    """What the evidence for every lot of a contract delivery holds and lacks."""
    found = evidence.for_delivery(current_user, delivery_id)
    download = url_for(".delivery_evidence_zip", delivery_id=delivery_id)
    return render_template("eudr/evidence.html", facts=evidence.summary(found), download=download)


@bp.get("/deliveries/<int:delivery_id>/evidence.zip", endpoint="delivery_evidence_zip")
def delivery_evidence_zip(delivery_id: int):
    """The evidence for a contract delivery as one ZIP."""
    return _zip(evidence.for_delivery(current_user, delivery_id), f"delivery-{delivery_id}")


@bp.get("/shipments/evidence", endpoint="range_evidence")
def range_evidence():
    """A form for a date range of shipments and, once chosen, what its evidence holds."""
    raw = {name: request.args.get(name) or None for name in ("shipped_from", "shipped_to")}
    facts, errors = None, {}
    if any(raw.values()):
        values, errors = load(EvidenceQueryArgsSchema(), raw)
        if values is not None:
            try:
                found = evidence.for_range(
                    current_user, values["shipped_from"], values["shipped_to"]
                )
            except FIELD_ERRORS as exc:
                errors = refusal(exc)
            else:
                facts = evidence.summary(found)
    download = url_for(".range_evidence_zip", **raw) if facts else None
    page = render_template(
        "eudr/range_evidence.html", facts=facts, values=raw, errors=errors, download=download
    )
    return page, 422 if errors else 200


@bp.get("/shipments/evidence.zip", endpoint="range_evidence_zip")
def range_evidence_zip():
    """The evidence for a date range of shipments as one ZIP (the range checked as the page
    checks it; a bad one is a 422 naming the field)."""
    raw = {name: request.args.get(name) or None for name in ("shipped_from", "shipped_to")}
    values, errors = load(EvidenceQueryArgsSchema(), raw)
    if values is None:
        return render_template(
            "eudr/range_evidence.html", facts=None, values=raw, errors=errors, download=None
        ), 422
    start, end = values["shipped_from"], values["shipped_to"]
    found = evidence.for_range(current_user, start, end)
    return _zip(found, f"{start.isoformat()}-{end.isoformat()}")


def _zip(found: evidence.Evidence, stem: str):
    return send_file(
        io.BytesIO(package.evidence_zip(found)),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"eudr-{stem}.zip",
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
    outlines = [(plot, svg.feature_outline(plot.feature)) for plot in found.plots[:OUTLINES]]
    return render_template(
        "eudr/evidence.html",
        batch_id=batch_id,
        outlines=outlines,
        download=url_for(".lot_evidence_zip", batch_id=batch_id),
        facts=evidence.summary(found),
        statements=statements.statements_for_lot(current_user, batch_id),
        may_file=current_user.organization_id is not None and not current_user.is_department,
        values=values,
        errors=errors,
    )
