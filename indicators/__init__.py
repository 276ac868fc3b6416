"""Indicators: the traceability and linkage rates: dashboard, reports, open data."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach this feature's views (the dashboard under /indicators, and /open-data)."""
    from indicators import views

    app.register_blueprint(views.bp)
    app.register_blueprint(views.open_data_bp)
