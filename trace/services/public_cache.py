"""The public pages' cache: a lot's rendered consumer page, kept until the lot changes.

A lot's page is read far more often than the lot changes, and rendering it (five
queries and a template) costs many times what serving it costs. So the rendered
page is kept — in Redis when ``PUBLIC_PAGE_CACHE_URL`` (by default ``REDIS_URL``) is
set, shared by the workers so a lot is rendered once, else in each process's
memory — under the lot, the language and the Vietnam day (certificates expire
at midnight).

Two checks keep it fresh:

- **versions** in the store, one per lot, bumped after the commit of anything that
  changes a lot's page: an event stored on it (``touch``, called where events are
  stored), a recall or any other change (``invalidate_lots``). An entry records
  the versions of the lot and of every lot upstream of it; a request reads them
  with the entry, in one round trip (``fresh_page``), and uses the entry only if
  they are unchanged: a change anywhere upstream is seen at once, by every worker.
- a **digest** of fresh database reads, at most ``PUBLIC_PAGE_RECHECK_SECONDS``
  old (``cached_page``): the lot's own columns the page shows (status, lot code,
  dates, product…), and one query over the lineage (``fingerprint``: count and
  newest id of the event lines, count of corrections, the sum of the versions
  kept in the database). This catches what no version announced — an event
  stored by a path that does not ``touch`` — within those seconds.

The store also keeps the public pages' rate-limit counts (``trace.resolver.limit``), so a
cached page is counted and read in one round trip.

Entries also expire after ``PUBLIC_PAGE_CACHE_SECONDS``. Without Redis, versions
live in each process: a bump reaches the other workers through their recheck.
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
from sqlalchemy import ForeignKey, Integer, bindparam, event, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from core.extensions import db
from trace.models import BatchLink, EventLine, TraceEvent
from trace.services import scans

log = logging.getLogger(__name__)
_EXTENSION = "htx_public_cache"
_PREFIX = "htx:public:4:"  # the number changes with the entries' format
_TOUCHED = "htx_public_touched"


class PublicPageVersion(db.Model):
    """A lot's public-page version: bumped when something its pages show changes."""

    __tablename__ = "public_page_versions"

    batch_id: Mapped[int] = mapped_column(
        ForeignKey("batches.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, default=0)


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


def store() -> MemoryStore | RedisStore:
    """This app's store, made on first use from the configuration."""
    found = current_app.extensions.get(_EXTENSION)
    if found is None:
        url = current_app.config.get("PUBLIC_PAGE_CACHE_URL")
        size = current_app.config.get("PUBLIC_PAGE_CACHE_SIZE", 2000)
        database = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
        found = RedisStore(url, database) if url else MemoryStore(size)
        current_app.extensions[_EXTENSION] = found
    return found


def _lineage_statement():
    anchor = select(bindparam("batch_id", type_=Integer).label("batch_id"))
    reached = anchor.cte("lineage", recursive=True)
    reached = reached.union(
        select(BatchLink.parent_id).join(reached, BatchLink.child_id == reached.c.batch_id)
    )
    return select(reached.c.batch_id)


def _fingerprint_statement():
    lots = bindparam("lots", expanding=True)
    correction = aliased(TraceEvent)
    versions = (
        select(func.coalesce(func.sum(PublicPageVersion.version), 0))
        .where(PublicPageVersion.batch_id.in_(lots))
        .scalar_subquery()
    )
    return (
        select(
            func.count(EventLine.id), func.max(EventLine.id), func.count(correction.id), versions
        )
        .select_from(EventLine)
        .outerjoin(correction, correction.corrects_event_id == EventLine.event_id)
        .where(EventLine.batch_id.in_(lots))
    )


_LINEAGE = _lineage_statement()
_FINGERPRINT = _fingerprint_statement()


def lineage(batch_id: int) -> list[int]:
    """The lot and every lot upstream of it (one recursive query), in id order."""
    return sorted(db.session.scalars(_LINEAGE, {"batch_id": batch_id}))


def fingerprint(lots: list[int]) -> tuple:
    """What these lots' history looks like now: lines (count, newest), corrections, versions.

    Given a lot's lineage, any new event on any of its lots, any correction, any
    change of the lineage itself (a new parent comes with an event on the lot it
    is linked to; a removed link with a correction) and any ``invalidate_lots`` of
    one of them changes the fingerprint.
    """
    return tuple(db.session.execute(_FINGERPRINT, {"lots": lots}).one())


def _digest(stamp: tuple, lots: list[int]) -> str:
    material = repr((stamp, lots, fingerprint(lots)))
    return hashlib.sha1(material.encode()).hexdigest()  # noqa: S324 - a cache key, not a secret


def _version_key(batch_id: int) -> str:
    return f"{_PREFIX}v:{batch_id}"


def _entry_key(batch_id: int, variant: str) -> str:
    return f"{_PREFIX}p:{batch_id}:{variant}"


@dataclass(frozen=True)
class Entry:
    """A kept page: its digest, when the database last confirmed it, the lineage and its
    versions then, and the page."""

    digest: str
    checked: float
    lots: list[int]
    versions: str
    html: str

    def dumps(self) -> str:
        """The entry as text, for the store."""
        lots = ",".join(map(str, self.lots))
        return f"{self.digest}\n{self.checked}\n{lots}\n{self.versions}\n{self.html}"

    @classmethod
    def loads(cls, text: str | None) -> "Entry | None":
        """The entry from its text; None for none (or one of another format)."""
        try:
            digest, checked, lots, versions, html = text.split("\n", 4)
            return cls(
                digest, float(checked), [int(lot) for lot in lots.split(",")], versions, html
            )
        except (AttributeError, ValueError):
            return None


def _versions(values: list[str | None]) -> str:
    return ",".join(value or "0" for value in values)


def page_variant(locale: str) -> str:
    """What a kept page differs by besides its lot: the language and the Vietnam day
    (certificates expire at midnight)."""
    return f"{locale}:{scans.vietnam_day(datetime.now(UTC)).isoformat()}"


def fresh_page(batch_id: int, variant: str, lots: list[int], read: Callable) -> str | None:
    """The kept page, if no version of the lineage ``lots`` changed since the database
    last confirmed it, less than ``PUBLIC_PAGE_RECHECK_SECONDS`` ago; else None.

    One round trip to the store, none to the database: ``read(store, keys)`` reads the
    values (``trace.resolver.limit.read`` counts the request in that same round trip).
    """
    keys = [_entry_key(batch_id, variant), *map(_version_key, lots)]
    values = read(store(), keys)
    entry = Entry.loads(values[0])
    if entry is None or entry.lots != lots or entry.versions != _versions(values[1:]):
        return None
    recheck = current_app.config.get("PUBLIC_PAGE_RECHECK_SECONDS", 60)
    return entry.html if time.time() - entry.checked < recheck else None


def cached_page(
    batch_id: int, variant: str, stamp: tuple, render: Callable[[], str]
) -> tuple[str, list[int]]:
    """The lot's page for ``variant`` (language, day) and the lot's lineage, checked
    against the database: the kept page if its digest still holds, else ``render()``.

    ``stamp`` holds what the caller read of the lot itself. Versions and digest are
    read before ``render`` reads anything, so an entry never hides a change
    committed meanwhile.
    """
    cache, key = store(), _entry_key(batch_id, variant)
    entry = Entry.loads(cache.get_many([key])[0])
    lots = entry.lots if entry is not None else lineage(batch_id)
    versions = _versions(cache.get_many([_version_key(lot) for lot in lots]))
    digest = _digest(stamp, lots)
    if entry is None or entry.digest != digest:
        if entry is not None:  # the lineage itself may have changed: read it again
            lots = lineage(batch_id)
            versions = _versions(cache.get_many([_version_key(lot) for lot in lots]))
            digest = _digest(stamp, lots)
        html = render()
    else:
        html = entry.html
    seconds = current_app.config.get("PUBLIC_PAGE_CACHE_SECONDS", 600)
    cache.put(key, Entry(digest, time.time(), lots, versions, html).dumps(), seconds)
    return html, lots


def touch(batch_ids: Iterable[int]) -> None:
    """Announce, before the commit, that these lots' pages change with this transaction:
    their versions are bumped once it commits (nothing if it rolls back)."""
    db.session.info.setdefault(_TOUCHED, set()).update(batch_ids)


@event.listens_for(Session, "after_commit")
def _bump_touched(session: Session) -> None:
    touched = session.info.pop(_TOUCHED, None)
    if touched and has_app_context():
        store().bump([_version_key(batch_id) for batch_id in sorted(touched)])


@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    session.info.pop(_TOUCHED, None)


def invalidate_lots(batch_ids: Iterable[int]) -> None:
    """Make the public view of these lots fresh.

    After this returns — called after the commit — the consumer pages, linksets
    and ETags of those lots, of their units, and of every lot made from them show
    fresh content at once, in every gunicorn worker: their versions are bumped in
    the store, which every page request compares for its lot's whole lineage, and
    in the database (in a transaction of its own), which the recheck reads.
    """
    wanted = sorted({int(batch_id) for batch_id in batch_ids})
    if not wanted:
        return
    store().bump([_version_key(batch_id) for batch_id in wanted])
    with db.engine.begin() as connection:
        upsert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
        statement = upsert(PublicPageVersion).values(
            [{"batch_id": batch_id, "version": 1} for batch_id in wanted]
        )
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=[PublicPageVersion.batch_id],
                set_={"version": PublicPageVersion.version + 1},
            )
        )
