"""``flask worker``: huey's consumer, running the app's jobs until SIGTERM or Ctrl-C."""

import logging

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from jobs.queue import huey_of, worker_state


@click.command("worker")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Threads running jobs (default: JOBS_WORKERS).",
)
@with_appcontext
def worker_command(workers):
    """Run the background jobs: recall notices, portal sync, housekeeping (Ctrl-C stops)."""
    config = current_app.config
    huey = huey_of()
    if huey.immediate:
        raise click.ClickException("JOBS_IMMEDIATE is set: jobs run where they are queued.")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(name)s: %(message)s"))
    for name in ("huey", "jobs", "recall", "portal"):
        logging.getLogger(name).addHandler(handler)
    # The jobs say what they did; huey says when it starts and stops, and what went wrong
    # (not every run of the minutely jobs).
    levels = {"jobs": "INFO", "recall": "INFO", "portal": "INFO", "huey": "WARNING"}
    levels |= {"huey.consumer": "INFO", "huey.consumer.Scheduler": "WARNING"}
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    consumer = huey.create_consumer(
        workers=workers or config["JOBS_WORKERS"],
        worker_type="thread",
        periodic=True,
        initial_delay=0.1,
        # SQLite is polled (cheaply); Redis wakes the worker at once.
        max_delay=config["JOBS_POLL_SECONDS"],
        scheduler_interval=1,
        check_worker_health=True,
        flush_locks=True,  # a worker killed while holding a job's lock leaves it held
        # SIGTERM (systemd, make run's trap) lets running jobs finish, up to this long;
        # Ctrl-C (SIGINT) stops at once: a notice being sent stays claimed and is retried.
        graceful_signal="TERM",
        shutdown_timeout=config["JOBS_SHUTDOWN_SECONDS"],
    )
    click.echo(f"Jobs from {type(huey.storage).__name__}: {', '.join(sorted(_names(huey)))}")
    state = worker_state()
    if state.last_seen is not None:
        click.echo(f"Last heartbeat before this start: {state.last_seen:%Y-%m-%d %H:%M:%S} UTC")
    consumer.run()


def _names(huey) -> list[str]:
    return list(huey._registry._registry)  # noqa: SLF001 - huey has no public listing


def register(app: Flask) -> None:
    """Attach ``flask worker`` to the app."""
    app.cli.add_command(worker_command)
