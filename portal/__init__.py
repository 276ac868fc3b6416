"""Portal sync: an outbox of records shared with the national traceability portal."""

from flask import Flask


def register(app: Flask) -> None:
    """Attach this feature's models, views and commands to the app (called by the factory)."""
