"""HTML pages of the season imports: the upload page with its templates, an import's page
(progress bar while the worker runs it, the report row by row when refused), and the refused
file given back with its messages.

Thin over ``trace.services.season_jobs``: the request commits once, the import's record with
its rows when they were all good, the record alone when they were not.
"""

from io import BytesIO

from flask import redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from jobs import worker_state
from trace.services import season_files, season_jobs
from trace.services.season_columns import KINDS
from trace.views.common import bp, require_recorder


@bp.get("/imports", endpoint="season_imports")
def season_imports():
    """The upload page: a kind to choose, its templates, the latest imports."""
    require_recorder()
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else KINDS[0]
    return _page(kind)


@bp.post("/imports/<any(lots, inputs, shipments):kind>", endpoint="season_import")
def season_import(kind: str):
    """Import a file of ``kind`` now, or hand it to the worker when it is long."""
    require_recorder()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(kind, errors={"file": [_("Choose a CSV or XLSX file.")]}), 422
    job = season_jobs.start_import(current_user, kind, upload.filename, upload.read())
    db.session.commit()
    season_jobs.queue(job)
    if job.status == season_jobs.REFUSED:
        return _page(kind, job=job), 422
    return redirect(url_for(".season_import_job", job_id=job.id))


@bp.get("/imports/<int:job_id>", endpoint="season_import_job")
def season_import_job(job_id: int):
    """One import: its progress, or what it stored, or why it stored nothing."""
    require_recorder()
    job = season_jobs.get_import(current_user, job_id)
    return _page(job.kind, job=job)


@bp.get("/imports/<int:job_id>/errors", endpoint="season_import_errors")
def season_import_errors(job_id: int):
    """A refused file given back with a column of messages beside each row."""
    require_recorder()
    job = season_jobs.get_import(current_user, job_id)
    if job.status != season_jobs.REFUSED or not job.data:
        return redirect(url_for(".season_import_job", job_id=job.id))
    content, mimetype, filename = season_files.annotated_file(job)
    return _download(content, mimetype, filename)


@bp.get(
    "/imports/template/<any(lots, inputs, shipments):kind>.<any(csv, xlsx):fmt>",
    endpoint="season_template",
)
def season_template(kind: str, fmt: str):
    """The template of ``kind``, with the cooperative's own lists."""
    require_recorder()
    return _download(*season_files.template_file(current_user, kind, fmt))


def summary(job) -> str:
    """What a finished import did, in one sentence."""
    return _(
        "Imported: %(created)s. Already there: %(unchanged)s.",
        created=format_decimal(job.created),
        unchanged=format_decimal(job.unchanged),
    )


def _download(content: bytes, mimetype: str, filename: str):
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )


def _page(kind: str, job=None, errors: dict | None = None):
    running = job is not None and job.status in (season_jobs.QUEUED, season_jobs.RUNNING)
    return render_template(
        "trace/season_import.html",
        kind=kind,
        kinds=KINDS,
        job=job,
        report=season_jobs.report_of(job) if job is not None else None,
        percent=season_jobs.progress(job) if running else None,
        worker=worker_state() if running else None,
        summary=summary(job) if job is not None else "",
        recent=season_jobs.recent_imports(current_user),
        errors=errors or {},
    )
