"""Operator commands of the trace side: ``flask trace verify``, ``anchor``, ``refresh-traced``."""

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import func, select, union

from core.extensions import db
from files import store
from registry.demo import add_demo_step
from trace.chain_models import BatchRevision
from trace.demo import create_trace_demo
from trace.models import Batch, Product, TraceEvent
from trace.services import products
from trace.services.anchors import (
    anchors_path,
    check_against,
    export_anchors,
    record_daily_anchor,
)
from trace.services.chain import verify_chain
from trace.services.completeness import refresh_all_traced
from trace.services.revisions import BrokenRevision, lots_off_record, verify_revisions

trace_cli = AppGroup("trace", help="Traceability records.")


@trace_cli.command("verify")
@click.option("--org", "org_ids", multiple=True, type=int, help="Only these organization ids.")
@click.option(
    "--against",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An anchors file (chain-heads.jsonl, the export file or the open-data download): its"
    " last heads must still be in the chains.",
)
def verify_command(org_ids, against):
    """Check every organization's event chain, lot revisions and lots; name the first broken
    record of each organization."""
    ids = list(org_ids) or list(
        db.session.scalars(
            union(
                select(TraceEvent.organization_id), select(BatchRevision.organization_id)
            ).order_by("organization_id")
        )
    )
    broken = []
    with click.progressbar(ids, label="Organizations", show_pos=True) as bar:
        for org_id in bar:
            link = verify_chain(org_id)
            if link is not None:
                broken.append(
                    f"organization {link.organization_id}: event {link.event_id} "
                    f"(chain position {link.chain_seq}): {link.problem}"
                )
            revision = verify_revisions(org_id)
            if revision is not None:
                broken.append(_lot_message(revision))
    broken += [_lot_message(lot) for lot in lots_off_record(org_ids)]
    if against is not None:
        for problem in check_against(against):
            if problem.organization_id is None:
                broken.append(f"anchors file {against}: {problem.problem}")
            elif not org_ids or problem.organization_id in org_ids:
                broken.append(f"organization {problem.organization_id}: {problem.problem}")
    for message in broken:
        click.echo(f"BROKEN {message}", err=True)
    if broken:
        raise SystemExit(1)
    anchored = f", against the anchors in {against}" if against else ""
    click.echo(f"OK: {len(ids)} organization chains verified{anchored}.")


def _lot_message(lot: BrokenRevision) -> str:
    where = (
        f" (revision {lot.revision_id}, chain position {lot.chain_seq})" if lot.revision_id else ""
    )
    return f"organization {lot.organization_id}: lot {lot.batch_id}{where}: {lot.problem}"


@trace_cli.command("anchor")
def anchor_command():
    """Record today's chain heads now (the worker does it daily), in the database and the
    export file (ANCHORS_FILE)."""
    line = record_daily_anchor()
    db.session.commit()
    path = anchors_path()
    if path is not None:
        export_anchors()
    where = f"the database and {path}" if path is not None else "the database (no ANCHORS_FILE)"
    if line is None:
        click.echo(f"Today is anchored already in {where}.")
    else:
        click.echo(f"Anchored {line['day']}: {line['digest']} in {where}.")


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
    from trace import tasks  # noqa: F401 - declares the worker's daily anchor job

    app.cli.add_command(trace_cli)
    add_demo_step("trace", create_trace_demo)
    # Product images are in the file store: never deleted while a product names them, and
    # moved there from the old upload folder by ``flask files migrate``.
    store.add_reference(app, Product.image_path)
    store.add_legacy(app, products.legacy_images)
