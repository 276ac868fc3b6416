"""The service's own public address, as every package writes it into URIs and links."""

from flask import current_app


def base_url() -> str:
    """Our public base URL (``PUBLIC_BASE_URL``), without a trailing slash."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")
