"""Demo data for a believable Gia Lai deployment (``flask demo``, ``flask setup``)."""

import click


@click.command("demo")
def demo_command():
    """Create the demo dataset."""


@click.command("setup")
def setup_command():
    """Load units and demo data once."""
