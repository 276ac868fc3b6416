"""Capture jobs of GS1's EPCIS 2.0 REST binding: ``POST /capture`` keeps the document and
answers at once; the background worker captures it (``epcis.tasks``), all or nothing, as the
API's own capture does; ``GET /capture/{captureID}`` reads the job's state and errors.

Each job is its organization's: another caller gets 404 for it, as for any record it may not
see. The document is dropped once captured (the events hold what was stored).
"""

import secrets
from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import NotFound, ServiceError
from core.extensions import db
from epcis import capture as epcis_capture
from epcis.models import CaptureJob
from registry.models import User
from registry.services.scoping import require_own_org, sees_everything

CAPTURE_JOB = "epcis.capture"  # declared in epcis.tasks
VALIDATION = "epcisException:ValidationException"


def create_job(user: User, document: dict) -> CaptureJob:
    """A capture job for ``document``, running until the worker has captured it; flushes."""
    require_own_org(user, user.organization_id)  # the department records nothing: 403
    job = CaptureJob(
        capture_id=secrets.token_hex(16),
        organization_id=user.organization_id,
        user_id=user.id,
        document=document,
        running=True,
        success=True,
        stored=0,
        duplicates=0,
        errors=[],
    )
    db.session.add(job)
    db.session.flush()
    return job


def get_job(user: User | None, capture_id: str) -> CaptureJob:
    """The capture job ``capture_id`` of the caller's organization (the department: any); 404."""
    job = db.session.scalars(
        select(CaptureJob).where(CaptureJob.capture_id == capture_id[:40])
    ).first()
    if job is None or not (
        sees_everything(user) or (user is not None and user.organization_id == job.organization_id)
    ):
        raise NotFound(_("Not found."))
    return job


def run_job(job_id: int) -> None:
    """The worker's part: capture the job's document as its sender, and commit its outcome.

    All or nothing (the binding's ``rollback`` behaviour): the events and the job's success
    are committed together; a refused document leaves no event, and the job its errors.
    """
    job = db.session.get(CaptureJob, job_id)
    if job is None or not job.running:
        return  # already done (a job queued twice)
    user = db.session.get(User, job.user_id)
    try:
        report = epcis_capture.capture_document(user, job.document or {})
    except ServiceError as refusal:
        db.session.rollback()
        _finish(job_id, [_problem(refusal.message, field) for field in refusal.errors or {"": []}])
        return
    if not report.ok:
        db.session.rollback()
        _finish(job_id, [_error_problem(error) for error in report.errors])
        return
    job.stored, job.duplicates = report.stored, report.duplicates
    _close(job, success=True, errors=[])
    db.session.commit()


def _finish(job_id: int, errors: list[dict]) -> None:
    job = db.session.get(CaptureJob, job_id)
    _close(job, success=False, errors=errors)
    db.session.commit()


def _close(job: CaptureJob, success: bool, errors: list[dict]) -> None:
    job.running, job.success, job.errors = False, success, errors
    job.document = None
    job.finished_at = datetime.now(UTC)


def _error_problem(error) -> dict:
    problem = _problem(error.message, error.field)
    if error.index >= 0:
        problem["detail"] = _(
            "Event %(number)s, %(field)s: %(message)s",
            number=error.index + 1,
            field=error.field,
            message=error.message,
        )
        problem["eventIndex"] = error.index
    if error.event_id:
        problem["eventID"] = error.event_id
    return problem


def _problem(message: str, field: str) -> dict:
    """An RFC 7807 problem, as the binding's capture job lists its errors."""
    problem = {"type": VALIDATION, "title": message, "status": 400}
    if field:
        problem["field"] = field
    return problem
