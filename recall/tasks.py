"""Recall jobs for the worker: a new recall's notices, retried by huey with back-off, and
every minute whatever notice is due (failed ones whose pause is over, or those that waited
for SMTP to be configured)."""

import logging

from jobs import RetryLater, periodic, task
from recall.mail import smtp_configured
from recall.services.notices import due_notice_ids, send_notices, unsent_count
from recall.services.recalls import SEND_NOTICES_JOB

log = logging.getLogger(__name__)


class NoticesLeft(RetryLater):
    """Some notices of a recall could not be sent yet: huey runs the job again later."""


def _retries(config) -> dict:
    # As the notices' own pause (notices.due_notice_ids): RECALL_NOTICE_RETRY_SECONDS,
    # doubled after each failure, up to RECALL_NOTICE_MAX_ATTEMPTS sends of a notice.
    return {
        "retries": max(config["RECALL_NOTICE_MAX_ATTEMPTS"] - 1, 0),
        "retry_delay": config["RECALL_NOTICE_RETRY_SECONDS"],
        "retry_backoff": 2,
    }


@task(SEND_NOTICES_JOB, options=_retries)
def send_recall_notices(recall_id: int) -> None:
    """Send a recall's notices; raise (so huey retries later) while some are left unsent."""
    if not smtp_configured():
        log.warning("recall %s: SMTP_HOST is not set, its notices wait in the outbox", recall_id)
        return
    result = send_notices(due_notice_ids(recall_id))
    log.info(
        "recall %s: sent %s, failed %s, skipped %s",
        recall_id,
        result.sent,
        result.failed,
        result.skipped,
    )
    left = unsent_count(recall_id)
    if left:
        raise NoticesLeft(f"recall {recall_id}: {left} notice(s) not sent yet")


@periodic("recall.send_due_notices", every=lambda config: 1)
def send_due_notices() -> None:
    """Every minute: send every notice that is due (the safety net of the job above)."""
    if not smtp_configured():
        return
    result = send_notices(due_notice_ids())
    if result.sent or result.failed:
        log.info("due notices: sent %s, failed %s", result.sent, result.failed)
