"""Serving stored files: one response for every file, by content hash, cached for good.

The hash is the ``ETag``; the bytes under a hash never change, so the response may be
kept a year (``immutable``) and a client that has it gets a 304. ``/files/<sha256>``
serves the public files (product images) to anyone; features serve the others from
their own views, after their access checks, with ``send_stored(..., private=True)``.
"""

import unicodedata
from urllib.parse import quote

from flask import Blueprint, Response, abort, request

from files import store

bp = Blueprint("files", __name__)
FOREVER = 365 * 24 * 3600


def send_stored(
    sha256: str | None,
    *,
    private: bool = False,
    max_age: int | None = None,
    download_name: str | None = None,
    content_type: str | None = None,
) -> Response:
    """A stored file streamed a chunk at a time, with its ETag and cache headers; 404 if
    the store has no such file, 304 when the client already has it.

    Kept a year and ``immutable`` when the URL names the content (its hash); a URL whose
    file may change (a product's image by product id) passes a ``max_age`` instead.
    """
    row = store.info(sha256)
    if row is None:
        abort(404)
    scope = "private" if private else "public"
    if max_age is None:
        cache_control = f"{scope}, max-age={FOREVER}, immutable"
    else:
        cache_control = f"{scope}, max-age={max_age}"
    if request.if_none_match.contains(row.sha256):
        response = Response(status=304)
    else:
        response = Response(
            store.stream(row.sha256),
            mimetype=content_type or row.content_type,
            direct_passthrough=True,
        )
        response.content_length = row.size
        if download_name:
            response.headers.set("Content-Disposition", "attachment", **_filename(download_name))
    response.set_etag(row.sha256)
    response.headers["Cache-Control"] = cache_control
    return response


def _filename(name: str) -> dict[str, str]:
    # As send_file does: an ASCII fallback, and the real name (a Vietnamese one) in RFC 5987.
    try:
        name.encode("ascii")
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+^`|~')}"}
    return {"filename": name}


@bp.get("/files/<name>", endpoint="file")
def public_file(name: str):
    """A public stored file (a product image), by its hash (an extension may follow)."""
    sha256 = store.key_of(name)
    row = store.info(sha256)
    if row is None or not row.public:
        abort(404)
    return send_stored(sha256)
