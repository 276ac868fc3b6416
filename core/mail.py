"""Sending one e-mail by SMTP (smtplib), with the SMTP_* and MAIL_FROM settings."""

import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


class MailError(Exception):
    """The mail server refused the message or could not be reached."""


class MailServerDown(MailError):
    """No connection to the mail server: the rest of a run would fail the same way."""


def smtp_configured() -> bool:
    """True when SMTP_HOST is set: mails are sent; otherwise recall notices wait in the outbox."""
    return bool(current_app.config.get("SMTP_HOST"))


def _message(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=config["MAIL_FROM"].rpartition("@")[2] or None)
    message.set_content(body)
    return message


class Mailer:
    """One SMTP connection for a run of messages, opened on first use and after any failure."""

    def __init__(self):
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> "Mailer":
        return self

    def __exit__(self, *exc_info) -> None:
        self._drop()

    def _connect(self) -> smtplib.SMTP:
        config = current_app.config
        smtp = smtplib.SMTP(
            config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"]
        )
        if config["SMTP_STARTTLS"]:
            smtp.starttls()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None

    def send(self, to: str, subject: str, body: str) -> None:
        """Hand one plain-text message to the server; raise ``MailError`` if it is not taken."""
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (OSError, smtplib.SMTPException) as exc:
                raise MailServerDown(f"{type(exc).__name__}: {exc}") from exc
        try:
            self._smtp.send_message(_message(to, subject, body))
        except (OSError, smtplib.SMTPException) as exc:
            # A refused recipient leaves the connection usable, a broken one does not: reopen.
            self._drop()
            raise MailError(f"{type(exc).__name__}: {exc}") from exc


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one message on a connection of its own."""
    with Mailer() as mailer:
        mailer.send(to, subject, body)
