"""The public pages' rate limit: a client address may open ``PUBLIC_RATE_LIMIT`` public pages
a minute (one fixed window shared by every page of the resolver), then gets 429.

The counts are kept in the page cache's store (``consumer.page_cache``): Redis,
shared by the workers, or this process's memory. A page served from the cache is counted in
the round trip that reads it, so the limit adds no round trip to the commonest request of
the service; Flask-Limiter (still used for sign-in) spends more time per request than such
a page costs on its own. Every limited request is counted once, before it reads the database.
"""

import time
from functools import wraps

from flask import abort, current_app, g, request

from consumer import page_cache

WINDOW_SECONDS = 60
_PENDING = "public_limit_counter"
# In the WSGI environ: the count the page front (``consumer.front``) already made for
# this request before handing it on to Flask.
COUNTED = "htx.public_count"


def limited(view):
    """Decorator: the request counts once against its client's limit.

    The view counts it with ``read`` or ``check`` before any costly work; a request that
    did neither (a malformed code, say) is counted when the view returns.
    """

    @wraps(view)
    def counted(*args, **kwargs):
        already = request.environ.get(COUNTED)
        if already is None:
            setattr(g, _PENDING, counter_key(request.remote_addr))
        else:
            _enforce(already)
        response = view(*args, **kwargs)
        check()
        return response

    return counted


def check() -> None:
    """Count the request now, unless it was counted already; 429 when over the limit."""
    counter = g.pop(_PENDING, None)
    if counter is not None:
        count, _values = page_cache.store().counted_get_many(counter, WINDOW_SECONDS, [])
        _enforce(count)


def read(cache, keys: list[str]) -> list:
    """``cache``'s values for ``keys``, the request counted in the same round trip."""
    counter = g.pop(_PENDING, None)
    if counter is None:
        return cache.get_many(keys)
    count, values = cache.counted_get_many(counter, WINDOW_SECONDS, keys)
    _enforce(count)
    return values


def current_window() -> int:
    """The number of the present window (minutes since the epoch)."""
    return int(time.time() // WINDOW_SECONDS)


def counter_key(address: str | None) -> str:
    """The key of this window's count of the client at ``address``."""
    return f"limit:{address}:{current_window()}"


def over_limit(count: int) -> bool:
    """Whether a client that has made ``count`` requests this minute is refused."""
    return count > current_app.config["PUBLIC_RATE_LIMIT"]


def _enforce(count: int) -> None:
    if over_limit(count):
        abort(429)
