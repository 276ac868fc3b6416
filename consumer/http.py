"""HTTP manners of the resolver: CORS, caching with ETags, content negotiation, raw paths.

Caching: a lot's page may be kept by any cache for a minute (``public,
max-age=60``), so a proxy or CDN absorbs bursts of repeat scans while a recall
still reaches every reader within a minute; after that the ETag (a hash of the
body, so any visible change — a new event, a recall, another language — changes
it) turns a repeat into a small 304. A unit's page carries its own scan counter
and is revalidated every time (``no-cache``). Errors are never stored.
"""

from datetime import UTC, datetime
from urllib.parse import urlencode

from babel.dates import format_date
from flask import Response, make_response, request
from flask_babel import get_locale, get_translations

# Jinja's own wrappers for new-style gettext (escaping, %-formatting): what Flask-Babel's
# install_gettext_callables(newstyle=True) wraps its functions in.
from jinja2.ext import _make_new_gettext as _new_gettext

from consumer.linkset import LINKSET_MEDIA_TYPE
from consumer.scans import VIETNAM
from core.i18n import template_ngettext

LOT_CACHE = "public, max-age=60"
UNIT_CACHE = "no-cache"
PRODUCT_CACHE = "public, max-age=300"
PERSONAL_CACHE = "private, no-cache"  # a response that sets the language cookie
NO_STORE = "no-store"
_JSON_TYPES = (LINKSET_MEDIA_TYPE, "application/json")
CORS_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Accept-Language, If-None-Match"),
    ("Access-Control-Expose-Headers", "Link, ETag, Location, Content-Language"),
)


def add_cors(response: Response) -> Response:
    """Let any web page read our answers (GS1 resolvers SHALL support CORS)."""
    headers = response.headers
    for name, value in CORS_HEADERS:
        headers[name] = value
    if request.method == "OPTIONS":
        headers["Access-Control-Max-Age"] = "86400"
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.status_code >= 400:
        headers["Cache-Control"] = NO_STORE
    return response


def wanted_type() -> str:
    """The media type the client prefers: "text/html" unless it asks for JSON."""
    offered = ("text/html", *_JSON_TYPES)
    return request.accept_mimetypes.best_match(offered, default="text/html") or "text/html"


def wants_json() -> bool:
    """True when the client prefers JSON (a linkset, or an error as JSON) to HTML."""
    # A browser's Accept names no JSON type: no need to weigh its preferences.
    return "json" in request.headers.get("Accept", "") and wanted_type() in _JSON_TYPES


def conditional(response: Response, cache_control: str, vary_accept: bool = True) -> Response:
    """Add Cache-Control, a strong ETag of the body, and answer If-None-Match with 304."""
    response.headers["Cache-Control"] = cache_control
    if vary_accept:
        response.vary.add("Accept")
    response.add_etag()
    return response.make_conditional(request)


def html_response(html: str, cache_control: str, link: str | None = None) -> Response:
    """An HTML page with its language, Link header and caching headers."""
    response = make_response(html)
    response.headers["Content-Language"] = str(get_locale())
    if link:
        response.headers["Link"] = link
    return conditional(response, cache_control)


def template_gettext() -> dict:
    """``gettext`` and ``ngettext`` for a template's context, bound to the request's
    catalogue once: the ones Flask-Babel installs look the catalogue up again for
    every string (a page has dozens). Same output: the same new-style wrappers."""
    translations = get_translations()
    return {
        "gettext": _new_gettext(translations.ugettext),
        "ngettext": template_ngettext(translations.ungettext),
    }


def day_formatter():
    """A function writing dates as people do: 27/11/2026 in Vietnamese, 27 Nov 2026 in English.

    Moments are shown on their Vietnam calendar day. The locale is looked up once,
    not once per date, which keeps a page with a long history quick to render.
    """
    locale = get_locale()
    pattern = "dd/MM/yyyy" if locale.language == "vi" else "d MMM yyyy"

    def day(value) -> str:
        if isinstance(value, datetime):
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite: naive UTC
            value = aware.astimezone(VIETNAM).date()
        return format_date(value, pattern, locale=locale)

    return day


def raw_path(environ=None) -> str:
    """The request path as the client sent it, still percent-encoded (``%2F`` stays one char).

    ``environ``: the WSGI environ (by default the current request's). gunicorn and
    werkzeug give the raw URI in ``RAW_URI``/``REQUEST_URI``; without them, the decoded
    path is the best there is.
    """
    if environ is None:
        environ = request.environ
        if not (environ.get("RAW_URI") or environ.get("REQUEST_URI")):
            return request.path
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if not raw:
        return "/" + environ.get("PATH_INFO", "").lstrip("/")
    path = raw.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:  # an absolute-form request line
        path = "/" + path.split("://", 1)[1].partition("/")[2]
    root = environ.get("SCRIPT_NAME", "").rstrip("/")
    return path[len(root) :] if root and path.startswith(root) else path


def passed_on(href: str, drop: str = "linkType") -> str:
    """``href`` with the request's query pairs appended (all of them but ``drop``)."""
    pairs = [(key, value) for key, value in request.args.items(multi=True) if key != drop]
    if not pairs:
        return href
    return href + ("&" if "?" in href else "?") + urlencode(pairs)


def with_language(code: str) -> str:
    """This page's own path with ``?lang=code`` (other query pairs kept): the language switch."""
    pairs = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return language_link(raw_path(), pairs, code)


def language_link(path: str, pairs: list[tuple[str, str]], code: str) -> str:
    """``path`` with the query ``pairs`` and ``lang=code``."""
    # Without a trailing slash, so /q/X and /q/X/ render the same bytes (and ETag).
    return path.rstrip("/") + "?" + urlencode([*pairs, ("lang", code)])
