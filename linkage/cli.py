"""Linkage's part in the operator commands: its demo data joins ``flask demo``."""

from flask import Flask

from linkage.demo import create_linkage_demo
from registry.demo import add_demo_step


def register(app: Flask) -> None:
    """Add the linkage demo after the trace demo (it delivers the trace demo's lots)."""
    add_demo_step("linkage", create_linkage_demo)
