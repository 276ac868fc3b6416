"""EUDR: plots with real geometry on growing areas, and the evidence for coffee sold to the EU
(Regulation (EU) 2023/1115): GeoJSON in the EU Information System's format, a summary and a
cover sheet for every shipment, from the backward trace."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach this feature's models and views to the app (called by the factory)."""
    import eudr.models  # noqa: F401 - registers the tables with the metadata
    from eudr import views

    app.register_blueprint(views.bp)
