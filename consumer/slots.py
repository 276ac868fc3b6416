"""The per-request parts of a cached lot page: marked slots in the kept text, filled per request.

A lot's page is rendered once and shared by every request for it (and by its items'
pages); what differs per request — the language links (they carry the request's
own path), the code scanned, an item's counter and warning — is left in the text as
a comment ``<!--htx:name-->`` and filled in just before the page is sent.
"""

from collections.abc import Callable

from markupsafe import Markup, escape


def slot(name: str) -> Markup:
    """The marker of the slot ``name`` in a template's output."""
    # A comment: text people type is escaped, so it can never make (or break) a marker.
    return Markup(f"<!--htx:{name}-->")  # noqa: S704 - our own names, never user text


def lot_parts(code: str, languages, lang_url: Callable[[str], str]) -> dict[str, str]:
    """The parts of a lot's page (not an item's): language links, the code, no item parts."""
    parts = {f"lang:{language}": str(escape(lang_url(language))) for language in languages}
    parts.update(code=str(escape(code)), alert="", item="", scans="")
    return parts


def filled(html: str, parts: dict[str, str]) -> str:
    """``html`` with each slot replaced by its part."""
    for name, value in parts.items():
        html = html.replace(f"<!--htx:{name}-->", value)
    return html
