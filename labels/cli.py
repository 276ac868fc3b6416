"""Labels' part in the operator commands: its demo step joins ``flask demo``."""

from flask import Flask

from labels.demo import create_labels_demo
from registry.demo import add_demo_step


def register(app: Flask) -> None:
    """Add the labels' demo step after the trace demo (it prints the trace demo's lots)."""
    add_demo_step("labels", create_labels_demo)
