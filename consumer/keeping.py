"""Pages kept ahead of their first view: rendered into the database (``stored_pages``) by
the worker after a lot changes — for the lot and every lot made from it — and by
``flask consumer keep-pages`` for every public lot (after an upgrade, or once to fill the
table). A shopper's first view of such a lot then reads one row instead of rendering.

A change that reaches more than ``AHEAD_LIMIT`` lots has the rest rendered at their
first view, as before: one change must not occupy the worker for minutes.
"""

from collections.abc import Callable, Iterator
from functools import partial

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from consumer import lookup, page_cache, rendering, stored_pages
from core.extensions import db
from trace.models import Batch, BatchStatus

AHEAD_LIMIT = 500
CHUNK = 200  # lots read, rendered and committed together


def lots_ahead(batch_ids: list[int]) -> list[int]:
    """The changed lots first, then the lots made from them, up to ``AHEAD_LIMIT``."""
    changed = sorted(set(batch_ids))
    made = set(stored_pages.downstream(changed)) - set(changed)
    return (changed + sorted(made))[:AHEAD_LIMIT]


def every_public_lot() -> list[int]:
    """The ids of every lot with a public page."""
    return list(db.session.scalars(select(Batch.id).where(Batch.status != BatchStatus.DRAFT)))


def keep_pages(batch_ids: list[int], advance: Callable[[int], None] | None = None) -> int:
    """Render and keep the pages of these lots, in every language, where no current page is
    kept; commit after each chunk; how many pages were rendered. ``advance(n)``: n lots done."""
    rendered = 0
    for chunk in _chunks(batch_ids):
        pages = [page for found in lookup.public_lots(chunk) for page in _rendered(found)]
        db.session.commit()  # the reads end here; the pages are written apart
        rendered += stored_pages.keep_now(pages)
        if advance is not None:
            advance(len(chunk))
    return rendered


def _rendered(found: lookup.Resolved) -> list[tuple]:
    pages = []
    for language in current_app.config["LANGUAGES"]:
        # The page as a request renders it: the same template, catalogue and links.
        with current_app.test_request_context("/"), force_locale(language):
            render = partial(rendering.render_lot, found.id, rendering.helpers())
            page = page_cache.render_to_keep(found.id, language, found.stamp, render)
        if page is not None:
            pages.append((found.id, language, page))
    return pages


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]
