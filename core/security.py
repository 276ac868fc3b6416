"""Security headers on every response: CSP, HSTS behind HTTPS, no sniffing, no framing.

Scripts run only from our own files (no ``unsafe-inline``). Style elements too, except
the fixed <style> blocks written in the templates (the public pages inline theirs so a
slow phone saves a request), each allowed by its SHA-256 hash; style attributes (bar
widths) are allowed, as they cannot load anything. The API docs page
(flask-smorest's Swagger UI template) carries one fixed inline script, allowed by
its hash; Swagger UI sets style attributes, so that one page allows inline styles. A view
that writes one fixed inline script of ours (the field app) puts its hash in
``g.csp_script_sources`` for that response alone.
"""

import base64
import hashlib
import re

from flask import Flask, abort, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError
from werkzeug.routing import IntegerConverter

from core.errors import error_body
from core.extensions import db

# Templates whose whole output is one inline <style> block, included by other pages.
INLINE_STYLE_TEMPLATES = ("public/_style.html",)
_INLINE_BLOCK = re.compile(r"<(script|style)(\s[^>]*)?>(.*?)</\1>", re.DOTALL | re.IGNORECASE)
_HSTS = "max-age=31536000; includeSubDomains"
_JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In a JSON body those characters can only arrive escaped (\u0000, \ud800…): a scan of the
# raw bytes finds the few documents whose every string must be walked.
_ESCAPED_UNSTORABLE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F])")


def sha256_source(text: str) -> str:
    """The CSP source (``'sha256-…'``) that allows an inline block with this content."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline_blocks(html: str, tag: str) -> list[str]:
    """The contents of the inline ``<script>``/``<style>`` blocks (no ``src``) in ``html``."""
    return [
        body
        for name, attributes, body in _INLINE_BLOCK.findall(html)
        if name.lower() == tag and "src=" not in (attributes or "")
    ]


def _template_style_hashes(app: Flask) -> list[str]:
    """Hashes of the fixed <style> blocks written in the templates (no Jinja inside)."""
    hashes = set()
    for name in INLINE_STYLE_TEMPLATES:
        html = app.jinja_env.get_template(name).render()
        hashes.update(sha256_source(body) for body in inline_blocks(html, "style"))
    for name in app.jinja_env.list_templates(extensions=["html"]):
        source = app.jinja_env.loader.get_source(app.jinja_env, name)[0]
        for body in inline_blocks(source, "style"):
            body = _JINJA_COMMENT.sub("", body)
            if "{{" not in body and "{%" not in body:
                hashes.add(sha256_source(body))
    return sorted(hashes)


def content_security_policy(style_sources: list[str], script_sources: list[str]) -> str:
    """The CSP header value; ``*_sources`` are extra sources (hashes) beside 'self'."""
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_sources],
        "style-src": ["'self'", *style_sources],
        "style-src-elem": ["'self'", *style_sources],
        # Bars and meters set their width in a style attribute; an attribute cannot load
        # anything (url() is held by img-src and font-src), unlike a <style> element.
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def _policy_for(response) -> str:
    docs_path = current_app.config.get("OPENAPI_URL_PREFIX", "") + "/docs"
    if request.path.rstrip("/") == docs_path.rstrip("/") and response.mimetype == "text/html":
        # flask-smorest's own template: its inline script is ours, fixed, and hashed here.
        html = response.get_data(as_text=True)
        scripts = [sha256_source(body) for body in inline_blocks(html, "script")]
        return content_security_policy(["'unsafe-inline'"], scripts)
    scripts = g.get("csp_script_sources")
    if scripts:  # a page that carries a fixed inline script of ours names its hash
        default_policy(current_app)
        return content_security_policy(current_app.extensions["csp_styles"], scripts)
    return default_policy(current_app)


def default_policy(app: Flask) -> str:
    """The CSP of every page but the API docs (built once per process)."""
    policy = app.extensions.get("csp_policy")
    if policy is None:  # the templates' inline styles are hashed once per process
        styles = app.extensions["csp_styles"] = _template_style_hashes(app)
        policy = app.extensions["csp_policy"] = content_security_policy(styles, [])
    return policy


def page_headers(app: Flask, secure: bool, policy: str | None = None) -> list[tuple[str, str]]:
    """The security headers of a response, in the order they are sent: ``policy`` is its CSP
    (by default that of every page but the API docs); ``secure``: the request came over
    HTTPS."""
    headers = [
        ("Content-Security-Policy", policy or default_policy(app)),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if secure:
        # Only over HTTPS (ProxyFix makes it so behind nginx): a browser ignores it on
        # plain HTTP, and sending it on a laptop run would pin localhost to HTTPS.
        headers.append(("Strict-Transport-Security", _HSTS))
    return headers


def add_security_headers(response):
    """after_request: the headers every response carries (unless the view set its own)."""
    for name, value in page_headers(current_app, request.is_secure, _policy_for(response)):
        response.headers.setdefault(name, value)
    return response


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs, at most a PostgreSQL integer: a larger id is simply not found."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def refuse_out_of_range(exc):
    """A number or text too large for its column is bad input (422), not a server error.

    The schemas bound what they can; this is the net under them (SQLite raises
    OverflowError, PostgreSQL a DataError).
    """
    db.session.rollback()
    message = _("A number or text in the request is too large to be stored.")
    if request.path.startswith("/api/"):
        return jsonify(error_body(422, "validation_failed", message)), 422
    return render_template("errors/error.html", status=422, message=message), 422


def _unstorable(text: str) -> bool:
    # NUL cannot be stored by PostgreSQL; a lone surrogate (JSON "\\ud800") cannot be UTF-8.
    return _UNSTORABLE.search(text) is not None


def _bad_strings(value, path: str = "") -> list[str]:
    """Paths of the strings (keys or values) in a JSON document that cannot be stored."""
    bad, stack = [], [(path, value)]
    while stack:  # iterative: a hostile document may nest deeply
        where, item = stack.pop()
        if isinstance(item, str):
            if _unstorable(item):
                bad.append(where or "_schema")
        elif isinstance(item, dict):
            for key, inner in item.items():
                name = f"{where}.{key}" if where else str(key)
                if _unstorable(str(key)):
                    bad.append(where or "_schema")
                stack.append((name, inner))
        elif isinstance(item, list):
            stack.extend((where, inner) for inner in item)
    return bad


def unstorable_fields(raw: bytes, document) -> list[str]:
    """Where a parsed JSON document holds text that cannot be stored (NUL, a lone surrogate),
    as sorted paths; the raw body is searched first, since such text can only arrive escaped."""
    if not _ESCAPED_UNSTORABLE.search(raw):
        return []
    return sorted(set(_bad_strings(document)))


def own_body_limit(config_key: str):
    """Decorator: the view (a function, or a method of a MethodView) accepts request bodies up
    to ``app.config[config_key]`` bytes instead of MAX_CONTENT_LENGTH; larger ones get 413."""

    def mark(view):
        view.body_limit_key = config_key
        return view

    return mark


def apply_own_body_limit(endpoint: str | None, _values) -> None:
    """url_value_preprocessor: set the body limit a view declared with ``own_body_limit``.

    Flask runs these before any before_request hook, and those hooks (the CSRF check, the
    unstorable-text check) read the body: set later, the app's limit would already apply.
    """
    view = current_app.view_functions.get(endpoint)
    handler = getattr(getattr(view, "view_class", None), request.method.lower(), None)
    key = getattr(handler, "body_limit_key", None) or getattr(view, "body_limit_key", None)
    if key:
        request.max_content_length = current_app.config[key]


def refuse_unstorable_input():
    """before_request: refuse JSON nested too deeply and text holding NUL or lone surrogates.

    Each would otherwise fail deep in the JSON decoder or the database as a 500.
    """
    if request.method in ("POST", "PUT", "PATCH") and request.is_json:
        return _refuse_unstorable_json()
    if request.method == "POST" and any(_unstorable(v) for v in request.form.values()):
        abort(400, description=_("This text contains characters that cannot be stored."))
    return None


def _refuse_unstorable_json():
    """The refusal of a JSON body that nests too deeply or holds unstorable text, or None."""
    try:
        document = request.get_json(silent=True)  # cached: the view does not parse again
    except RecursionError:
        abort(400, description=_("The JSON document is nested too deeply."))
    fields = unstorable_fields(request.get_data(cache=True), document)
    if not fields:
        return None
    message = _("This text contains characters that cannot be stored.")
    if request.path.startswith("/api/"):
        errors = {field: [message] for field in fields}
        return jsonify(error_body(422, "validation_failed", message, errors)), 422
    abort(400, description=message)


def register_security(app: Flask) -> None:
    """Install the security headers and the out-of-range net on ``app``."""
    app.url_value_preprocessor(apply_own_body_limit)
    app.before_request(refuse_unstorable_input)
    app.after_request(add_security_headers)
    app.register_error_handler(OverflowError, refuse_out_of_range)
    app.register_error_handler(DataError, refuse_out_of_range)
