"""HTML view: upload an EPCIS 2.0 document, stored whole or refused whole with a report.

The document is what a cooperative's or enterprise's own system exported. The service
(``epcis.capture``) checks every event and flushes; this view commits only
when the report has no problem, and otherwise rolls back and lists every problem, event by
event. Events already stored (the same CBV 2.0 hash) are skipped, so a file may be sent again.
"""

from flask import current_app, flash, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.security import own_body_limit, unstorable_fields
from epcis import capture as epcis_capture
from epcis.views.common import bp
from registry.services.scoping import require_own_org
from registry.views.common import FIELD_ERRORS, done, refusal
from trace.views.common import placed


@bp.route("/epcis/capture", methods=["GET", "POST"], endpoint="epcis_capture")
@own_body_limit("EPCIS_CAPTURE_MAX_BYTES")  # as the API's capture: 20 MB
def epcis_capture_page():
    """Upload an EPCIS 2.0 document: every event is stored, or none (organizations' users)."""
    require_own_org(current_user, current_user.organization_id)  # the department: 403
    if request.method == "GET":
        return _capture_page()
    document, problem = uploaded_document()
    if problem:
        return _capture_page(errors={"file": [problem]}), 422
    try:
        report = epcis_capture.capture_document(current_user, document)
    except FIELD_ERRORS as exc:
        return _capture_page(errors=placed(refusal(exc), ("file",))), 422
    if not report.ok:
        db.session.rollback()
        return _capture_page(report=report), 422
    if report.lots_created:
        flash(_("Lots created: %(count)s.", count=format_decimal(report.lots_created)), "info")
    for warning in report.warnings:
        flash(
            _("Event %(number)s: %(message)s", number=warning.index + 1, message=warning.message),
            "warning",
        )
    message = _(
        "Events stored: %(stored)s; already stored and skipped: %(skipped)s.",
        stored=format_decimal(report.stored),
        skipped=format_decimal(report.duplicates),
    )
    return done(message, url_for(".epcis_capture"))


def uploaded_document() -> tuple[dict | None, str | None]:
    """The uploaded file as a JSON object, or None and the reason it cannot be read.

    Read as the API reads a body (``current_app.json``: no NaN or Infinity) and refused for
    the same unstorable text (``core.security``).
    """
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None, _("Choose the EPCIS document file (JSON or JSON-LD).")
    raw = upload.read()
    try:
        # utf-8-sig: files saved on Windows often start with a byte-order mark.
        document = current_app.json.loads(raw.decode("utf-8-sig"))
    except ValueError:
        return None, _("This file is not a JSON document in UTF-8.")
    except RecursionError:
        return None, _("The JSON document is nested too deeply.")
    if not isinstance(document, dict):
        return None, _("This JSON is not an EPCIS document: the file must hold one object, {…}.")
    if unstorable_fields(raw, document):
        return None, _("This file contains characters that cannot be stored.")
    return document, None


def _capture_page(report=None, errors: dict | None = None):
    refused = {error.index for error in report.errors if error.index >= 0} if report else ()
    return render_template(
        "trace/epcis_capture.html", report=report, refused=len(refused), errors=errors or {}
    )
