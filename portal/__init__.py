"""Portal sync: an outbox of records shared with the national traceability portal."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach this feature's models, views and commands to the app (called by the factory)."""
    import portal.models  # noqa: F401 - registers the outbox table with the metadata
    from portal import cli, tasks, views  # noqa: F401 - tasks declares the worker's job

    app.register_blueprint(views.bp)
    cli.register(app)
