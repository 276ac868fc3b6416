"""Operator commands of the trace side: ``flask trace verify``."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from core.extensions import db
from registry.demo import add_demo_step
from trace.demo import create_trace_demo
from trace.models import TraceEvent
from trace.services.chain import verify_chain

trace_cli = AppGroup("trace", help="Traceability records.")


@trace_cli.command("verify")
@click.option("--org", "org_ids", multiple=True, type=int, help="Only these organization ids.")
def verify_command(org_ids):
    """Check every organization's event hash chain; name the first broken link."""
    ids = list(org_ids) or list(
        db.session.scalars(
            select(TraceEvent.organization_id).distinct().order_by(TraceEvent.organization_id)
        )
    )
    broken = []
    with click.progressbar(ids, label="Organizations", show_pos=True) as bar:
        for org_id in bar:
            link = verify_chain(org_id)
            if link is not None:
                broken.append(link)
    for link in broken:
        click.echo(
            f"BROKEN organization {link.organization_id}: event {link.event_id} "
            f"(chain position {link.chain_seq}): {link.problem}",
            err=True,
        )
    if broken:
        raise SystemExit(1)
    click.echo(f"OK: {len(ids)} organization chains verified.")


def register(app: Flask) -> None:
    """Attach the trace command group to the app, and the trace demo to ``flask demo``."""
    app.cli.add_command(trace_cli)
    add_demo_step("trace", create_trace_demo)
