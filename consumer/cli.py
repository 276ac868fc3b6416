"""Operator commands of the consumer pages: ``flask consumer keep-pages``."""

import click
from flask import Flask
from flask.cli import AppGroup

from consumer import keeping

consumer_cli = AppGroup("consumer", help="Consumer pages.")


@consumer_cli.command("keep-pages")
def keep_pages_command():
    """Render and keep in the database the page of every public lot, in every language,
    where no current one is kept (after an upgrade; the worker keeps them after changes)."""
    lots = keeping.every_public_lot()
    with click.progressbar(length=len(lots), label="Lots", show_pos=True) as bar:
        rendered = keeping.keep_pages(lots, bar.update)
    click.echo(f"{rendered} pages rendered and kept for {len(lots)} lots.")


def register(app: Flask) -> None:
    """Add ``flask consumer …`` to the app's commands."""
    app.cli.add_command(consumer_cli)
