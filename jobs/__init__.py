"""Background jobs: a huey queue that the web server fills and a worker process empties.

The queue lives in SQLite (``INSTANCE_DIR/jobs.sqlite3``) by default and in Redis when
``JOBS_URL`` or ``REDIS_URL`` names one. Features declare their jobs here with ``task`` (run
when something enqueues them, e.g. a new recall's notices) and ``periodic`` (run on a
schedule, e.g. the portal sync); ``init_app`` binds every declared job to the app's huey,
each run inside an app context. ``flask worker`` (``jobs.cli``) runs huey's consumer:
``make run`` starts it beside gunicorn, production runs it as a service of its own
(``deploy/``). The worker writes a heartbeat every minute, so pages can say plainly when
it has not run lately.

With ``JOBS_IMMEDIATE`` (the test suite) a job runs at once in the process that enqueues it.

This package imports only ``core``: the features above it declare their jobs in their own
``tasks`` modules.
"""

from jobs import housekeeping  # noqa: F401 - declares the core's jobs
from jobs.queue import (
    JobSpec,
    RetryLater,
    enqueue,
    huey_of,
    init_app,
    periodic,
    task,
    worker_state,
)

__all__ = [
    "JobSpec",
    "RetryLater",
    "enqueue",
    "huey_of",
    "init_app",
    "periodic",
    "task",
    "worker_state",
]
