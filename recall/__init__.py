"""Recall: a lot found unsafe, traced forward, its recipients notified."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach this feature's models, views and commands to the app (called by the factory)."""
    import recall.models  # noqa: F401 - registers the tables with the metadata
    from recall import cli, tasks, views  # noqa: F401 - tasks declares the worker's jobs
    from recall.demo import create_recall_demo
    from registry.demo import add_demo_step

    app.register_blueprint(views.bp)
    cli.register(app)
    add_demo_step("recall", create_recall_demo)
