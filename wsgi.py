"""WSGI entry point: ``gunicorn wsgi:app``."""

from core.factory import create_app

app = create_app()
