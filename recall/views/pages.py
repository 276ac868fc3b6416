"""Recall pages for logged-in users: list, open form, detail with the clock, acknowledge, close,
and the report files."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

import jobs
from core.errors import Conflict, Forbidden, ValidationFailed
from core.extensions import db
from recall import report
from recall.mail import smtp_configured
from recall.models import AckChannel
from recall.schemas import CloseInputSchema, RecallInputSchema
from recall.services import recalls
from recall.views.common import PER_PAGE, bp, load
from registry.views.common import refusal
from trace.services.batches import get_batch

FIELD_ERRORS = (ValidationFailed, Conflict)


@bp.get("", endpoint="recalls")
def recall_list():
    """Recalls the user may see; open ones first by default (the department: every open one)."""
    status = request.args.get("status", "open")
    if status not in {"open", "closed", "all"}:
        status = "open"
    stmt = recalls.recalls_query(current_user, None if status == "all" else status)
    page = db.paginate(
        stmt, page=request.args.get("page", 1, type=int), per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "recall/recall_list.html",
        page=page,
        status=status,
        clocks={r.id: recalls.clock(recalls.for_caller(current_user, r)) for r in page.items},
        smtp=smtp_configured(),
        worker=jobs.worker_state(),
    )


@bp.route("/new", methods=["GET", "POST"], endpoint="recall_new")
def recall_new():
    """Open a recall on a lot (its producing cooperative, or the department)."""
    batch_id = request.values.get("batch_id", type=int)
    if batch_id is None:
        abort(404)
    batch = get_batch(current_user, batch_id)
    if not recalls.may_open(current_user, batch):
        raise Forbidden(_("Only the producing cooperative or the department may recall this lot."))
    if request.method == "GET":
        return _form(batch, {}, {})
    values, errors = load(RecallInputSchema(), ("batch_id", "reason", "severity"))
    if values is not None:
        try:
            recall = recalls.open_recall(current_user, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            db.session.commit()
            recalls.after_commit(recall)
            flash(_("The recall is open; the lots are marked recalled."), "success")
            return redirect(url_for(".recall", recall_id=recall.id))
    return _form(batch, request.form, errors), 422


def _form(batch, values, errors):
    return render_template("recall/recall_form.html", batch=batch, values=values, errors=errors)


@bp.get("/<int:recall_id>", endpoint="recall")
def recall_detail(recall_id: int):
    """A recall: its clock, lots, recipients and their acknowledgements, notices, outcome."""
    return render_recall(recalls.get_recall(current_user, recall_id))


@bp.get("/lot/<int:batch_id>", endpoint="for_lot")
def recall_for_lot(batch_id: int):
    """The recall that reaches a lot (the link on a recalled lot's page)."""
    recall = recalls.recall_reaching(current_user, batch_id)
    return redirect(url_for(".recall", recall_id=recall.id))


def _view(recall):
    return recalls.for_caller(current_user, recall)


def render_recall(recall, close_errors=None, close_values=None):
    """The recall page; a refused close shows its messages on it."""
    recall = _view(recall)
    return render_template(
        "recall/recall_detail.html",
        recall=recall,
        clock=recalls.clock(recall),
        mine=recalls.recipient_of(current_user, recall),
        may_manage=recalls.may_manage(current_user, recall),
        smtp=smtp_configured(),
        worker=jobs.worker_state(),
        late=lambda recipient: recalls.is_late(recipient, recall),
        close_errors=close_errors or {},
        close_values=close_values or {},
    )


@bp.post("/<int:recall_id>/acknowledge", endpoint="acknowledge")
def acknowledge(recall_id: int):
    """Acknowledge the notice for the user's organization."""
    recalls.acknowledge(current_user, recall_id, AckChannel.WEB)
    db.session.commit()
    flash(_("Your acknowledgement has been recorded."), "success")
    return redirect(url_for(".recall", recall_id=recall_id))


@bp.post("/<int:recall_id>/close", endpoint="close")
def close(recall_id: int):
    """Close the recall with its outcome."""
    values, errors = load(CloseInputSchema(), ("outcome", "note"))
    if values is not None:
        try:
            recalls.close_recall(current_user, recall_id, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            db.session.commit()
            flash(_("The recall is closed."), "success")
            return redirect(url_for(".recall", recall_id=recall_id))
    recall = recalls.get_recall(current_user, recall_id)
    return render_recall(recall, errors, request.form), 422


@bp.get("/<int:recall_id>/report.<fmt>", endpoint="report")
def report_file(recall_id: int, fmt: str):
    """The recall report as PDF or XLSX."""
    if fmt not in report.FORMATS:
        abort(404)
    recall = _view(recalls.get_recall(current_user, recall_id))
    content, mimetype, name = report.report_file(recall, fmt)
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name)
