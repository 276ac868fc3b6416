"""Big lots on both engines: a buyer's event list and a lot's page, a big lot against a small one.

What two 20,000-event EPCIS captures leave behind (``bench/big_lots.py``): a cooperative's
lot with ``big_lot_events`` inspections, shipped to buyer A, who inspects it as many times
again; beside it small lots with ``SMALL_EVENTS`` inspections each, one shipped to A and one
to buyer B. The data is written, and every figure measured, twice: in the run's PostgreSQL
database (beside the other datasets) and in a fresh SQLite file migrated the same way.

Each figure is timed in alternation with its baseline, the same request about a small lot:

- ``buyer_events``: ``GET /api/v1/events`` (first page of 50, with its count) as buyer A,
  who may read the big lot's 40,000 events; baseline: buyer B, who may read a small lot's;
- ``buyer_events_of_lot``: ``GET /api/v1/events?batch_id=`` of the big lot as A; baseline:
  of A's small lot;
- ``lot_page.buyer`` and ``lot_page.owner``: the lot's web page (``/trace/batches/{id}``:
  its checklist, quantities and first page of events) rendered for A and for the
  cooperative; baseline: the small lot's page for the same user;
- ``lot_page.last``: the big lot's last page of events for A; baseline: the small lot's page.

Target: each under 300 ms on each engine.
"""

import json
import sqlite3
import tempfile
import time

from flask import Flask
from flask_login import login_user
from flask_migrate import upgrade

from bench.bench_trace import fresh_session
from bench.big_lots import SMALL_EVENTS, build_big_lots
from bench.common import Result, measure_pair, timing_result
from bench.explain import explain_to_file
from core.extensions import db
from core.factory import create_app
from registry.services.units import load_units
from trace.views.batches import EVENTS_PER_PAGE, batch_detail

TARGET = "< 300 ms"
BUDGET = 10.0  # seconds of timed runs per figure
BASELINES = {
    "buyer_events": "same request, buyer B (one small lot shipped to it)",
    "buyer_events_of_lot": "same request, buyer A, small lot",
    "lot_page.buyer": "same page, small lot, buyer A",
    "lot_page.owner": "same page, small lot, the cooperative",
    "lot_page.last": "first page of the small lot, buyer A",
}


def _api(app: Flask, secret: str, query: str):
    """A GET of the event list through the test client with an API token."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/events{query}"

    def get(_user) -> int:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")
        return len(response.data)

    return get


def _page(app: Flask, batch_id: int, query: str = ""):
    """The lot's web page as the user gets it (the view rendered, no HTTP or session)."""
    url = f"/trace/batches/{batch_id}{query}"

    def render(user) -> int:
        with app.test_request_context(url):
            login_user(user)
            return len(batch_detail(batch_id).encode())

    return render


def _figures(ctx, app: Flask, engine: str, world: dict) -> list[Result]:
    lots, a, b, coop = world["lots"], world["buyer_a"], world["buyer_b"], world["coop"]
    last = -(-_count(app, a["secret"], f"?batch_id={lots['big']}") // EVENTS_PER_PAGE)
    calls = {
        "buyer_events": (
            a["user_id"],
            _api(app, a["secret"], ""),
            _api(app, b["secret"], ""),
        ),
        "buyer_events_of_lot": (
            a["user_id"],
            _api(app, a["secret"], f"?batch_id={lots['big']}"),
            _api(app, a["secret"], f"?batch_id={lots['small']}"),
        ),
        "lot_page.buyer": (
            a["user_id"],
            _page(app, lots["big"]),
            _page(app, lots["small"]),
        ),
        "lot_page.owner": (
            coop["user_id"],
            _page(app, lots["big"]),
            _page(app, lots["small"]),
        ),
        "lot_page.last": (
            a["user_id"],
            _page(app, lots["big"], f"?page={last}"),
            _page(app, lots["small"]),
        ),
    }
    facts = {
        "engine": engine,
        "big_lot_events_per_capture": world["big_events"],
        "small_lot_events": world["small_events"],
        "buyer_a_events": _count(app, a["secret"], ""),
        "buyer_b_events": _count(app, b["secret"], ""),
        "big_lot_events_seen_by_a": _count(app, a["secret"], f"?batch_id={lots['big']}"),
        "big_lot_events_seen_by_owner": _count(app, coop["secret"], f"?batch_id={lots['big']}"),
        "events_per_page": EVENTS_PER_PAGE,
        "build_s": world["build_s"],
    }
    if engine == "sqlite":
        facts["sqlite"] = sqlite3.sqlite_version
    results = []
    for name, (user_id, figure_call, baseline_call) in calls.items():
        prepare = fresh_session(user_id)
        sizes = {"bytes": figure_call(prepare()), "baseline_bytes": baseline_call(prepare())}
        figure, baseline = measure_pair(
            figure_call, baseline_call, ctx.runs, ctx.warmup, prepare, budget_s=BUDGET
        )
        results.append(
            timing_result(
                f"big_lots.{engine}.{name}",
                figure,
                baseline,
                BASELINES[name],
                TARGET,
                **facts,
                **sizes,
            )
        )
        if ctx.explain and engine == "postgresql":
            explain_to_file(ctx, f"big_lots_{name}", lambda c=figure_call, p=prepare: c(p()))
        db.session.rollback()
    return results


def _count(app: Flask, secret: str, query: str) -> int:
    """How many events the list says there are (its X-Pagination total)."""
    sep = "&" if "?" in query else "?"
    response = app.test_client().get(
        f"/api/v1/events{query}{sep}page_size=1", headers={"Authorization": f"Bearer {secret}"}
    )
    return json.loads(response.headers["X-Pagination"])["total"]


def _build(app: Flask, events: int) -> dict:
    started = time.perf_counter()
    world = build_big_lots(app, events, SMALL_EVENTS)
    world["build_s"] = round(time.perf_counter() - started, 1)
    if db.engine.dialect.name == "postgresql":
        _vacuum()
    return world


def _vacuum() -> None:
    """VACUUM (ANALYZE), as the loader does after its datasets and as autovacuum does after a
    big capture in production: statistics for the new organizations and lots, and the
    visibility map the index-only scans need (the bench server runs without autovacuum)."""
    db.session.commit()
    connection = db.session.connection().connection.dbapi_connection
    autocommit, connection.autocommit = connection.autocommit, True
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
    finally:
        connection.autocommit = autocommit


def run(ctx) -> list[Result]:
    """The figures on the run's PostgreSQL database, then on a fresh SQLite file."""
    events = ctx.world.sizes.big_lot_events
    results = _figures(ctx, ctx.app, "postgresql", _build(ctx.app, events))
    with tempfile.TemporaryDirectory(prefix="htx-bench-sqlite-") as folder:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite3", "INSTANCE_DIR": folder}
        )
        with app.app_context():
            try:
                upgrade()
                load_units()
                db.session.commit()
                results += _figures(ctx, app, "sqlite", _build(app, events))
            finally:
                db.session.remove()
                db.engine.dispose()
    return results
