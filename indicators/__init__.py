"""Indicators: the traceability and linkage rates: dashboard, reports, open data."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach this feature's models, views and commands to the app (called by the factory)."""
