"""EUDR: plots with real geometry on growing areas, and the evidence for coffee sold to the EU
(Regulation (EU) 2023/1115): GeoJSON in the EU Information System's format, a summary and a
cover sheet for every shipment, from the backward trace."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach this feature's models, views and demo step to the app (called by the factory)."""
    import eudr.models  # noqa: F401 - registers the tables with the metadata
    import eudr.services.features  # noqa: F401 - its flush listeners keep eu_feature current
    from eudr import views
    from eudr.demo import create_eudr_demo
    from eudr.models import Plot
    from eudr.services import plots
    from files import store
    from registry.demo import add_demo_step

    app.register_blueprint(views.bp)
    # Land documents are in the file store: kept while a plot names them, and moved there
    # from the old upload folder by ``flask files migrate``.
    store.add_reference(app, Plot.land_document_path)
    store.add_legacy(app, plots.legacy_documents)
    app.add_template_global(views.lot_statements, "eudr_statements")
    add_demo_step("eudr", create_eudr_demo)
