"""Consumer page under load: gunicorn on PostgreSQL, driven by ``wrk`` from another process.

The app runs as in production: ``gunicorn wsgi:app`` (sync workers),
``APP_ENV=production``, PostgreSQL, rate-limit counters in Redis when one answers
on ``BENCH_REDIS_URL``, and ``PROXY_COUNT=1`` as behind nginx, so each request can
say which client it comes from. ``wrk`` (Debian package ``wrk``) keeps 50
connections busy on loopback for a bounded time; its Lua script asks for
``/q/{code}`` of a random lot of the generated dataset, with a phone's user agent
and a random client address, so every request renders a page and records a scan,
and no rate limit makes the figure look better than it is. Pages are cached
(``consumer.page_cache``), so this first run — 5,000 lots, nearly every
request the first view of its lot — measures rendering; a second run over
``WARM_CODES`` lots, each already viewed, measures what most scans cost (a lot of
2,000 items is scanned by many shoppers): the cache check, the scan, the answer — served
by the page front (``consumer.front``) before Flask, in each worker that has
resolved the code once.

Two more figures place these. The floor of a render: ``/q/{code}/trace.json`` over the
same lots, which reads the page's rows and sends them as JSON, with no template and no
cache. And a lot's first view of a later day: a second gunicorn with no copy of a page in
the store (``PUBLIC_PAGE_CACHE_SECONDS=0``, as once the store's copy has expired) over
the lots whose page the first load kept in the database (``consumer.stored_pages``).

The same is then measured on SQLite, as the default install runs (no Redis: the page
cache and the rate-limit counts in the host's shared file): the generated tables are
copied into a freshly migrated SQLite file and the same gunicorn serves it.

Baseline: ``/healthz`` of the same app under the same server, same run — for each
database its own: figures taken on a loaded machine are only read beside it.
Targets: first views at least a quarter of the baseline's requests per second, warm
ones half; p99 under 100 ms.

Run alone with ``python -m bench.bench_consumer_page`` (a small dataset of its own),
or as the ``consumer_page`` entry of ``python -m bench`` (``run(ctx)``).
"""

import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench.common import Result, skipped
from core.extensions import db

CONNECTIONS = 50
DURATION_S = int(os.environ.get("BENCH_LOAD_SECONDS", "15"))
WARMUP_S = 3
CODES = 5_000
WARM_CODES = 100
PROJECT = Path(__file__).resolve().parent.parent
PHONE_UA = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
LUA = """
local paths = {}
for line in io.lines(os.getenv("BENCH_PATHS")) do paths[#paths + 1] = line end
local threads = 0
function setup(thread) threads = threads + 1; thread:set("id", threads) end
function init(args) math.randomseed(os.time() * 1000 + id * 7919) end
function request()
  local ip = "10." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "."
    .. math.random(1, 254)
  return wrk.format("GET", paths[math.random(#paths)], {
    ["User-Agent"] = os.getenv("BENCH_UA"), ["Accept"] = "text/html",
    ["Accept-Language"] = "vi-VN,vi;q=0.9", ["X-Forwarded-For"] = ip})
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p99_us\\": %d, "
    .. "\\"max_us\\": %d, \\"non_2xx_3xx\\": %d, \\"socket_errors\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_ready(base: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited before it was ready")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


class Server:
    """gunicorn serving ``wsgi:app`` in production mode on a free loopback port; stopped on exit."""

    def __init__(
        self,
        database_url: str,
        workers: int,
        instance: str,
        redis_url: str | None,
        settings: dict | None = None,
    ):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.workers = workers
        self.env = {
            **os.environ,
            "APP_ENV": "production",
            "PROXY_COUNT": "1",  # as behind nginx: X-Forwarded-For names the client
            "DATABASE_URL": database_url,
            "SECRET_KEY": os.urandom(24).hex(),
            "INSTANCE_DIR": instance,
            "PUBLIC_BASE_URL": self.base,
            "PYTHONWARNINGS": "ignore",
            **(settings or {}),
        }
        if redis_url:  # as in production: rate-limit counters shared by the workers
            self.env["REDIS_URL"] = redis_url
        self.process = None

    def __enter__(self) -> "Server":
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            *("--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)),
            *("--worker-class", "sync", "--backlog", "2048", "--log-level", "warning"),
            "wsgi:app",
        ]
        self.process = subprocess.Popen(command, cwd=PROJECT, env=self.env)  # noqa: S603
        _wait_ready(self.base, self.process)
        return self

    def __exit__(self, *exc_info) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _wrk(base: str, path_file: Path, script: Path, seconds: int) -> dict:
    env = {**os.environ, "BENCH_PATHS": str(path_file), "BENCH_UA": PHONE_UA}
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s"]
    output = subprocess.run(  # noqa: S603
        [*command, "-s", str(script), base], env=env, capture_output=True, text=True, check=True
    ).stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    return figures


def _load(base: str, paths: list[str], workdir: Path) -> dict:
    path_file, script = workdir / "paths.txt", workdir / "load.lua"
    path_file.write_text("\n".join(paths) + "\n")
    script.write_text(LUA)
    _wrk(base, path_file, script, WARMUP_S)  # warm-up: workers, pools, caches; not kept
    return _wrk(base, path_file, script, DURATION_S)


def redis_url() -> str | None:
    """The Redis server for rate-limit counters (``BENCH_REDIS_URL``), if one answers."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except Exception:  # noqa: BLE001 - no Redis: the workers keep counters in memory
        return None
    return url


def sample_codes(count: int = CODES, seed: int = 1003) -> list[str]:
    """Public codes of random active lots of the generated dataset."""
    codes = db.session.scalars(
        text("SELECT public_code FROM batches WHERE status <> 'draft' ORDER BY id")
    ).all()
    return random.Random(seed).sample(codes, min(count, len(codes)))


def _check_page(base: str, code: str) -> None:
    request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 server
        f"{base}/q/{code}", headers={"User-Agent": PHONE_UA}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        body = response.read()
    if response.status != 200 or b"<h1>" not in body:
        raise RuntimeError(f"/q/{code} did not answer with a consumer page")


def _results(
    page: dict,
    baseline: dict,
    params: dict,
    prefix: str = "consumer_page",
    share: str = "0.5",
    name: str = "/healthz of the same app, same gunicorn, same run",
) -> list[Result]:
    figures = {"page": page, "baseline": baseline}
    return [
        Result(
            f"{prefix}_throughput",
            round(page["rps"], 1),
            "req/s",
            round(baseline["rps"], 1),
            name,
            f"≥ {share}× baseline",
            {**params, "wrk": figures},
        ),
        Result(
            f"{prefix}_p99",
            page["p99_us"] / 1e6,
            "s",
            baseline["p99_us"] / 1e6,
            name,
            "< 100 ms",
            {**params, "p50_page_s": page["p50_us"] / 1e6},
        ),
    ]


def sqlite_copy(source_url: str, workdir: str) -> str:
    """A SQLite file in ``workdir``, migrated by the project's migrations, holding every row
    of the database at ``source_url``: the same data for the SQLite figure."""
    from flask_migrate import upgrade

    from core.factory import create_app

    url = f"sqlite:///{workdir}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": workdir})
    source = create_engine(source_url)
    with app.app_context():
        upgrade()
        tables = [table for table in db.metadata.sorted_tables if table.name != "alembic_version"]
        with source.connect() as reading, db.engine.connect() as writing:
            writing.exec_driver_sql("PRAGMA foreign_keys=OFF")  # rows come in table order
            for table in reversed(tables):
                writing.execute(table.delete())  # what the migrations seeded
            for table in tables:
                result = reading.execution_options(yield_per=5_000).execute(select(table))
                for chunk in result.partitions():
                    writing.execute(table.insert(), [row._asdict() for row in chunk])
            writing.commit()
        db.engine.dispose()
    source.dispose()
    return url


def measure_load(database_url: str, label: str = "", use_redis: bool = True) -> list[Result]:
    """Start gunicorn on ``database_url``, load the baseline and the page with wrk, stop it.

    ``label`` names the database in the results (``consumer_page{label}_…``);
    ``use_redis``: the workers share Redis when one answers (else the host's file).
    """
    if shutil.which("wrk") is None:
        return [
            skipped(
                f"consumer_page{label}_throughput",
                "req/s",
                "/healthz",
                "wrk missing (apt install wrk)",
            )
        ]
    workers = int(os.environ.get("BENCH_WORKERS", 2 * (os.cpu_count() or 1) + 1))
    codes = sample_codes()
    limits_storage = redis_url() if use_redis else None
    scans_before = _scans(database_url)
    db.session.commit()
    with tempfile.TemporaryDirectory(prefix="htx-load-") as workdir:
        with Server(database_url, workers, workdir, limits_storage) as server:
            _check_page(server.base, codes[0])
            baseline = _load(server.base, ["/healthz"], Path(workdir))
            floor = _load(server.base, [f"/q/{code}/trace.json" for code in codes], Path(workdir))
            page = _load(server.base, [f"/q/{code}" for code in codes], Path(workdir))
            for code in codes[:WARM_CODES]:  # each viewed once before: rendered and cached
                _check_page(server.base, code)
            warm = _load(server.base, [f"/q/{code}" for code in codes[:WARM_CODES]], Path(workdir))
        # The next morning: the store's copies are gone, the pages kept in the database stay.
        # With no copy in the store, every request is a lot's first view of the day.
        kept = _kept_codes(database_url)
        settings = {"PUBLIC_PAGE_CACHE_SECONDS": "0"}
        with Server(database_url, workers, workdir, limits_storage, settings) as server:
            _check_page(server.base, kept[0])
            day = _load(server.base, [f"/q/{code}" for code in kept], Path(workdir))
    recorded = _scans(database_url) - scans_before
    params = {
        "database": make_url(database_url).get_backend_name(),
        "workers": workers,
        "page_cache_and_rate_limit_store": "redis" if limits_storage else "the host's file",
        "connections": CONNECTIONS,
        "duration_s": DURATION_S,
        "codes": len(codes),
        "scans_recorded": recorded,
        "lots": db.session.scalar(text("SELECT count(*) FROM batches")),
    }
    db.session.commit()
    floor_name = "/q/{code}/trace.json: the same rows read, as JSON (no template, no cache)"
    return [
        *_results(page, baseline, params, f"consumer_page{label}", "0.25"),
        *_results(
            page,
            floor,
            params,
            f"consumer_page{label}_vs_floor",
            "0.67",
            floor_name,
        ),
        *_results(
            day,
            baseline,
            {**params, "codes": len(kept)},
            f"consumer_page{label}_first_of_day",
            "0.25",
        ),
        *_results(warm, baseline, {**params, "codes": WARM_CODES}, f"consumer_page{label}_warm"),
    ]


def _kept_codes(database_url: str) -> list[str]:
    """Public codes of the lots whose Vietnamese page is kept in the database."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return list(
                connection.scalars(
                    text(
                        "SELECT b.public_code FROM lot_pages p JOIN batches b ON b.id = p.batch_id"
                        " WHERE p.language = 'vi' ORDER BY b.id"
                    )
                )
            )
    finally:
        engine.dispose()


def _scans(database_url: str) -> int:
    """How many scans the database holds (the served one: PostgreSQL's or the SQLite copy)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return connection.scalar(text("SELECT count(*) FROM scans"))
    finally:
        engine.dispose()


def measure_both(database_url: str) -> list[Result]:
    """The load on PostgreSQL (``database_url``), then on a SQLite copy of its rows."""
    results = measure_load(database_url)
    with tempfile.TemporaryDirectory(prefix="htx-sqlite-") as workdir:
        sqlite_url = sqlite_copy(database_url, workdir)
        results += measure_load(sqlite_url, "_sqlite", use_redis=False)
    return results


def run(ctx) -> list[Result]:
    """The ``python -m bench`` entry: load the app of ``ctx`` over its own database, then
    over a SQLite copy of it."""
    url = make_url(ctx.app.config["SQLALCHEMY_DATABASE_URI"])
    return measure_both(url.render_as_string(hide_password=False))


def main() -> None:
    """Standalone: a fresh database with a small generated dataset, then the load test."""
    import warnings

    from flask_migrate import upgrade

    from bench.__main__ import _print_table, build_world
    from bench.common import DEFAULT_SERVER_URL, fresh_database
    from bench.generate import Sizes
    from bench.loader import Hasher
    from core.factory import create_app
    from registry.services.units import load_units

    warnings.filterwarnings("ignore", "Using the in-memory storage")
    sizes = Sizes(
        trace_batches=2_000,
        trace_events=4_000,
        list_batches=20_000,
        capture_events=2_000,
        background_batches=500,
    )
    hasher = Hasher()  # forks: before any database connection exists
    server_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER_URL)
    try:
        with (
            fresh_database(server_url, f"htx_bench_cp_{os.getpid()}") as database,
            tempfile.TemporaryDirectory(prefix="htx-bench-") as instance,
        ):
            url = database.render_as_string(hide_password=False)
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": instance})
            with app.app_context():
                upgrade()
                load_units()
                db.session.commit()
                build_world(sizes, hasher)
                results = measure_both(url)
                db.session.remove()
                db.engine.dispose()
    finally:
        hasher.close()
    _print_table(results)
    for result in results:
        print(json.dumps(result.as_dict(), ensure_ascii=False, default=str))  # noqa: T201


if __name__ == "__main__":
    main()
