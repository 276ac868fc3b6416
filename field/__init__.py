"""The offline field app (PWA): forms on a phone with no signal, a local queue, and the
batch submit that stores each record exactly once (issue 21)."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the field app's models, pages and photos to the app (called by the factory)."""
    import field.models  # noqa: F401 - registers the tables with the metadata
    from field import views
    from field.models import FieldPhoto
    from field.services import photos
    from files import store

    app.register_blueprint(views.bp)
    # Event photos are in the file store: kept while an event names them.
    store.add_reference(app, FieldPhoto.sha256)
    # The trace's lot page shows the photos without trace knowing this package.
    app.add_template_global(views.lot_photos, "field_photos")
    # The consumer page shows the photos the cooperative made public, without knowing us.
    app.add_template_global(photos.public_photos, "field_public_photos")
