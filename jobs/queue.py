"""Declared jobs, the app's huey (SQLite or Redis), enqueueing and the worker's heartbeat."""

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app
from flask_babel import force_locale
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.exceptions import CancelExecution

log = logging.getLogger(__name__)

EXTENSION = "htx_jobs"
HEARTBEAT_KEY = "worker-heartbeat"
QUEUE_NAME = "htx"

Options = Callable[[Mapping], dict]


def _no_options(config: Mapping) -> dict:
    return {}


@dataclass(frozen=True)
class JobSpec:
    """A job as a feature declares it, before it is bound to an app's huey.

    ``options`` gives huey's task options (retries, retry_delay, retry_backoff) from the
    app's config; ``every`` gives a periodic job's period in minutes (None or 0: the job is
    off in this configuration); ``lock``: never two runs of this job at once.
    """

    name: str
    func: Callable
    options: Options = _no_options
    every: Callable[[Mapping], int | None] | None = None
    lock: bool = False


_SPECS: dict[str, JobSpec] = {}


class RetryLater(CancelExecution):
    """Raised by a job whose work is not done yet (a mail server down): huey runs it again
    after the job's retry pause (``retry_delay``, times ``retry_backoff`` each time) while
    it has retries left. Logged as a warning, without a traceback."""

    def __init__(self, message: str):
        super().__init__(message, retry=None)  # None: only while retries are left


def task(name: str, options: Options | None = None, lock: bool = False):
    """Declare a job that runs when something enqueues it (``enqueue(name, ...)``)."""

    def declare(func: Callable) -> Callable:
        _SPECS[name] = JobSpec(name, func, options or _no_options, None, lock)
        return func

    return declare


def periodic(
    name: str,
    every: Callable[[Mapping], int | None],
    options: Options | None = None,
    lock: bool = True,
):
    """Declare a job the worker runs every ``every(config)`` minutes (none when 0 or None).

    It can also be enqueued by name to run at once (a "retry now" button).
    """

    def declare(func: Callable) -> Callable:
        _SPECS[name] = JobSpec(name, func, options or _no_options, every, lock)
        return func

    return declare


class Jobs:
    """An app's huey with every declared job bound to it (``app.extensions[EXTENSION]``)."""

    def __init__(self, app: Flask):
        self.huey = make_huey(app.config)
        self.tasks = {}
        for spec in _SPECS.values():
            bound = self._bind(app, spec)
            if bound is not None:
                self.tasks[spec.name] = bound
        huey = self.huey
        # Each worker thread says it is alive as it starts, then the periodic job every minute.
        huey.on_startup("heartbeat")(lambda: beat(huey))

    def _bind(self, app: Flask, spec: JobSpec):
        lock = self.huey.lock_task(spec.name) if spec.lock else None

        def run(*args, **kwargs):
            with app.app_context(), force_locale(app.config["BABEL_DEFAULT_LOCALE"]):
                if lock is None:
                    return spec.func(*args, **kwargs)
                with lock:
                    return spec.func(*args, **kwargs)

        # huey names a job "<module>.<name>": "htx.recall.send_notices".
        run.__module__, run.__name__, run.__doc__ = QUEUE_NAME, spec.name, spec.func.__doc__
        options = dict(spec.options(app.config))
        if spec.every is None:
            return self.huey.task(name=spec.name, **options)(run)
        minutes = spec.every(app.config)
        if not minutes:
            return None
        schedule = crontab(minute=f"*/{int(minutes)}")
        return self.huey.periodic_task(schedule, name=spec.name, **options)(run)


def make_huey(config: Mapping) -> Huey:
    """The huey the config names: JOBS_URL's Redis, else SQLite in INSTANCE_DIR."""
    immediate = bool(config.get("JOBS_IMMEDIATE"))
    common = {"name": QUEUE_NAME, "results": False, "utc": True, "immediate": immediate}
    url = config.get("JOBS_URL")
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(url=url, **common)
    if url and url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
    elif url:
        raise ValueError(f"JOBS_URL must be redis://… or sqlite:///…, not {url!r}")
    else:
        path = Path(config["INSTANCE_DIR"]) / "jobs.sqlite3"
    if not immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(filename=str(path), **common)


def init_app(app: Flask) -> Jobs:
    """Bind the declared jobs to a huey made from the app's config (the factory calls this
    after the features, whose ``tasks`` modules declare the jobs)."""
    jobs = Jobs(app)
    app.extensions[EXTENSION] = jobs
    return jobs


def huey_of(app: Flask | None = None) -> Huey:
    """The huey of ``app`` (the current app by default)."""
    return (app or current_app).extensions[EXTENSION].huey


def enqueue(name: str, *args, **kwargs) -> bool:
    """Queue job ``name``; False (and logged) when it is off here or the queue is unreachable.

    Never raises: what the caller saved stays saved, and the periodic jobs catch up.
    """
    jobs = current_app.extensions.get(EXTENSION)
    bound = jobs.tasks.get(name) if jobs is not None else None
    if bound is None:
        return False
    try:
        bound(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the queue is down; the periodic jobs send it later
        current_app.logger.exception("could not queue the job %s", name)
        return False
    return True


def beat(huey: Huey) -> None:
    """Record that a worker is alive now."""
    try:
        huey.put(
            HEARTBEAT_KEY, {"at": time.time(), "host": socket.gethostname(), "pid": os.getpid()}
        )
    except Exception:  # noqa: BLE001 - the next beat tries again
        log.exception("could not write the worker's heartbeat")


@periodic("jobs.heartbeat", every=lambda config: 1, lock=False)
def heartbeat() -> None:
    """Every minute: the worker is alive (read by ``worker_state``)."""
    beat(huey_of())


@dataclass(frozen=True)
class WorkerState:
    """What the pages say about the worker."""

    immediate: bool  # jobs run in the web process itself (tests): nothing to wait for
    last_seen: datetime | None  # its last heartbeat; None: never, or the queue is unreachable
    stale: bool  # no heartbeat for JOBS_STALE_SECONDS: jobs are not running


def worker_state(app: Flask | None = None) -> WorkerState:
    """Whether the worker has run lately, from its heartbeat (one read of the queue's store)."""
    app = app or current_app
    huey = huey_of(app)
    if huey.immediate:
        return WorkerState(True, None, False)
    try:
        data = huey.get(HEARTBEAT_KEY, peek=True)
    except Exception:  # noqa: BLE001 - a page must render when the queue's store is down
        app.logger.exception("could not read the worker's heartbeat")
        data = None
    if not data:
        return WorkerState(False, None, True)
    last = datetime.fromtimestamp(data["at"], UTC)
    stale = time.time() - data["at"] > app.config["JOBS_STALE_SECONDS"]
    return WorkerState(False, last, stale)
