"""Operator commands of recalls: ``flask recall send-notices`` (the outbox worker)."""

import time

import click
from flask import Flask
from flask.cli import AppGroup

from recall.mail import smtp_configured
from recall.services.notices import due_notice_ids, send_notices

recall_cli = AppGroup("recall", help="Product recalls.")


@recall_cli.command("send-notices")
@click.option("--recall", "recall_id", type=int, help="Only this recall's notices.")
@click.option("--loop", is_flag=True, help="Keep running, sending what falls due.")
@click.option("--interval", default=30, show_default=True, help="Seconds between rounds.")
def send_notices_command(recall_id, loop, interval):
    """Send the pending notices, and retry failed ones with a growing pause."""
    if not smtp_configured():
        raise click.ClickException("SMTP_HOST is not set: the notices stay in the outbox.")
    while True:
        ids = due_notice_ids(recall_id)
        with click.progressbar(ids, label="Notices", show_pos=True) as bar:
            result = send_notices(ids, progress=lambda rows: bar)
        click.echo(f"sent {result.sent}, failed {result.failed}, skipped {result.skipped}")
        if not loop:
            return
        time.sleep(interval)


def register(app: Flask) -> None:
    """Attach the recall command group to the app."""
    app.cli.add_command(recall_cli)
