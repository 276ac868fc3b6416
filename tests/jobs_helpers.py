"""Fixtures for the background jobs: a real queue (a SqliteHuey file, or a local Redis) in
place of the test suite's immediate mode, so a test sees what is queued and runs the
worker's part itself; and running ``make run`` as a user does (``MakeRun``)."""

import contextlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy.engine import make_url

from jobs import queue
from tests.consumer_helpers import local_redis
from tests.server_helpers import free_port

PROJECT = Path(__file__).resolve().parents[1]
REDIS_URL = "redis://127.0.0.1:6379/13"
MAKE = shutil.which("make") or "make"


def _queue_on(app, url: str):
    saved = app.extensions[queue.EXTENSION], app.config["JOBS_IMMEDIATE"], app.config["JOBS_URL"]
    app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=url)
    try:
        jobs = queue.init_app(app)
    except BaseException:
        _restore(app, saved)
        raise
    return jobs.huey, saved


def _restore(app, saved) -> None:
    app.extensions[queue.EXTENSION] = saved[0]
    app.config.update(JOBS_IMMEDIATE=saved[1], JOBS_URL=saved[2])


@pytest.fixture
def queued_jobs(app, tmp_path):
    """The app's jobs queued in a SQLite file and left there (no worker): the huey."""
    huey, saved = _queue_on(app, f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    yield huey
    _restore(app, saved)


@pytest.fixture
def redis_jobs(app):
    """The app's jobs queued in a local Redis (skipped without one, failed under CI)."""
    client = local_redis(REDIS_URL)
    client.flushdb()
    huey, saved = _queue_on(app, REDIS_URL)
    yield huey
    _restore(app, saved)
    client.flushdb()


def run_next(huey) -> str:
    """Take the next job off the queue and run it as the worker would; its name."""
    task = huey.dequeue()
    assert task is not None, "nothing was queued"
    huey.execute(task)
    return task.name


def session_processes(sid: int) -> dict[int, str]:
    """The live processes of session ``sid`` (zombies excluded): their command lines by pid."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except OSError:  # gone meanwhile
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == sid and fields[0] != "Z":
            found[int(entry.name)] = cmdline
    return found


class MakeRun:
    """``make run`` in a session of its own, as a user starts it in a terminal: on the test
    database, a fresh INSTANCE_DIR (so the job queue is a new SQLite file), no Redis."""

    def __init__(self, app, instance_dir: Path, **env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.instance_dir = instance_dir
        instance_dir.mkdir(parents=True, exist_ok=True)
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        self.env = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "INSTANCE_DIR": str(instance_dir),
            "PUBLIC_BASE_URL": self.base,
            "PYTHONWARNINGS": "ignore",
            **env,
        }
        for name in ("APP_ENV", "REDIS_URL", "JOBS_URL", "JOBS_IMMEDIATE", "MAKEFLAGS"):
            self.env.pop(name, None)
        if "SMTP_HOST" not in env:
            self.env.pop("SMTP_HOST", None)
        self.log_path = instance_dir / "make-run.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed command
                [MAKE, "--no-print-directory", "run", f"PORT={self.port}", "HOST=127.0.0.1"],
                cwd=PROJECT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, as a terminal's job is
            )

    def log(self) -> str:
        """What ``make run`` printed so far."""
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, text: str, seconds: float = 30) -> str:
        """Until ``text`` appears in what ``make run`` printed (a worker logs after it acts)."""
        deadline = time.monotonic() + seconds
        while text not in self.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.log()

    def processes(self) -> list[str]:
        """Command lines of every process ``make run`` started that is still alive."""
        return list(session_processes(self.process.pid).values())

    def pid_of(self, fragment: str) -> int:
        """The pid of the one process whose command line holds ``fragment``."""
        (pid,) = [
            pid
            for pid, command in session_processes(self.process.pid).items()
            if fragment in command and "python" in command.split()[0]
        ]
        return pid

    def heartbeat(self):
        """The worker's last heartbeat in the queue's SQLite file (None: none yet)."""
        huey = queue.make_huey({"INSTANCE_DIR": self.instance_dir, "JOBS_URL": None})
        try:
            return huey.get(queue.HEARTBEAT_KEY, peek=True)
        finally:
            huey.storage.close()

    def wait_ready(self, seconds: float = 120) -> None:
        """Until gunicorn answers /healthz and the worker has written its heartbeat."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make run exited:\n{self.log()[-3000:]}"
            try:
                up = requests.get(f"{self.base}/healthz", timeout=5).status_code == 200
            except requests.RequestException:
                up = False
            if up and self.heartbeat():
                return
            time.sleep(0.2)
        raise AssertionError(f"make run did not come up:\n{self.log()[-3000:]}")

    def interrupt(self) -> None:
        """Ctrl-C: SIGINT to every process of the terminal's job (its process group)."""
        os.killpg(self.process.pid, signal.SIGINT)

    def wait_stopped(self, seconds: float = 40) -> list[str]:
        """Wait until make and everything it started are gone; what is left (killed)."""
        deadline = time.monotonic() + seconds
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=seconds)
        while self.processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        left = self.processes()
        if left or self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        return left

    def stop(self) -> None:
        """Ctrl-C, then make sure nothing is left running."""
        if self.process.poll() is None or self.processes():
            with contextlib.suppress(ProcessLookupError):
                self.interrupt()
            self.wait_stopped()


@pytest.fixture
def make_run(app, tmp_path):
    """Factory: start ``make run`` with extra environment; stopped (Ctrl-C) after the test."""
    started = []

    def start(**env) -> MakeRun:
        run = MakeRun(app, tmp_path / f"instance{len(started)}", **env)
        started.append(run)
        return run

    yield start
    for run in started:
        run.stop()
