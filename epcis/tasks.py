"""EPCIS jobs for the worker: a document sent to the REST binding's ``/capture``, captured."""

from epcis.capture_jobs import CAPTURE_JOB, run_job
from jobs import task


@task(CAPTURE_JOB)
def capture_job(job_id: int) -> None:
    """Capture the job's document (all or nothing) and record the outcome on the job."""
    run_job(job_id)
