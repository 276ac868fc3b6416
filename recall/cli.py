"""Operator commands of recalls: ``flask recall send-notices`` sends what waits, at once.

The worker (``flask worker``, ``recall.tasks``) sends the notices by itself; this command is
for an operator who wants them out now, e.g. right after configuring SMTP.
"""

import click
from flask import Flask
from flask.cli import AppGroup

from recall.mail import smtp_configured
from recall.services.notices import due_notice_ids, send_notices

recall_cli = AppGroup("recall", help="Product recalls.")


@recall_cli.command("send-notices")
@click.option("--recall", "recall_id", type=int, help="Only this recall's notices.")
def send_notices_command(recall_id):
    """Send the pending notices now, and failed ones whose pause is over."""
    if not smtp_configured():
        raise click.ClickException("SMTP_HOST is not set: the notices stay in the outbox.")
    ids = due_notice_ids(recall_id)
    with click.progressbar(ids, label="Notices", show_pos=True) as bar:
        result = send_notices(ids, progress=lambda rows: bar)
    click.echo(f"sent {result.sent}, failed {result.failed}, skipped {result.skipped}")


def register(app: Flask) -> None:
    """Attach the recall command group to the app."""
    app.cli.add_command(recall_cli)
