"""Operator commands: ``flask portal sync`` (at once), ``status``, ``retry``.

The worker (``flask worker``, ``portal.tasks``) syncs every PORTAL_SYNC_MINUTES by itself;
``sync`` is for an operator who wants it now. Several may run at once on PostgreSQL (rows
are claimed with SKIP LOCKED); on SQLite, the worker's job is never run twice at once.
"""

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale

from core.extensions import db
from portal.adapters import adapter_for
from portal.services import outbox, status, worker
from registry.models import Role, User

portal_cli = AppGroup("portal", help="Sharing records with the national traceability portal.")

_ADAPTER = click.option(
    "--adapter",
    "adapter_name",
    default=None,
    help="epcis or national (default: PORTAL_ADAPTER).",
)


def _operator() -> User:
    # Not saved: the operator at the server's console acts with the department's rights.
    return User(role=Role.DEPARTMENT_ADMIN, email="operator@localhost", full_name="operator")


@portal_cli.command("sync")
@_ADAPTER
@click.option("--once", is_flag=True, help="Send one batch only.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most N records.")
def sync_command(adapter_name, once, limit):
    """Queue new records and send what is due; exit 1 when some could not be sent."""
    try:
        adapter = adapter_for(adapter_name or current_app.config["PORTAL_ADAPTER"])
        settings = worker.Settings.from_config()
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        report = _sync_once(adapter, settings, once, limit)
    if not report.ok:
        raise SystemExit(1)


def _sync_once(adapter, settings, once: bool, limit: int | None) -> worker.SyncReport:
    enqueued = outbox.enqueue(adapter.name, adapter.kinds)
    db.session.commit()
    total = outbox.due_count(adapter.name)
    if limit is not None:
        total = min(total, limit)
    if once:
        total = min(total, settings.batch_size)
    with click.progressbar(length=total, label=f"Sending to {adapter.name}", show_pos=True) as bar:
        report = worker.run(adapter, settings, limit=limit, once=once, progress=bar.update)
    click.echo(
        f"{adapter.name}: queued {enqueued}, sent {report.sent} in {report.batches} batch(es), "
        f"retrying {report.retrying}, failing {report.failing}"
    )
    for error in dict.fromkeys(report.errors):
        click.echo(f"  {error}", err=True)
    return report


@portal_cli.command("status")
def status_command():
    """Print how many records are pending, retrying, failing and sent."""
    rows = status.counts(_operator())
    click.echo("destination\tkind\tpending\tretrying\tfailing\tsent")
    for row in rows:
        click.echo(
            f"{row['destination']}\t{row['kind']}\t{row['pending']}\t{row['retrying']}"
            f"\t{row['failing']}\t{row['sent']}"
        )


@portal_cli.command("retry")
@click.option("--destination", default=None, help="Only this destination (epcis, national).")
def retry_command(destination):
    """Make failing records due again now."""
    count = status.retry(_operator(), destination)
    db.session.commit()
    click.echo(f"{count} record(s) will be sent again on the next sync.")


def register(app: Flask) -> None:
    """Attach the ``portal`` command group to the app."""
    app.cli.add_command(portal_cli)
