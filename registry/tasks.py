"""Registry jobs for the worker: the mail carrying an invitation or password-reset link."""

import logging

from core.mail import MailError, send_mail, smtp_configured
from jobs import RetryLater, task

log = logging.getLogger(__name__)

SEND_ACCOUNT_MAIL_JOB = "registry.send_account_mail"


def _retries(config) -> dict:
    # As a recall notice's: RECALL_NOTICE_RETRY_SECONDS, doubled after each failure.
    return {
        "retries": max(config["RECALL_NOTICE_MAX_ATTEMPTS"] - 1, 0),
        "retry_delay": config["RECALL_NOTICE_RETRY_SECONDS"],
        "retry_backoff": 2,
    }


@task(SEND_ACCOUNT_MAIL_JOB, options=_retries)
def send_account_mail(to: str, subject: str, body: str) -> None:
    """Send one account mail; huey tries again later while the mail server refuses it."""
    if not smtp_configured():
        # The administrator was shown the link to hand over instead.
        log.warning("SMTP_HOST is not set: an account mail to a user was not sent")
        return
    try:
        send_mail(to, subject, body)
    except MailError as exc:
        raise RetryLater(f"account mail not sent yet: {exc}") from exc
