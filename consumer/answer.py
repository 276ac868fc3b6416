"""The answer of a lot's (or item's) consumer page from its cached text: one function for
both ways in — the views and the page front (``consumer.front``).

``page_answer`` records the scan, commits, fills the page's per-request slots and builds
every header of the answer (caching, ETag, Link, CORS, security), so the front and the
views send the same bytes and headers because they run the same code.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask import Flask
from werkzeug.datastructures import EnvironHeaders
from werkzeug.http import generate_etag, http_date, quote_etag

from consumer import http, scans, slots
from consumer.linkset import link_header, linkset_href, lot_anchors
from consumer.lookup import Resolved
from core.extensions import db
from core.security import page_headers


@dataclass(frozen=True)
class PageRequest:
    """What a page's answer reads of its request (a WSGI environ, with or without Flask)."""

    method: str
    path: str  # as the client sent it, still percent-encoded
    pairs: list[tuple[str, str]]  # the query's pairs but ``lang``
    locale: str
    address: str | None
    headers: Mapping[str, str]
    secure: bool
    chose_language: bool = False  # ?lang= picked the language: a personal answer, no scan

    @classmethod
    def of(cls, environ, locale: str, pairs=(), chose_language: bool = False) -> "PageRequest":
        """The request of ``environ`` (``pairs``: its query, read by the caller)."""
        return cls(
            method=environ.get("REQUEST_METHOD", "GET"),
            path=http.raw_path(environ),
            pairs=list(pairs),
            locale=locale,
            address=environ.get("REMOTE_ADDR"),
            headers=EnvironHeaders(environ),
            secure=environ.get("wsgi.url_scheme") in ("https", "wss"),
            chose_language=chose_language,
        )


def page_answer(
    app: Flask,
    found: Resolved,
    html: str,
    asked: PageRequest,
    item_parts: Callable[[], dict[str, str]] | None = None,
) -> tuple[bytes, list[tuple[str, str]]]:
    """The body and headers of the page of ``found`` from its cached ``html``: the scan
    recorded (and committed), the slots filled — an item's own ones by ``item_parts()``,
    called after its scan is recorded —, the headers every such page carries."""
    unit = found.unit
    if not asked.chose_language and scans.counts_as_scan(asked.method, asked.headers):
        user_agent = asked.headers.get("User-Agent")
        unit_id = unit.id if unit else None
        # A lot's scans are written in batches; an item's page shows its own count: at once.
        scans.record_scan(found.id, unit_id, asked.address, user_agent, asked.locale, unit is None)
    code = unit.public_code if unit else found.public_code
    parts = slots.lot_parts(
        code,
        app.config["LANGUAGES"],
        lambda language: http.language_link(asked.path, asked.pairs, language),
    )
    if unit is not None and item_parts is not None:
        parts.update(item_parts())
    # A page served from the cache may have read nothing: no session to make, nothing to commit.
    if db.session.registry.has() and db.session().in_transaction():
        db.session.commit()
    body = slots.filled(html, parts).encode()
    return body, _headers(app, found, asked, body)


def _headers(app: Flask, found: Resolved, asked: PageRequest, body: bytes) -> list:
    unit = found.unit
    if asked.chose_language:
        cache = http.PERSONAL_CACHE
    else:
        cache = http.UNIT_CACHE if unit else http.LOT_CACHE
    anchor = lot_anchors(found, unit, found.has_certificates)[0]
    return [
        ("Content-Type", "text/html; charset=utf-8"),
        ("Content-Length", str(len(body))),
        ("Content-Language", asked.locale),
        ("Link", link_header(anchor, linkset_href(anchor))),
        ("Cache-Control", cache),
        ("Vary", "Accept, Cookie"),  # the language is read from the session on every page
        ("ETag", quote_etag(generate_etag(body))),
        ("Date", http_date()),
        *http.CORS_HEADERS,
        *page_headers(app, asked.secure),
    ]
