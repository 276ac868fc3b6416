"""One file store for every host: product images, EUDR documents and whatever is uploaded.

Files are kept by the SHA-256 of their content (sent twice, stored once) in the database
(``stored_files`` and ``file_chunks``, the default) or in S3-compatible object storage
(``FILES_URL=s3://bucket/prefix``); ``stored_files`` names every file in both cases. The
package is low level, like ``core``: features import it, it imports no feature. Features
tell it which of their columns name files (``references``) and how to move their old
uploads out of ``INSTANCE_DIR/uploads`` (``legacy``).
"""

from flask import Flask


def register(app: Flask) -> None:
    """Attach the store, its view and ``flask files`` to the app (called by the factory)."""
    import files.models  # noqa: F401 - registers the tables with the metadata
    from files import cli, store, views

    store.init_app(app)
    app.register_blueprint(views.bp)
    cli.register(app)
