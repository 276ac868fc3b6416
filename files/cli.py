"""``flask files migrate`` (old uploads into the store), ``flask files delete-unreferenced``
and ``flask backup verify FILE`` (the files a backup names that the store lacks)."""

from datetime import timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from core.backup import BackupError, backup_cli, column_values
from core.extensions import db
from files import store


@click.group("files")
def files_cli():
    """The file store: move old uploads into it, delete files nothing names."""


@files_cli.command("migrate")
@with_appcontext
def migrate_command():
    """Move the files of INSTANCE_DIR/uploads into the store (safe to run again)."""
    pending = [item for listing in current_app.extensions["files_legacy"] for item in listing()]
    moved, missing = 0, []
    with click.progressbar(pending, label="Moving files into the store") as bar:
        for item in bar:
            if not item.path.is_file():
                missing.append(item.path)
                continue
            item.move()
            db.session.commit()  # one file at a time: an interrupted run resumes where it was
            item.path.unlink(missing_ok=True)
            moved += 1
    click.echo(f"{moved} file(s) moved into the store.")
    for path in missing:
        click.echo(f"Missing, left as it was: {path}", err=True)


@files_cli.command("delete-unreferenced")
@click.option(
    "--min-age-hours",
    type=click.FloatRange(min=0),
    default=24,
    show_default=True,
    help="Spare files stored more recently than this (an upload may be about to name them).",
)
@with_appcontext
def delete_unreferenced_command(min_age_hours: float):
    """Delete the stored files that no product, plot or other record names, and the bytes
    that an upload rolled back left in the bucket."""
    deleted = store.delete_unreferenced(timedelta(hours=min_age_hours))
    db.session.commit()
    click.echo(f"{len(deleted)} unreferenced file(s) deleted.")


@backup_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def verify_command(file: Path):
    """Report every file the backup's database names that the file store lacks."""
    try:
        hashes = column_values(file, "stored_files", "sha256")
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    if isinstance(store.backing(), store.DatabaseBacking):
        click.echo(f"{len(hashes)} file(s), all inside the backup itself (database store).")
        return
    lacking = sorted(store.lacking(hashes))
    for sha256 in lacking:
        click.echo(f"Missing from the store: {sha256}")
    if lacking:
        raise click.ClickException(f"{len(lacking)} of {len(hashes)} file(s) are missing.")
    click.echo(f"All {len(hashes)} file(s) the backup names are in the store.")


def register(app: Flask) -> None:
    """Attach ``flask files`` to the app (``backup verify`` joins ``flask backup``)."""
    app.cli.add_command(files_cli)
