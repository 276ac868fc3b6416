"""Recall: a lot found unsafe, traced forward, its recipients notified."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach this feature's models, views and commands to the app (called by the factory)."""
