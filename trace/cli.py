"""Operator commands of the trace side: ``flask trace verify``, ``flask trace refresh-traced``."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select

from core.extensions import db
from files import store
from registry.demo import add_demo_step
from trace.demo import create_trace_demo
from trace.models import Batch, Product, TraceEvent
from trace.services import products
from trace.services.chain import verify_chain
from trace.services.completeness import refresh_all_traced

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


@trace_cli.command("refresh-traced")
@click.option("--chunk", default=20000, show_default=True, help="Batches per transaction.")
def refresh_traced_command(chunk):
    """Recompute every batch's stored "traced" flag from its checklist (back-fills)."""
    total = db.session.scalar(select(func.count(Batch.id)))
    with click.progressbar(length=total, label="Batches", show_pos=True) as bar:

        def done(count: int) -> None:
            db.session.commit()  # one transaction per chunk: a long back-fill holds no locks
            bar.update(count)

        changed = refresh_all_traced(chunk, done)
    db.session.commit()
    click.echo(f"OK: {changed} batches checked.")


def register(app: Flask) -> None:
    """Attach the trace command group to the app, and the trace demo to ``flask demo``."""
    app.cli.add_command(trace_cli)
    add_demo_step("trace", create_trace_demo)
    # Product images are in the file store: never deleted while a product names them, and
    # moved there from the old upload folder by ``flask files migrate``.
    store.add_reference(app, Product.image_path)
    store.add_legacy(app, products.legacy_images)
