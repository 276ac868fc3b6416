"""Rows a process writes a moment later, together, from a background thread.

Some rows need not be in the database when the request that makes them answers:
scans (statistics) and rendered pages (a cache). Writing them with the request would
make every page view a writer, which on SQLite means every view takes the file's one
write lock. A ``WriteBehind`` queues them and writes them in one transaction of its
own when ``size`` wait or every ``seconds``, and when the process exits (a gunicorn
worker's graceful stop). A killed process loses what waits; a failed write is logged
and dropped: these rows are never records.
"""

import atexit
import logging
import os
import threading
from collections.abc import Callable

from sqlalchemy import Connection

from core.extensions import db

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


class WriteBehind:
    """Queued rows of one process for one ``write(connection, rows)``, written together."""

    def __init__(self, app, name: str, write: Callable, size: int, seconds: float):
        self.app, self.name, self.write = app, name, write
        self.size, self.seconds = size, seconds
        self.pid = os.getpid()
        self.rows: list = []
        self.lock = threading.Lock()
        self.wake = threading.Event()
        threading.Thread(target=self._run, name=name, daemon=True).start()
        atexit.register(self.flush)

    @classmethod
    def of(cls, app, name: str, write: Callable, size: int, seconds: float) -> "WriteBehind":
        """This process's queue ``name`` of the app (a forked worker makes its own)."""
        key = f"htx_{name}"
        found = app.extensions.get(key)
        if found is None or found.pid != os.getpid():
            with _LOCK:
                found = app.extensions.get(key)
                if found is None or found.pid != os.getpid():
                    found = cls(app, name, write, size, seconds)
                    app.extensions[key] = found
        return found

    def add(self, row) -> None:
        """Queue one row."""
        with self.lock:
            self.rows.append(row)
            full = len(self.rows) >= self.size
        if full:
            self.wake.set()

    def _run(self) -> None:
        while True:
            self.wake.wait(self.seconds)
            self.wake.clear()
            self.flush()

    def flush(self) -> int:
        """Write every waiting row in one transaction; return how many."""
        with self.lock:
            rows, self.rows = self.rows, []
        if not rows:
            return 0
        with self.app.app_context():
            return write_now(self.write, rows, self.name)


def write_now(write: Callable[[Connection, list], None], rows: list, name: str) -> int:
    """``write`` these rows at once, in a transaction of their own; how many (0 when the
    write failed: logged, the rows dropped)."""
    try:
        with db.engine.begin() as connection:
            write(connection, rows)
    except Exception:  # noqa: BLE001 - statistics or a cache: log the loss, keep serving
        log.exception("%d rows of %s could not be written", len(rows), name)
        return 0
    return len(rows)
