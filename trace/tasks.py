"""Trace jobs for the worker: every hour, the day's anchor of every chain head, recorded once
a day in the database and appended to the export file (``trace.services.anchors``); hourly so
a worker down at midnight still writes it. On demand, a long season import."""

import logging

from core.extensions import db
from jobs import periodic, task
from trace.services.anchors import anchors_path, export_anchors, record_daily_anchor
from trace.services.season_jobs import SEASON_IMPORT_JOB, run_job

log = logging.getLogger(__name__)

ANCHOR_JOB = "trace.anchor_chain_heads"


@periodic(ANCHOR_JOB, every=lambda config: 60)
def anchor_chain_heads() -> None:
    """Record today's chain heads unless they are recorded already; bring the export file up
    to date (a line a crash kept out of it is appended at the next run)."""
    line = record_daily_anchor()
    db.session.commit()
    if line is not None:
        log.info("chain heads anchored for %s: %s", line["day"], line["digest"])
    if anchors_path() is None:
        log.warning("ANCHORS_FILE is not set: the anchors are in the database only")
    else:
        export_anchors()


@task(SEASON_IMPORT_JOB)
def run_season_import(job_id: int) -> None:
    """Import a long season file kept by its upload, all or nothing (``season_jobs``)."""
    run_job(job_id)
