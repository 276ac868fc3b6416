"""Sending e-mail by SMTP: the mailer lives in core.mail (account mails use it too)."""

from core.mail import Mailer, MailError, MailServerDown, send_mail, smtp_configured

__all__ = ["MailError", "MailServerDown", "Mailer", "send_mail", "smtp_configured"]
