"""``make load`` / ``python -m bench.load``: a mixed workload against gunicorn on PostgreSQL.

1. A fresh database ``htx_load_<pid>`` on ``BENCH_DATABASE_URL``'s server (dropped at the
   end, also on failure or Ctrl-C), migrated, with the administrative units and the demo
   dataset (``flask demo``).
2. 20 of the demo's cooperatives get a user and an API token each, a product, a growing
   area and 15 harvested lots (made through the API, in process, before the server
   starts).
3. gunicorn serves ``wsgi:app`` with the production settings (``APP_ENV=production``, a
   generated ``SECRET_KEY``, ``PROXY_COUNT=1`` as behind nginx, ``REDIS_URL`` for the
   rate-limit counters and the page cache when a Redis answers) on a free loopback port,
   with ``LOAD_WORKERS`` workers (default: the CPU count, at least 2).
4. ``wrk`` (another process) runs ``bench/load/mixed.lua`` for ``LOAD_DURATION`` seconds
   (default 30) over ``LOAD_CONNECTIONS`` connections (default 40): 90% consumer page scans
   over every public lot code, 5% API reads, 2.5% new lots and 2.5% inspection events, the
   API calls from the 20 cooperatives' tokens; a ``LOAD_WARMUP``-second run (default 3)
   before it is not kept.

Printed and written to ``bench/results/load.json``: throughput, p50/p95/p99/max latency,
the count of every status code, non-2xx/3xx answers, socket errors and 5xx answers, and
whether ``flask trace verify`` still finds every hash chain intact afterwards. The command
exits with status 1 if any answer was a 5xx, a socket error happened or a chain broke.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

from bench.bench_consumer_page import PHONE_UA, Server, redis_url
from bench.common import DEFAULT_SERVER_URL, fresh_database, machine_info
from core.extensions import db

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "load" / "mixed.lua"
RESULTS = HERE / "results" / "load.json"
COOPERATIVES = 20
LOTS_EACH = 15


def _setting(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _api(client, token: str, path: str, body: dict) -> dict:
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    response = client.post(f"/api/v1{path}", json=body, headers=headers)
    if response.status_code != 201:
        raise RuntimeError(f"set-up {path}: {response.status_code} {response.get_data()[:300]}")
    return response.json


def _cooperatives() -> list:
    from registry.models import Organization, OrgKind, OrgStatus

    stmt = (
        select(Organization)
        .where(Organization.kind == OrgKind.COOPERATIVE, Organization.status == OrgStatus.ACTIVE)
        .order_by(Organization.id)
        .limit(COOPERATIVES)
    )
    found = list(db.session.scalars(stmt))
    if len(found) < COOPERATIVES:
        raise RuntimeError(f"the demo has only {len(found)} active cooperatives")
    return found


def _issue_tokens() -> list[tuple[str, str]]:
    """A cooperative user and an API token for each of 20 demo cooperatives: (token, unit)."""
    from registry.services import accounts

    made = []
    for n, org in enumerate(_cooperatives(), start=1):
        user = accounts.create_user(
            None,
            {
                "email": f"load{n:02d}@load.gialai.example",
                "full_name": f"Tài khoản tải {n:02d}",
                "password": os.urandom(12).hex(),
                "role": "cooperative",
                "organization": org.registration_code,
            },
        )
        _token, secret = accounts.issue_token(user, "load test")
        made.append((secret, org.admin_unit.code))
    db.session.commit()
    return made


def _prepare_client(client, token: str, unit: str) -> str:
    """Product, site and harvested lots of one cooperative; its line of the clients file."""
    product = _api(client, token, "/products", {"name": "Cà phê nhân tải", "category": "coffee"})
    site = _api(client, token, "/sites", {"name": "Vùng trồng tải", "admin_unit": unit})
    harvested = (datetime.now(UTC) - timedelta(days=2)).isoformat(timespec="seconds")
    lots = []
    for _ in range(LOTS_EACH):
        lot = _api(
            client,
            token,
            "/batches",
            {"product_id": product["id"], "quantity": 100000, "harvest_date": str(date.today())},
        )
        event = {"kind": "harvest", "event_time": harvested, "site_id": site["id"]}
        _api(client, token, "/events", {**event, "lines": [{"batch_id": lot["id"]}]})
        lots.append(lot["id"])
    return f"{token} {product['id']} {lots[0]}"


def build_data(app) -> tuple[list[str], list[str]]:
    """Demo data, 20 cooperative clients and their lots; (consumer paths, client lines)."""
    result = app.test_cli_runner().invoke(args=["demo"])
    if result.exit_code != 0:
        raise RuntimeError(f"flask demo failed: {result.output[-2000:]}")
    with app.test_request_context():
        tokens = _issue_tokens()
    client = app.test_client()
    lines = [_prepare_client(client, token, unit) for token, unit in tokens]
    with app.app_context():
        codes = db.session.scalars(
            text("SELECT public_code FROM batches WHERE status <> 'draft' ORDER BY id")
        ).all()
    return [f"/q/{code}" for code in codes], lines


def run_wrk(base: str, workdir: Path, paths: list[str], clients: list[str], seconds: int) -> dict:
    """One wrk run of the mixed script; its RESULT figures plus requests per second."""
    path_file, client_file = workdir / "paths.txt", workdir / "clients.txt"
    path_file.write_text("\n".join(paths) + "\n")
    client_file.write_text("\n".join(clients) + "\n")
    env = {
        **os.environ,
        "LOAD_PATHS": str(path_file),
        "LOAD_CLIENTS": str(client_file),
        "LOAD_UA": PHONE_UA,
    }
    connections = _setting("LOAD_CONNECTIONS", 40)
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    output = subprocess.run(  # noqa: S603
        [*command, "-s", str(SCRIPT), base], env=env, capture_output=True, text=True, check=True
    ).stdout
    line = next(row for row in output.splitlines() if row.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["rps"] = round(figures["requests"] / (figures["duration_us"] / 1e6), 1)
    figures["connections"] = connections
    return figures


def summarise(figures: dict, params: dict) -> dict:
    """The JSON record: figures in seconds, the 5xx count, and the run's settings."""
    statuses = {int(code): count for code, count in figures["statuses"].items()}
    return {
        "name": "load.mixed",
        "throughput_rps": figures["rps"],
        "requests": figures["requests"],
        "latency_s": {key: figures[f"{key}_us"] / 1e6 for key in ("p50", "p95", "p99", "max")},
        "statuses": {str(code): statuses[code] for code in sorted(statuses)},
        "non_2xx_3xx": figures["non_2xx_3xx"],
        "errors_5xx": sum(count for code, count in statuses.items() if code >= 500),
        "socket_errors": figures["socket_errors"],
        "sent": figures["sent"],
        "params": params,
    }


def _print(report: dict) -> None:
    latency = report["latency_s"]
    lines = [
        f"mixed load: {report['requests']} requests in {report['params']['duration_s']} s, "
        f"{report['throughput_rps']} req/s",
        "latency: " + ", ".join(f"{key} {value * 1000:.1f} ms" for key, value in latency.items()),
        "sent: " + ", ".join(f"{key} {value}" for key, value in report["sent"].items()),
        "statuses: " + ", ".join(f"{code}: {n}" for code, n in report["statuses"].items()),
        f"non-2xx/3xx: {report['non_2xx_3xx']}, 5xx: {report['errors_5xx']}, "
        f"socket errors: {report['socket_errors']}, "
        f"hash chains {'verified' if report['chains_verified'] else 'BROKEN'}",
        f"workers {report['params']['workers']}, connections {report['params']['connections']}, "
        f"load average before {report['machine']['load_average_1m']}",
    ]
    print("\n".join(lines))  # noqa: T201


def _rows_made(app, since: dict) -> dict:
    with app.app_context():
        now = {
            table: db.session.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in since
        }
    return {table: now[table] - since[table] for table in since}


def main() -> int:
    """Build the database, serve it, load it, report; 1 when any answer was a 5xx."""
    from flask_migrate import upgrade

    from core.factory import create_app
    from registry.services.units import load_units

    warnings.filterwarnings("ignore", "Using the in-memory storage")
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk", file=sys.stderr)  # noqa: T201
        return 2
    seconds = _setting("LOAD_DURATION", 30)
    workers = _setting("LOAD_WORKERS", max(2, os.cpu_count() or 1))
    server_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER_URL)
    with (
        fresh_database(server_url, f"htx_load_{os.getpid()}") as database,
        tempfile.TemporaryDirectory(prefix="htx-load-") as workdir,
    ):
        url = database.render_as_string(hide_password=False)
        config = {
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_DIR": workdir,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # set-up speed only
        }
        app = create_app(config)
        started = time.perf_counter()
        with app.app_context():
            upgrade()
            load_units()
            db.session.commit()
            machine = machine_info(db.session.connection())
        paths, clients = build_data(app)
        setup_s = round(time.perf_counter() - started, 1)
        tables = ("batches", "trace_events", "scans")
        with app.app_context():
            before = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in tables}  # noqa: S608
            db.session.remove()
        storage = redis_url()
        with Server(url, workers, workdir, storage) as server:
            # Warm-up (workers, pools, caches), not kept: LOAD_WARMUP seconds, default 3.
            run_wrk(server.base, Path(workdir), paths, clients, _setting("LOAD_WARMUP", 3))
            figures = run_wrk(server.base, Path(workdir), paths, clients, seconds)
        params = {
            "duration_s": seconds,
            "workers": workers,
            "connections": figures["connections"],
            "cooperative_clients": len(clients),
            "public_codes": len(paths),
            "redis": storage or "none: rate limits and page cache in each worker's memory",
            "setup_s": setup_s,
            "rows_written_with_warmup": _rows_made(app, before),
        }
        report = summarise(figures, params)
        # What the load wrote must still form valid hash chains (no half-written events).
        verify = app.test_cli_runner().invoke(args=["trace", "verify"])
        report["chains_verified"] = verify.exit_code == 0
        report["machine"] = {**machine, "load_average_1m_after": round(os.getloadavg()[0], 2)}
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    _print(report)
    print(f"written to {RESULTS.relative_to(HERE.parent)}")  # noqa: T201
    failed = report["errors_5xx"] or report["socket_errors"] or not report["chains_verified"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
