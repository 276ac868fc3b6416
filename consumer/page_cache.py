"""The public pages' cache: a lot's rendered consumer page, kept until the lot changes.

A lot's page is read far more often than the lot changes, and rendering it (five
queries and a template) costs many times what serving it costs. So the rendered
page is kept under the lot, the language and the Vietnam day (certificates expire at
midnight), in a store every worker of the service sees: Redis when
``PUBLIC_PAGE_CACHE_URL`` (by default ``REDIS_URL``) is set, else a file shared by the
workers of the host (``core.local_store``). A store in one process's memory
(``memory://``) is for tests.

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
``PUBLIC_PAGE_CACHE_SECONDS``.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app, has_app_context
from sqlalchemy import Integer, bindparam, event, select
from sqlalchemy.orm import Session

from consumer import scans
from consumer.lookup import core_rows
from core.extensions import db
from core.local_store import LocalStore, default_path
from registry.models import Organization
from trace.models import Batch, BatchLink, EventLine, Product, ProductStandard, Site
from trace.signals import lots_changed

log = logging.getLogger(__name__)
_EXTENSION = "htx_public_cache"
_PREFIX = "htx:public:5:"  # the number changes with the entries' format
_TOUCHED = "htx_public_touched"


class MemoryStore:
    """A bounded, least-recently-used store in this process's memory, with expiry."""

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._versions: dict[str, int] = {}
        self._counters: dict[str, tuple[float, int]] = {}
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> list[str | None]:
        """The live value under each key (an entry, or a version as text), or None."""
        now = time.monotonic()
        with self._lock:
            values = []
            for key in keys:
                if key in self._versions:
                    values.append(str(self._versions[key]))
                    continue
                found = self._entries.get(key)
                values.append(found[1] if found is not None and found[0] >= now else None)
            return values

    def counted_get_many(self, counter: str, seconds: int, keys: list[str]) -> tuple[int, list]:
        """Add one to ``counter`` (a count kept ``seconds`` from its first hit) and read
        ``keys``: the new count and the values."""
        now = time.monotonic()
        with self._lock:
            if len(self._counters) > 10 * self.size:  # forget the windows that are over
                self._counters = {k: v for k, v in self._counters.items() if v[0] >= now}
            expires, count = self._counters.get(counter, (0.0, 0))
            if expires < now:
                expires, count = now + seconds, 0
            self._counters[counter] = (expires, count + 1)
        return count + 1, self.get_many(keys)

    def put(self, key: str, value: str, seconds: int) -> None:
        """Keep ``value`` under ``key`` for ``seconds``, dropping the least recently used."""
        with self._lock:
            self._entries[key] = (time.monotonic() + seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def bump(self, keys: list[str]) -> None:
        """Increase each of these versions by one."""
        with self._lock:
            for key in keys:
                self._versions[key] = self._versions.get(key, 0) + 1


_COUNT_AND_READ = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local values = {}
if #KEYS > 1 then values = redis.call('MGET', unpack(KEYS, 2)) end
table.insert(values, 1, count)
return values
"""


class RedisStore:
    """The same store in Redis, shared by every worker; a Redis failure is a cache miss."""

    def __init__(self, url: str, database_uri: str):
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.errors = (redis.RedisError, OSError)
        # Lot ids are per database: two databases sharing one Redis (staging and
        # production, or the test and benchmark runs) must never see each other's pages.
        self.namespace = hashlib.sha1(database_uri.encode()).hexdigest()[:12] + ":"  # noqa: S324
        # One script, so counting a request and reading its page cost one command.
        self._count_and_read = self.redis.register_script(_COUNT_AND_READ)

    def _keys(self, keys: list[str]) -> list[str]:
        return [self.namespace + key for key in keys]

    def get_many(self, keys: list[str]) -> list[str | None]:
        """The values, in one round trip; all None when Redis does not answer."""
        try:
            values = self.redis.mget(self._keys(keys))
        except self.errors as exc:
            log.warning("public page cache unavailable: %s", exc)
            return [None] * len(keys)
        return [value.decode() if value is not None else None for value in values]

    def counted_get_many(self, counter: str, seconds: int, keys: list[str]) -> tuple[int, list]:
        """Add one to ``counter`` (kept ``seconds`` from its first hit) and read ``keys``, in
        one command: the new count and the values. When Redis does not answer, the count
        is 0 (pages stay open) and the values None."""
        try:
            count, *values = self._count_and_read(
                keys=[self.namespace + counter, *self._keys(keys)], args=[seconds]
            )
        except self.errors as exc:
            log.warning("public page cache unavailable: %s", exc)
            return 0, [None] * len(keys)
        return count, [value.decode() if value else None for value in values]

    def put(self, key: str, value: str, seconds: int) -> None:
        """Keep ``value`` for ``seconds``."""
        try:
            self.redis.set(self.namespace + key, value.encode(), ex=seconds)
        except self.errors as exc:
            log.warning("public page cache unavailable: %s", exc)

    def bump(self, keys: list[str]) -> None:
        """Increase each version by one (kept a month: longer than any entry they guard)."""
        pipeline = self.redis.pipeline(transaction=False)
        for key in self._keys(keys):
            pipeline.incr(key)
            pipeline.expire(key, 30 * 24 * 3600)
        try:
            pipeline.execute()
        except self.errors as exc:  # the database recheck still bounds staleness
            log.warning("public page cache unavailable: %s", exc)


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
    """A kept page: the lineage it was rendered from, the versions then, and the page."""

    lots: list[int]
    versions: str
    html: str

    def dumps(self) -> str:
        """The entry as text, for the store."""
        return f"{','.join(map(str, self.lots))}\n{self.versions}\n{self.html}"

    @classmethod
    def loads(cls, text: str | None) -> "Entry | None":
        """The entry from its text; None for none (or one of another format)."""
        try:
            lots, versions, html = text.split("\n", 2)
            return cls([int(lot) for lot in lots.split(",")], versions, html)
        except (AttributeError, ValueError):
            return None

    def current(self, lots: list[int], versions: str) -> bool:
        """Whether the entry was rendered from this lineage at these versions."""
        return self.lots == lots and self.versions == versions


def _versions(values: list[str | None]) -> str:
    return ",".join(value or "0" for value in values)


def page_variant(locale: str) -> str:
    """What a kept page differs by besides its lot: the language and the Vietnam day
    (certificates expire at midnight)."""
    return f"{locale}:{scans.vietnam_day(datetime.now(UTC)).isoformat()}"


def fresh_page(batch_id: int, variant: str, lots: list[int], read: Callable) -> str | None:
    """The kept page, if no version of the lineage ``lots`` (or the others' version) changed
    since it was rendered; else None.

    One round trip to the store, none to the database: ``read(store, keys)`` reads the
    values (``consumer.limit.read`` counts the request in that same round trip).
    """
    values = read(store(), [_entry_key(batch_id, variant), *_version_keys(lots)])
    entry = Entry.loads(values[0])
    current = entry is not None and entry.current(lots, _versions(values[1:]))
    return entry.html if current else None


def cached_page(batch_id: int, variant: str, render: Callable[[], str]) -> tuple[str, list[int]]:
    """The lot's page for ``variant`` (language, day) and the lot's lineage: the kept page
    if it is current, else ``render()``, kept for the next request.

    The versions are read before ``render`` reads anything, so an entry never hides a
    change committed meanwhile: its bump makes the entry old at once. (So ``render``
    reads the lineage again: the one read here, before the versions, may be older.)
    """
    cache, key = store(), _entry_key(batch_id, variant)
    lots = lineage(batch_id)
    entry, *values = cache.get_many([key, *_version_keys(lots)])
    versions = _versions(values)
    kept = Entry.loads(entry)
    if kept is not None and kept.current(lots, versions):
        return kept.html, lots
    html = render()
    seconds = current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS", 600)
    cache.put(key, Entry(lots, versions, html).dumps(), seconds)
    return html, lots


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
        keys = [_version_key(batch_id) for batch_id in sorted(touched or ())]
        store().bump([_OTHERS_KEY, *keys] if others else keys)


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
        store().bump([_version_key(batch_id) for batch_id in wanted])
