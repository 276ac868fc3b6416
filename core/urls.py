"""The service's own public address, and the one rule for where a ``next=`` may send a browser."""

import unicodedata
from urllib.parse import urlsplit

from flask import current_app

# Control, format and separator characters: browsers drop or reinterpret them in a Location
# (a tab in "/\t/evil.example" makes it "//evil.example"), and a newline cannot be sent at all.
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}


def base_url() -> str:
    """Our public base URL (``PUBLIC_BASE_URL``), without a trailing slash."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def safe_local_path(target: str | None, fallback: str = "/") -> str:
    """``target`` if it is a path on this site, else ``fallback``.

    A path here has no scheme, no host, no backslash, no control, format or space character,
    and does not start with ``//``: anything a browser could read as another site is refused.
    """
    if not target or len(target) > 2000 or not target.startswith("/"):
        return fallback
    if target.startswith("//") or "\\" in target:
        return fallback
    if any(unicodedata.category(char) in _UNSAFE_CATEGORIES for char in target):
        return fallback
    try:
        parts = urlsplit(target)
    except ValueError:
        return fallback
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return fallback
    return target
