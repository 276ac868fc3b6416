"""Running a season import and keeping its outcome (``SeasonImport``).

A small file is imported during the request; a file of more than ``SEASON_IMPORT_SYNC_ROWS``
rows is kept and handed to the background worker (``trace.tasks``), whose progress goes to
the job queue's own store (never the database, whose write lock the import holds), so the
page can show a progress bar while the import's one transaction is still open. Either way
the import is all or nothing; a refused file is kept so it can be downloaded back with a
column of messages beside each row.
"""

from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import Forbidden, NotFound
from core.extensions import db
from jobs import enqueue, huey_of
from registry.models import User
from registry.services.imports import ImportReport, RowError
from registry.services.spreadsheets import UnreadableFile
from trace.season_models import SeasonImport
from trace.services.season_columns import KINDS
from trace.services.season_import import import_season, may_import, table_of

SEASON_IMPORT_JOB = "trace.season_import"  # declared in trace.tasks
QUEUED, RUNNING, DONE, REFUSED = "queued", "running", "done", "refused"
_PROGRESS_EVERY = 100  # records between two progress writes


def require_importer(user: User | None, kind: str) -> None:
    """Only a cooperative's staff import its season (404 for a kind there is none of)."""
    if kind not in KINDS:
        raise NotFound(_("Not found."))
    if not may_import(user):
        raise Forbidden(_("Only a cooperative's staff record this."))


def start_import(user: User, kind: str, filename: str, data: bytes) -> SeasonImport:
    """Import the file now, or queue it for the worker when it is long; flushes the record.

    Run now, a refused file's writes are rolled back before its record is added: the caller
    commits in every case (the record, with the rows only when they were all good).
    """
    require_importer(user, kind)
    job = SeasonImport(
        organization_id=user.organization_id,
        user_id=user.id,
        kind=kind,
        filename=(filename or "import")[:255],
        status=QUEUED,
        total_rows=0,
        created=0,
        unchanged=0,
    )
    try:
        job.total_rows = len(table_of(filename, data).rows)
    except UnreadableFile as exc:
        _finish(job, _refusal(kind, [RowError(0, "", exc.message)]))
        db.session.add(job)
        db.session.flush()
        return job
    if job.total_rows > current_app.config.get("SEASON_IMPORT_SYNC_ROWS", 2000):
        job.data = data
        db.session.add(job)
        db.session.flush()
        return job
    report = import_season(user, kind, filename, data)
    if not report.ok:
        db.session.rollback()
        job.data = data
    _finish(job, report)
    db.session.add(job)
    db.session.flush()
    return job


def queue(job: SeasonImport) -> None:
    """Hand a queued import to the worker (after the caller has committed it)."""
    if job.status == QUEUED:
        enqueue(SEASON_IMPORT_JOB, job.id)


def run_job(job_id: int) -> None:
    """The worker's part: import the kept file as its sender, all or nothing, then commit."""
    job = db.session.get(SeasonImport, job_id)
    if job is None or job.status != QUEUED:
        return  # already run (a job queued twice)
    job.status = RUNNING
    db.session.commit()
    user = db.session.get(User, job.user_id)
    data = job.data
    try:
        report = import_season(user, job.kind, job.filename, data or b"", _progress(job))
    except Exception:
        # Never left "running" for ever: the page says the import failed as a whole.
        db.session.rollback()
        job = db.session.get(SeasonImport, job_id)
        _finish(job, _refusal(job.kind, [RowError(0, "", _("The import failed; try again."))]))
        db.session.commit()
        raise
    if not report.ok:
        db.session.rollback()
        job = db.session.get(SeasonImport, job_id)
    _finish(job, report)
    job.data = None if report.ok else data
    db.session.commit()


def _progress(job: SeasonImport):
    huey, key, total = huey_of(), _progress_key(job.id), job.total_rows

    def wrap(records):
        items = list(records)
        for done, record in enumerate(items):
            if done % _PROGRESS_EVERY == 0:
                huey.put(key, {"done": done, "total": len(items), "rows": total})
            yield record
        huey.put(key, {"done": len(items), "total": len(items), "rows": total})

    return wrap


def progress(job: SeasonImport) -> int:
    """How far a running import is, in percent (0 while queued, 100 once finished)."""
    if job.status in (DONE, REFUSED):
        return 100
    if job.status == QUEUED:
        return 0
    try:
        state = huey_of().get(_progress_key(job.id), peek=True)
    except Exception:  # noqa: BLE001 - a page must render when the queue's store is down
        current_app.logger.exception("could not read a season import's progress")
        state = None
    if not state or not state.get("total"):
        return 0
    return min(99, int(100 * state["done"] / state["total"]))


def _progress_key(job_id: int) -> str:
    return f"season-import-{job_id}"


def get_import(user: User | None, job_id: int) -> SeasonImport:
    """An import of the caller's organization, or 404."""
    job = db.session.get(SeasonImport, job_id)
    if job is None or user is None or job.organization_id != user.organization_id:
        raise NotFound(_("Not found."))
    return job


def recent_imports(user: User, limit: int = 10) -> list[SeasonImport]:
    """The organization's latest imports, newest first."""
    return list(
        db.session.scalars(
            select(SeasonImport)
            .where(SeasonImport.organization_id == user.organization_id)
            .order_by(SeasonImport.created_at.desc(), SeasonImport.id.desc())
            .limit(limit)
        )
    )


def report_of(job: SeasonImport) -> ImportReport:
    """The import's outcome in the registry imports' report shape."""
    report = ImportReport(job.kind, job.total_rows, job.created, 0, job.unchanged)
    report.errors = [RowError(**error) for error in job.errors or []]
    return report


def _refusal(kind: str, errors: list[RowError]) -> ImportReport:
    report = ImportReport(kind)
    report.errors = errors
    return report


def _finish(job: SeasonImport, report: ImportReport) -> None:
    job.status = DONE if report.ok else REFUSED
    job.total_rows = report.total_rows or job.total_rows
    job.created, job.unchanged = report.created, report.unchanged
    job.errors = [vars(error) for error in report.errors]
    job.finished_at = datetime.now(UTC)
