"""gunicorn serving the test database in a subprocess, as `make run` serves the app: several
sync workers, the default (development) settings, no Redis, the host's shared cache file
in a fresh INSTANCE_DIR. For tests of what must hold across processes."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from sqlalchemy.engine import make_url

PROJECT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """gunicorn with ``workers`` sync workers on the test app's database."""

    def __init__(self, app, instance_dir: Path, workers: int = 2, **environment: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        self.env = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "SECRET_KEY": "multi-worker-test-secret",
            "INSTANCE_DIR": str(instance_dir),
            "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
            "PYTHONWARNINGS": "ignore",
            **environment,
        }
        for name in ("APP_ENV", "REDIS_URL", "PUBLIC_PAGE_CACHE_URL", "JOBS_URL"):
            self.env.pop(name, None)  # make run's configuration: development, no Redis
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)),
            *("--timeout", "120", "--graceful-timeout", "5", "--log-level", "warning"),
            "wsgi:app",
        ]
        self.workers = workers
        self.process = subprocess.Popen(command, cwd=PROJECT, env=self.env)  # noqa: S603

    def wait_ready(self, seconds: float = 60) -> None:
        """Until every worker has started and one answers /healthz."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "gunicorn exited"
            try:
                answered = requests.get(f"{self.base}/healthz", timeout=5).status_code == 200
            except requests.RequestException:  # not listening yet
                answered = False
            if answered and len(self.worker_pids()) == self.workers:
                return
            time.sleep(0.2)
        raise AssertionError("gunicorn did not start its workers")

    def worker_pids(self) -> list[int]:
        """The pids of the master's workers."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(child) for child in path.read_text().split()] if path.exists() else []

    def worker(self) -> int:
        """The pid of the only worker (``workers=1``), once it has started."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == 1:
                return pids[0]
            time.sleep(0.05)
        raise AssertionError("no single gunicorn worker found")

    def stop(self) -> None:
        """Stop the master and its workers."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def at_once(calls: list) -> list:
    """Run every call in its own thread, released together; their results, in order."""
    results: list = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index, call):
        start.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results
