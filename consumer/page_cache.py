"""The public pages' cache: a lot's rendered consumer page, kept until the lot changes.

A lot's page is read far more often than the lot changes, and rendering it (five
queries and a template) costs many times what serving it costs. So the rendered
page is kept under the lot and the language, with the last day it reads the same
(certificates expire at midnight), in a store every worker of the service sees: Redis
when ``PUBLIC_PAGE_CACHE_URL`` (by default ``REDIS_URL``) is set, else a file shared by
the workers of the host (``core.local_store``). A store in one process's memory
(``memory://``) is for tests. The store keeps a page for minutes; the database keeps
it longer (``consumer.stored_pages``), so a lot's first view of a later day reads one
row instead of rendering (``cached_page``).

A kept page is current while **versions** in the store are unchanged: one per lot,
and one for everything else a page shows. An entry records the versions of its lot,
of every lot upstream of it and the other one; a request reads them with the entry,
in one round trip (``fresh_page``), so a change anywhere upstream is seen at once,
by every worker, on the next request. The versions are bumped after the commit of
any change a page shows (``touch``, ``invalidate_lots``): the session's own flush
announces the lots whose rows, events or links it wrote, and bumps the other version
for a product, certificate, growing area or organization, or for a bulk update of
lots through the session. Rows written past the session (the EPCIS capture's bulk
inserts) are announced by the code that writes them.

The store also keeps the public pages' rate-limit counts (``consumer.limit``), so
a cached page is counted and read in one round trip. Entries expire after
``PUBLIC_PAGE_CACHE_SECONDS``; versions 30 days after their last bump, and a store
that has lost them starts them again at a random number (``seed``), never at a value
a page kept in the database may have recorded.
"""

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app, has_app_context
from sqlalchemy import Integer, bindparam, event, select
from sqlalchemy.orm import Session

import jobs
from consumer import lookup, scans, stored_pages
from consumer.cache_stores import MemoryStore, RedisStore
from consumer.lookup import Resolved, core_rows
from core.extensions import db
from core.local_store import LocalStore, default_path
from registry.models import Organization
from trace.models import Batch, BatchLink, EventLine, Product, ProductStandard, Site
from trace.signals import lots_changed

log = logging.getLogger(__name__)
_EXTENSION = "htx_public_cache"
_PREFIX = "htx:public:6:"  # the number changes with the entries' format
_TOUCHED = "htx_public_touched"
KEEP_PAGES_JOB = "consumer.keep_pages"  # declared in consumer.tasks


def store() -> "MemoryStore | RedisStore | LocalStore":
    """This app's store, made on first use from the configuration: ``redis://…``,
    ``memory://`` (this process only: tests), else the host's shared file."""
    found = current_app.extensions.get(_EXTENSION)
    if found is None:
        url = current_app.config.get("PUBLIC_PAGE_CACHE_URL") or ""
        if url.startswith(("redis://", "rediss://", "unix://")):
            database = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
            found = RedisStore(url, database)
        elif url == "memory://":
            found = MemoryStore(current_app.config.get("PUBLIC_PAGE_CACHE_SIZE", 2000))
        else:
            found = LocalStore(default_path(current_app.config["INSTANCE_DIR"]))
        current_app.extensions[_EXTENSION] = found
    return found


def _lineage_statement():
    anchor = select(bindparam("batch_id", type_=Integer).label("batch_id"))
    reached = anchor.cte("lineage", recursive=True)
    reached = reached.union(
        select(BatchLink.parent_id).join(reached, BatchLink.child_id == reached.c.batch_id)
    )
    return select(reached.c.batch_id)


_LINEAGE = _lineage_statement()


def lineage(batch_id: int) -> list[int]:
    """The lot and every lot upstream of it (one recursive query), in id order."""
    return sorted(core_rows(_LINEAGE, {"batch_id": batch_id}).scalars())


def _version_key(batch_id: int) -> str:
    return f"{_PREFIX}v:{batch_id}"


# The version of everything a page shows besides lots: products, certificates, areas…
_OTHERS_KEY = f"{_PREFIX}others"


def _version_keys(lots: list[int]) -> list[str]:
    return [_OTHERS_KEY, *map(_version_key, lots)]


def _entry_key(batch_id: int, variant: str) -> str:
    return f"{_PREFIX}p:{batch_id}:{variant}"


@dataclass(frozen=True)
class Entry:
    """A kept page: the lineage it was rendered from, the versions then, the last day it
    reads the same (None: every day) and the page."""

    lots: list[int]
    versions: str
    valid_through: date | None
    html: str

    def dumps(self) -> str:
        """The entry as text, for the store."""
        last = self.valid_through.isoformat() if self.valid_through else ""
        return f"{','.join(map(str, self.lots))}\n{self.versions}\n{last}\n{self.html}"

    @classmethod
    def loads(cls, text: str | None) -> "Entry | None":
        """The entry from its text; None for none (or one of another format)."""
        try:
            lots, versions, last, html = text.split("\n", 3)
            valid_through = date.fromisoformat(last) if last else None
            return cls([int(lot) for lot in lots.split(",")], versions, valid_through, html)
        except (AttributeError, ValueError):
            return None

    def current(self, lots: list[int], versions: str, today: date) -> bool:
        """Whether the entry was rendered from this lineage at these versions, and reads
        today as it did then."""
        fresh = self.valid_through is None or today <= self.valid_through
        return fresh and self.lots == lots and self.versions == versions


def _versions(values: list[str | None]) -> str:
    return ",".join(value or "0" for value in values)


def page_variant(locale: str) -> str:
    """What a kept page differs by besides its lot: the language. (The day is checked
    against the entry's ``valid_through``.)"""
    return locale


def today() -> date:
    """Today in Vietnam: the day a page's certificate states are read for."""
    return scans.vietnam_day(datetime.now(UTC))


def fresh_page(batch_id: int, variant: str, lots: list[int], read: Callable) -> str | None:
    """The kept page, if no version of the lineage ``lots`` (or the others' version) changed
    since it was rendered and it reads today as it did then; else None.

    One round trip to the store, none to the database: ``read(store, keys)`` reads the
    values (``consumer.limit.read`` counts the request in that same round trip).
    """
    values = read(store(), [_entry_key(batch_id, variant), *_version_keys(lots)])
    entry = Entry.loads(values[0])
    current = entry is not None and entry.current(lots, _versions(values[1:]), today())
    return entry.html if current else None


Render = Callable[[], tuple[str, date | None]]


def cached_page(found: Resolved, variant: str, render: Render) -> tuple[str, list[int]]:
    """The page of the lot ``found`` for ``variant`` (the language) and the lot's lineage:
    the page kept in the store, else the one kept in the database (``found.kept``, read
    with the lot), if current; else ``render()`` (the page and its last day), kept in
    both for the next request.

    The versions are read before ``render`` reads anything, so a kept page never hides a
    change committed meanwhile: its bump makes the page old at once. (So ``render``
    reads the lineage again: the one read here, before the versions, may be older.)
    """
    batch_id, cache, day, stored = found.id, store(), today(), found.kept
    key, stamp = _entry_key(batch_id, variant), stored_pages.lot_stamp(found.stamp)
    if stored is not None:  # its lineage is the page's, unless a version says otherwise
        html, _values = _kept(cache, key, stored.lots, day, stored, stamp)
        if html is not None:
            return html, stored.lots
    lots = lineage(batch_id)
    html, values = _kept(cache, key, lots, day)
    if html is not None:
        return html, lots
    versions = _seeded_versions(cache, values)
    html, valid_through = render()
    if versions is not None:  # the store answered: the page can be trusted later
        rendered = stored_pages.StoredPage(
            lots, versions, stamp, valid_through, stored_pages.now(), html
        )
        stored_pages.keep(batch_id, variant, rendered)
        _put(cache, key, Entry(lots, versions, valid_through, html))
    return html, lots


def kept_page(
    batch_id: int, variant: str, lots: list[int], values: list, found: Resolved | None = None
) -> tuple | None:
    """A first view answered from the page kept in the database, for the page front: the
    lot with its kept page (``found``, read with the request; else read now, one query),
    and that page if it is current for ``lots`` at the versions ``values`` the front read
    (``fresh_page``: the store's entry, then the versions). The page is put in the store;
    None when it is not current."""
    found = found if found is not None else lookup.by_id(batch_id, variant)
    stored = found.kept if found is not None else None
    if stored is None or stored.lots != lots or values[1] is None:
        return None
    versions, stamp = _versions(values[1:]), stored_pages.lot_stamp(found.stamp)
    if not stored.current(versions, stamp, today(), stored_pages.now()):
        return None
    _put(
        store(),
        _entry_key(batch_id, variant),
        Entry(lots, versions, stored.valid_through, stored.html),
    )
    return stored.html, found


def render_to_keep(
    batch_id: int, variant: str, stamp: tuple, render: Render
) -> "stored_pages.StoredPage | None":
    """The lot's page for ``variant``, rendered to be kept in the database (the worker,
    after a change); None when a current one is kept already, or the store does not
    answer (nothing rendered now could be trusted later)."""
    cache, day, stamp = store(), today(), stored_pages.lot_stamp(stamp)
    stored = stored_pages.find(batch_id, variant)
    if stored is not None:
        values = cache.get_many(_version_keys(stored.lots))
        current = stored.current(_versions(values), stamp, day, stored_pages.now())
        if current and values[0] is not None:
            return None
    lots = lineage(batch_id)
    versions = _seeded_versions(cache, cache.get_many(_version_keys(lots)))
    if versions is None:
        return None
    html, valid_through = render()
    return stored_pages.StoredPage(lots, versions, stamp, valid_through, stored_pages.now(), html)


def _kept(cache, key: str, lots: list[int], day: date, stored=None, stamp="") -> tuple:
    """The page kept in the store if current; else ``stored``'s (put in the store again) if
    current and the store has its versions; else None. With it, the versions read."""
    entry, *values = cache.get_many([key, *_version_keys(lots)])
    versions = _versions(values)
    kept = Entry.loads(entry)
    if kept is not None and kept.current(lots, versions, day):
        return kept.html, values
    if stored is None or values[0] is None:  # no "others" version: the store lost them
        return None, values
    if not stored.current(versions, stamp, day, stored_pages.now()):
        return None, values
    _put(cache, key, Entry(lots, versions, stored.valid_through, stored.html))
    return stored.html, values


def _seeded_versions(cache, values: list[str | None]) -> str | None:
    """The versions read (the others' one first), that one started at a random number when
    the store has none; None when the store does not answer."""
    if values[0] is None:
        values = [cache.seed(_OTHERS_KEY, _first_version()), *values[1:]]
    return _versions(values) if values[0] is not None else None


def _first_version() -> int:
    # Random, so that versions a store lost and starts again never equal older ones.
    return secrets.randbelow(2**52) + 1


def _put(cache, key: str, entry: Entry) -> None:
    seconds = current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS", 600)
    if seconds > 0:  # 0: pages are kept in the database only
        cache.put(key, entry.dumps(), seconds)


@lots_changed.connect
def _on_lots_changed(_sender, batch_ids: Iterable[int], **_extra) -> None:
    touch(batch_ids)


def touch(batch_ids: Iterable[int]) -> None:
    """Announce, before the commit, that these lots' pages change with this transaction:
    their versions are bumped once it commits (nothing if it rolls back)."""
    db.session.info.setdefault(_TOUCHED, set()).update(batch_ids)


def touch_others() -> None:
    """Announce, before the commit, a change of what every page may show besides its lots
    (a product, a certificate, an area, an organization)."""
    db.session.info[_OTHERS_TOUCHED] = True


_OTHERS_TOUCHED = "htx_public_others_touched"
# Rows whose change shows on consumer pages, besides the lots' own and their events.
_SHOWN_ELSEWHERE = (Product, ProductStandard, Site, Organization)


@event.listens_for(Session, "after_flush")
def _announce_flushed(session: Session, _context) -> None:
    """The lots (and the rest) whose rows this flush wrote: announced for the commit."""
    lots, others = set(), False
    for row in (*session.new, *session.dirty, *session.deleted):
        if row in session.dirty and not session.is_modified(row, include_collections=False):
            continue
        if isinstance(row, Batch):
            lots.add(row.id)
        elif isinstance(row, EventLine):
            lots.add(row.batch_id)
        elif isinstance(row, BatchLink):
            lots.add(row.child_id)
        elif isinstance(row, _SHOWN_ELSEWHERE):
            others = True
    if lots:
        session.info.setdefault(_TOUCHED, set()).update(lots)
    if others:
        session.info[_OTHERS_TOUCHED] = True


@event.listens_for(Session, "do_orm_execute")
def _announce_bulk_writes(state) -> None:
    """An UPDATE or DELETE of lots or of what pages show, through the session: which rows
    it reaches is unknown here, so every page is made old."""
    if not (state.is_update or state.is_delete) or state.bind_mapper is None:
        return
    if issubclass(state.bind_mapper.class_, (Batch, BatchLink, EventLine, *_SHOWN_ELSEWHERE)):
        state.session.info[_OTHERS_TOUCHED] = True


@event.listens_for(Session, "after_commit")
def _bump_touched(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    others = session.info.pop(_OTHERS_TOUCHED, False)
    if (touched or others) and has_app_context():
        _bump(sorted(touched or ()), others)
        if touched and current_app.config.get("PUBLIC_PAGE_KEEP_AHEAD"):
            jobs.enqueue(KEEP_PAGES_JOB, sorted(touched))  # rendered again by the worker


@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    session.info.pop(_TOUCHED, None)
    session.info.pop(_OTHERS_TOUCHED, None)


def invalidate_lots(batch_ids: Iterable[int]) -> None:
    """Make the public view of these lots fresh now (called after the commit).

    After this returns, the consumer pages, linksets and ETags of those lots, of their
    units, and of every lot made from them show fresh content, in every worker: their
    versions are bumped in the store, which every page request compares for its lot's
    whole lineage.
    """
    wanted = sorted({int(batch_id) for batch_id in batch_ids})
    if wanted:
        _bump(wanted, others=False)


def _bump(batch_ids: list[int], others: bool) -> None:
    """Bump the versions of these lots (and the others' one); when the store fails, forget
    the pages kept in the database that it can no longer tell are old."""
    cache, keys = store(), [_version_key(batch_id) for batch_id in batch_ids]
    if others:  # a bump of a version the store lost would start again at 1: seed it first
        cache.seed(_OTHERS_KEY, _first_version())
    if not cache.bump([_OTHERS_KEY, *keys] if others else keys):
        stored_pages.forget(None if others else batch_ids)
