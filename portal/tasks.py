"""The portal sync as the worker's job: every PORTAL_SYNC_MINUTES when PORTAL_ENDPOINT is set.

Each record keeps its own back-off (``portal.services.worker``: doubling, capped, and never
sooner than the portal's Retry-After), shown on the status page; a run sends what is due.
"""

import logging

from flask import current_app

from core.extensions import db
from jobs import periodic
from portal.adapters import adapter_for
from portal.services import outbox, worker

log = logging.getLogger(__name__)

SYNC_JOB = "portal.sync"


def sync_every(config) -> int | None:
    """Minutes between the worker's syncs; None when there is no PORTAL_ENDPOINT."""
    if not config.get("PORTAL_ENDPOINT"):
        return None  # nowhere to send to: no job
    return min(max(int(config["PORTAL_SYNC_MINUTES"]), 1), 60)


@periodic(SYNC_JOB, every=sync_every)
def sync_portal() -> None:
    """Queue new records and send what is due, batch by batch (as ``flask portal sync``)."""
    adapter = adapter_for(current_app.config["PORTAL_ADAPTER"])
    settings = worker.Settings.from_config()
    enqueued = outbox.enqueue(adapter.name, adapter.kinds)
    db.session.commit()
    report = worker.run(adapter, settings)
    log.info(
        "%s: queued %s, sent %s in %s batch(es), retrying %s, failing %s",
        adapter.name,
        enqueued,
        report.sent,
        report.batches,
        report.retrying,
        report.failing,
    )
    for error in dict.fromkeys(report.errors):
        log.warning("%s: %s", adapter.name, error)
