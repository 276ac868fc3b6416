"""The page cache's stores: in this process's memory (tests) and in Redis (production).

The third, a file shared by the workers of one host, is ``core.local_store.LocalStore``.
Each keeps the rendered pages, the versions that say when they are old, and the public
pages' rate-limit counts, with the same methods: ``get_many``, ``counted_get_many``,
``put``, ``bump`` and ``seed``.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict

log = logging.getLogger(__name__)
VERSION_SECONDS = 30 * 24 * 3600  # a version's life in the store after its last bump


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

    def bump(self, keys: list[str]) -> bool:
        """Increase each of these versions by one; True (this store does not fail)."""
        with self._lock:
            for key in keys:
                self._versions[key] = self._versions.get(key, 0) + 1
        return True

    def seed(self, key: str, value: int) -> str | None:
        """The version under ``key``, set to ``value`` first if there is none."""
        with self._lock:
            return str(self._versions.setdefault(key, value))


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

    def bump(self, keys: list[str]) -> bool:
        """Increase each version by one (kept a month: longer than any entry they guard);
        False when Redis does not answer."""
        pipeline = self.redis.pipeline(transaction=False)
        for key in self._keys(keys):
            pipeline.incr(key)
            pipeline.expire(key, VERSION_SECONDS)
        try:
            pipeline.execute()
        except self.errors as exc:
            log.warning("public page cache unavailable: %s", exc)
            return False
        return True

    def seed(self, key: str, value: int) -> str | None:
        """The version under ``key``, set to ``value`` first if there is none; None when
        Redis does not answer."""
        pipeline = self.redis.pipeline(transaction=False)
        pipeline.set(self.namespace + key, value, nx=True, ex=VERSION_SECONDS)
        pipeline.get(self.namespace + key)
        try:
            found = pipeline.execute()[1]
        except self.errors as exc:
            log.warning("public page cache unavailable: %s", exc)
            return None
        return found.decode() if found is not None else None
