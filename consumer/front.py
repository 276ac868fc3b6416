"""The page front: a repeat view of a lot's consumer page answered before Flask.

Most requests the service gets are shoppers scanning labels whose page is already in
the page cache (``consumer.page_cache``). For such a request Flask's own
machinery — request context, session, routing, the extensions' hooks — costs more than
serving the page, so this WSGI middleware answers exactly that case itself:

- ``GET /q/{code}`` or a lot's Digital Link (``/01/{GTIN}/10/{lot}``), with no query
  string, no cookie, no conditional or JSON request;
- naming a lot (an item's page carries its own counter: Flask renders it) that this
  process has resolved before (``lookup.remembered``) or that has a page kept in the
  database (read with the lot, in one query);
- whose cached page is current (``page_cache.fresh_page``), or, when the store has none,
  whose page kept in the database is (``page_cache.kept_page``: one query, the lot's row
  with its page).

It counts the request against the client's rate limit in the same round trip that reads
the page, then answers with ``consumer.answer.page_answer`` — the function the views
answer with: the scan, the commit, the slots, the headers. Every other request goes on
to Flask untouched; one the front has already counted is marked (``limit.COUNTED``) so
it is never counted twice. It sits inside ProxyFix, so it sees the client's address as
the views do.
"""

import logging
import re
from collections.abc import Callable
from functools import partial

from flask import Flask

from consumer import answer, http, limit, lookup, page_cache
from gs1.digital_link import Malformed, parse_digital_link, parse_public_code

log = logging.getLogger(__name__)
_CODE_PATH = re.compile(r"/q/([^/]+)/?\Z")
# Headers that make a request one the views must answer: a session (a chosen language,
# a signed-in user), a conditional request (304), or a request for JSON.
_PASSED_ON_HEADERS = ("HTTP_COOKIE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_RANGE")


class PageFront:
    """WSGI middleware around the Flask app's ``wsgi_app``: see the module's docstring."""

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        """Answer the request here when it is a current cached lot page, else hand it on."""
        if self.app.config["PUBLIC_PAGE_FRONT"] and _may_answer(environ):
            with self.app.app_context():
                answer = self._answer(environ)
            if answer is not None:
                status, headers, body = answer
                start_response(status, headers)
                return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, environ) -> tuple[str, list, bytes] | None:
        try:
            return _cached_lot_page(self.app, environ)
        except Exception:  # the views answer instead, with their own error handling
            log.exception("the page front could not answer %s", environ.get("PATH_INFO"))
            return None


def _may_answer(environ) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "GET"
        and not environ.get("QUERY_STRING")
        and not any(environ.get(name) for name in _PASSED_ON_HEADERS)
        and "json" not in environ.get("HTTP_ACCEPT", "")
        and environ.get("PATH_INFO", "").startswith(("/q/", "/01/"))
    )


def _identifier(environ) -> tuple[str, Callable] | None:
    """The ``lookup`` key of the request's identifier and the lookup that reads it (with
    the lot's page kept in a language); None when it is not a lot's or is malformed (the
    views answer that)."""
    path = environ["PATH_INFO"]
    try:
        if path.startswith("/q/"):
            match = _CODE_PATH.match(path)
            if match is None:
                return None
            code = parse_public_code(match.group(1))
            return lookup.code_key(code), partial(lookup.by_code, code)
        link = parse_digital_link(http.raw_path(environ))
    except Malformed:
        return None
    return (lookup.link_key(link), partial(lookup.by_link, link)) if link.lot else None


def _cached_lot_page(app: Flask, environ) -> tuple[str, list, bytes] | None:
    identifier = _identifier(environ)
    if identifier is None:
        return None
    key, find = identifier
    locale = app.config["BABEL_DEFAULT_LOCALE"]  # no session, no ?lang=: the views' choice
    variant = page_cache.page_variant(locale)
    found, lots, fresh = _lot(environ, key, find, variant)
    if found is None:
        return None  # an item, a page not kept, an unknown code: the views answer
    counter = limit.counter_key(environ.get("REMOTE_ADDR"))
    counts, read_values = [], []

    def read(cache, keys):
        count, values = cache.counted_get_many(counter, limit.WINDOW_SECONDS, keys)
        counts.append(count)
        read_values.extend(values)
        return values

    html = page_cache.fresh_page(found.id, variant, lots, read=read)
    environ[limit.COUNTED] = counts[0]  # should the views answer after all: counted already
    if limit.over_limit(counts[0]):
        return None  # the views answer the 429
    if html is None:  # a first view of the day: the page kept in the database, if current
        kept = page_cache.kept_page(found.id, variant, lots, read_values, fresh)
        if kept is None:
            return None  # the views render the page
        html, found = kept
        lookup.remember(key, found, lots)
    elif fresh is not None:
        lookup.remember(key, found, lots)  # the next request needs no database
    body, headers = answer.page_answer(app, found, html, answer.PageRequest.of(environ, locale))
    return "200 OK", headers, body


def _lot(environ, key: str, find: Callable, variant: str) -> tuple:
    """The lot of the request and its lineage: as this process remembers them, else read
    with the lot's kept page (whose lineage it is, unless a version says otherwise), with
    that fresh read; Nones for an item or a lot with no kept page (what was read is
    handed on to the views: ``lookup.handed_on``)."""
    remembered = lookup.remembered(key)
    if remembered is not None:
        found, lots = remembered
        return (None, None, None) if found.unit is not None else (found, lots, None)
    fresh = find(variant)
    if fresh is None or fresh.unit is not None or fresh.kept is None:
        lookup.hand_on(environ, key, variant, fresh)
        return None, None, None
    return fresh, fresh.kept.lots, fresh


def install(app: Flask) -> None:
    """Put the front before ``app``'s views (it hands everything on while the setting
    ``PUBLIC_PAGE_FRONT`` is off)."""
    app.wsgi_app = PageFront(app.wsgi_app, app)
