"""A small key-value store in an SQLite file, shared by every process of one host.

Without Redis, the gunicorn workers of one host still have to agree on three things: the
versions that say a consumer page changed, the rendered pages themselves, and the
rate-limit counts (a limit of 120 a minute must not become 120 per worker). Each keeps
them here, in ``INSTANCE_DIR/shared-cache.sqlite3``, beside the database: a write is a
few tens of microseconds in WAL mode, and every worker reads what another wrote at once.

Nothing in the file is a record: it may be deleted while the service is stopped. Hosts
behind a load balancer do not share it; they need Redis (``REDIS_URL``).

``LocalStore`` serves the page cache (``consumer.page_cache``);
``LocalLimitsStorage`` is the same file as a storage of the ``limits`` library, for
Flask-Limiter (sign-in limits), under the URI ``htx-local:///path/to/file``.
"""

import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

log = logging.getLogger(__name__)

FILE_NAME = "shared-cache.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    value NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID
"""
# A counter: 1 in a new or ended window, else one more; the window's end is kept.
_COUNT = """
INSERT INTO entries (key, value, expires) VALUES (?1, ?2, ?3)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires < ?4 THEN ?2 ELSE value + ?2 END,
    expires = CASE WHEN expires < ?4 THEN ?3 ELSE expires END
RETURNING value
"""
_BUMP = """
INSERT INTO entries (key, value, expires) VALUES (?1, 1, ?2)
ON CONFLICT (key) DO UPDATE SET value = value + 1, expires = ?2
"""
# A version that has none (or has expired) starts at the given value; the value is returned.
_SEED = """
INSERT INTO entries (key, value, expires) VALUES (?1, ?2, ?3)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires < ?4 THEN ?2 ELSE value END,
    expires = CASE WHEN expires < ?4 THEN ?3 ELSE expires END
RETURNING value
"""
_VERSION_SECONDS = 30 * 24 * 3600  # longer than any entry a version guards
_SWEEP_EVERY = 500  # writes between two deletions of what has expired


class LocalStore:
    """The store on one SQLite file; each process and thread opens its own connection.

    A failure of the file (locked past the timeout, disk full) is treated as the page
    cache treats a Redis failure: a miss, and a count of 0 (pages stay open).
    """

    errors = (sqlite3.Error,)

    def __init__(self, path: Path | str, timeout: float = 2.0):
        self.path = Path(path)
        self.timeout = timeout
        self._local = threading.local()
        self._writes = 0

    def connection(self) -> sqlite3.Connection:
        """This thread's connection to the file (opened, and the table made, on first use)."""
        # One connection per thread and per process: a connection must not cross a fork.
        found = getattr(self._local, "connection", None)
        if found is not None and self._local.pid == os.getpid():
            return found
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")  # a cache: losing it loses nothing
        connection.execute(_SCHEMA)
        self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def get_many(self, keys: list[str]) -> list:
        """The live value under each key (an entry's text, or a version), or None."""
        if not keys:
            return []
        try:
            return self.read_live(keys)
        except self.errors as exc:
            log.warning("shared cache unavailable: %s", exc)
            return [None] * len(keys)

    def read_live(self, keys: list[str]) -> list:
        """The values under ``keys`` that have not expired (None for the others); raises
        on a failure of the file."""
        marks = ",".join("?" * len(keys))
        rows = self.connection().execute(
            f"SELECT key, value FROM entries WHERE key IN ({marks}) AND expires >= ?",  # noqa: S608 - only marks
            [*keys, time.time()],
        )
        found = dict(rows.fetchall())
        return [None if found.get(key) is None else str(found[key]) for key in keys]

    def incr(self, key: str, seconds: float, amount: int = 1) -> int:
        """Add ``amount`` to the count under ``key``, kept ``seconds`` from its first hit;
        the new count."""
        now = time.time()
        row = self.connection().execute(_COUNT, (key, amount, now + seconds, now)).fetchone()
        self._written()
        return int(row[0])

    def counted_get_many(self, counter: str, seconds: int, keys: list[str]) -> tuple[int, list]:
        """Add one to ``counter`` and read ``keys``: the new count and the values."""
        try:
            count = self.incr(counter, seconds)
            return count, self.read_live(keys) if keys else []
        except self.errors as exc:
            log.warning("shared cache unavailable: %s", exc)
            return 0, [None] * len(keys)

    def put(self, key: str, value: str, seconds: int) -> None:
        """Keep ``value`` under ``key`` for ``seconds``."""
        try:
            self.connection().execute(
                "INSERT OR REPLACE INTO entries (key, value, expires) VALUES (?, ?, ?)",
                (key, value, time.time() + seconds),
            )
            self._written()
        except self.errors as exc:
            log.warning("shared cache unavailable: %s", exc)

    def bump(self, keys: list[str]) -> bool:
        """Increase each of these versions by one; False when the file fails."""
        expires = time.time() + _VERSION_SECONDS
        try:
            with self.connection() as connection:  # one transaction for all of them
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany(_BUMP, [(key, expires) for key in keys])
        except self.errors as exc:
            log.warning("shared cache unavailable: %s", exc)
            return False
        return True

    def seed(self, key: str, value: int) -> str | None:
        """The version under ``key``, set to ``value`` first if there is none (or it has
        expired); None when the file fails."""
        try:
            row = self.connection().execute(
                _SEED, (key, value, time.time() + _VERSION_SECONDS, time.time())
            )
            found = row.fetchone()
            self._written()
        except self.errors as exc:
            log.warning("shared cache unavailable: %s", exc)
            return None
        return str(found[0])

    def delete(self, keys: list[str]) -> None:
        """Forget these keys."""
        marks = ",".join("?" * len(keys))
        self.connection().execute(f"DELETE FROM entries WHERE key IN ({marks})", keys)  # noqa: S608

    def clear(self) -> None:
        """Forget everything."""
        self.connection().execute("DELETE FROM entries")

    def _written(self) -> None:
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            self.connection().execute("DELETE FROM entries WHERE expires < ?", (time.time(),))


def default_path(instance_dir: Path | str) -> Path:
    """Where the workers of this instance keep their shared cache."""
    return Path(instance_dir) / FILE_NAME


class LocalLimitsStorage(Storage):
    """The ``limits`` library's storage on a ``LocalStore`` file (fixed windows).

    Flask-Limiter takes it from ``RATELIMIT_STORAGE_URI = "htx-local:///path/to/file"``.
    """

    STORAGE_SCHEME = ["htx-local"]
    _PREFIX = "ratelimit:"

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.store = LocalStore(uri.split("://", 1)[1])

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        """What a failure of the file raises."""
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to ``key``'s count in its window of ``expiry`` seconds."""
        return self.store.incr(self._PREFIX + key, expiry, amount)

    def get(self, key: str) -> int:
        """``key``'s count in its current window (0 when none)."""
        value = self.store.read_live([self._PREFIX + key])[0]
        return int(value) if value is not None else 0

    def get_expiry(self, key: str) -> float:
        """When ``key``'s window ends (seconds since the epoch)."""
        row = (
            self.store.connection()
            .execute("SELECT expires FROM entries WHERE key = ?", (self._PREFIX + key,))
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        """Whether the file answers."""
        self.store.connection().execute("SELECT 1")
        return True

    def reset(self) -> int | None:
        """Forget every count; how many there were."""
        cursor = self.store.connection().execute(
            "DELETE FROM entries WHERE key LIKE ?", (self._PREFIX + "%",)
        )
        return cursor.rowcount

    def clear(self, key: str) -> None:
        """Forget ``key``'s count."""
        self.store.delete([self._PREFIX + key])
