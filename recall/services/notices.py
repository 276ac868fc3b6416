"""Recall notices: written into the outbox with the recall, sent by the worker, retried.

The worker (``recall.tasks``) sends a new recall's notices as soon as the recall is
committed, retries failures with a growing pause, and every minute sends whatever is
due; ``flask recall send-notices`` does the same at once. A notice carries a signed
acknowledgement link (itsdangerous, keyed by the app's secret) that works without
logging in. Sending claims a notice first (a conditional UPDATE on its attempt count)
so two senders never send one twice, and commits each result at once: a sent e-mail
cannot be rolled back.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, render_template
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import exists, func, or_, select, update

from core.errors import NotFound
from core.extensions import db
from recall import names as labels
from recall.mail import Mailer, MailError, MailServerDown, smtp_configured
from recall.models import NoticeStatus, Recall, RecallNotice, RecallRecipient

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_SALT = "recall-acknowledgement"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def ack_token(recipient: RecallRecipient) -> str:
    """The signed token of a recipient's acknowledgement link."""
    return _serializer().dumps({"recipient": recipient.id, "recall": recipient.recall_id})


def recipient_for_token(token: str) -> RecallRecipient:
    """The recipient a link's token names; NotFound when it is forged or too old."""
    max_age = current_app.config["RECALL_ACK_LINK_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise NotFound(_("This acknowledgement link has expired; please log in.")) from exc
    except BadSignature as exc:
        raise NotFound(_("This acknowledgement link is not valid.")) from exc
    recipient = db.session.get(RecallRecipient, data.get("recipient"))
    if recipient is None or recipient.recall_id != data.get("recall"):
        raise NotFound(_("This acknowledgement link is not valid."))
    return recipient


def ack_url(recipient: RecallRecipient) -> str:
    """The public acknowledgement link of a recipient, on our public base URL."""
    # Built by hand, not url_for: the demo and the worker run outside any request.
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/recalls/ack/{ack_token(recipient)}"


def _quantity(value) -> str:
    return "?" if value is None else format_decimal(value)


def _day(iso_moment: str | None) -> str:
    return "?" if not iso_moment else format_date(date.fromisoformat(iso_moment[:10]), "short")


def add_notices(recall: Recall, recipient: RecallRecipient, emails: list[str]) -> None:
    """Put one notice per e-mail address of a recipient into the outbox (flushed)."""
    if not emails:
        return
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Recall of lot %(lot)s: act within 24 hours", lot=recall.batch.lot_code)
        body = render_template(
            "recall/notice_email.txt",
            recall=recall,
            recipient=recipient,
            link=ack_url(recipient),
            deadline=recall.deadline.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M"),
            quantity=_quantity,
            day=_day,
            **labels.template_labels(),
        )
    for address in emails:
        db.session.add(
            RecallNotice(
                recall_id=recall.id,
                recipient_id=recipient.id,
                address=address[:254],
                subject=subject[:255],
                body=body,
            )
        )
    db.session.flush()


@dataclass
class SendResult:
    """How a sending run went."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0


def still_needed():
    """SQL condition on a notice: its recipient has not acknowledged the recall yet. Once it
    has (by the link, the button or a phone call noted), its unsent notices are not sent."""
    return ~exists(
        select(RecallRecipient.id).where(
            RecallRecipient.id == RecallNotice.recipient_id,
            RecallRecipient.acknowledged_at.is_not(None),
        )
    )


def due_notice_ids(recall_id: int | None = None, limit: int = 500) -> list[int]:
    """Notices waiting to go out (pending, or failed with attempts left and their pause
    over), for recipients that have not acknowledged yet."""
    now = datetime.now(UTC)
    max_attempts = current_app.config["RECALL_NOTICE_MAX_ATTEMPTS"]
    pause = timedelta(seconds=current_app.config["RECALL_NOTICE_RETRY_SECONDS"])
    stmt = select(RecallNotice.id, RecallNotice.attempts, RecallNotice.last_attempt_at).where(
        RecallNotice.status.in_([NoticeStatus.PENDING, NoticeStatus.FAILED]),
        RecallNotice.attempts < max_attempts,
        still_needed(),
    )
    if recall_id is not None:
        stmt = stmt.where(RecallNotice.recall_id == recall_id)
    due = []
    for notice_id, attempts, last in db.session.execute(
        stmt.order_by(RecallNotice.id).limit(limit)
    ):
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        if last is None or last + pause * 2 ** max(attempts - 1, 0) <= now:
            due.append(notice_id)
    return due


def _claim(notice_id: int) -> tuple[str, str, str] | None:
    """Take a notice for sending: its (address, subject, body), or None when another sender
    took it. Each step is a transaction of its own, and none is open on return: on SQLite a
    write never follows a read in one transaction (another process's commit in between
    would refuse the write at once), and no transaction stays open while the mail goes out.
    """
    seen = db.session.execute(
        select(RecallNotice.status, RecallNotice.attempts).where(RecallNotice.id == notice_id)
    ).first()
    db.session.commit()
    if seen is None or seen.status == NoticeStatus.SENT:
        return None
    claimed = db.session.execute(
        update(RecallNotice)
        .where(
            RecallNotice.id == notice_id,
            RecallNotice.attempts == seen.attempts,
            or_(
                RecallNotice.status == NoticeStatus.PENDING,
                RecallNotice.status == NoticeStatus.FAILED,
            ),
        )
        .values(attempts=seen.attempts + 1, last_attempt_at=datetime.now(UTC))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if claimed.rowcount != 1:
        return None
    message = db.session.execute(
        select(RecallNotice.address, RecallNotice.subject, RecallNotice.body).where(
            RecallNotice.id == notice_id
        )
    ).one()
    db.session.commit()
    return tuple(message)


def send_notices(notice_ids: list[int], progress=lambda ids: ids) -> SendResult:
    """Send these notices by SMTP, each result committed at once; nothing when SMTP is unset."""
    result = SendResult()
    if not smtp_configured():
        result.skipped = len(notice_ids)
        return result
    stop = False
    with Mailer() as mailer:
        for notice_id in progress(notice_ids):
            if stop:
                result.skipped += 1  # the server is down: left for the next try
                continue
            stop = not _send_one(mailer, notice_id, result)
    return result


def _send_one(mailer: Mailer, notice_id: int, result: SendResult) -> bool:
    """Send one notice and commit how it went; False when the server cannot be reached."""
    message = _claim(notice_id)
    if message is None:
        result.skipped += 1
        return True
    reachable = True
    try:
        mailer.send(*message)
    except MailError as exc:
        outcome = {"status": NoticeStatus.FAILED, "last_error": str(exc)[:500]}
        result.failed += 1
        reachable = not isinstance(exc, MailServerDown)
    else:
        outcome = {"status": NoticeStatus.SENT, "sent_at": datetime.now(UTC), "last_error": None}
        result.sent += 1
    # The outcome is its transaction's first statement (see _claim).
    db.session.execute(
        update(RecallNotice)
        .where(RecallNotice.id == notice_id)
        .values(**outcome)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return reachable


def unsent_count(recall_id: int) -> int:
    """A recall's notices not sent yet that may still be tried (pending, or failed with
    attempts left) and are still needed (their recipient has not acknowledged)."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecallNotice)
        .where(
            RecallNotice.recall_id == recall_id,
            RecallNotice.status.in_([NoticeStatus.PENDING, NoticeStatus.FAILED]),
            RecallNotice.attempts < current_app.config["RECALL_NOTICE_MAX_ATTEMPTS"],
            still_needed(),
        )
    )
