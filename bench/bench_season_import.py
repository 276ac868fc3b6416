"""Season import: a 20,000-row file of lots with their households (5,000 lots of four
households each), imported all or nothing through ``import_season`` and committed.

Timed: reading the CSV, matching every product, site and household, and writing each lot and
its harvest through the trace services (as a form would), then the commit. Baseline, same
run, same engine: the same kind of lots created through the API one by one, as a script
without the import would (``POST /batches`` then ``POST /events`` for its harvest), on a
sample of ``API_SAMPLE`` lots and given for the whole file at that rate. On the run's
PostgreSQL database, then on a fresh SQLite file. Target: under 60 s on each engine.

Runs inside ``python -m bench`` or alone: ``python -m bench.bench_season_import`` (SQLite, or
the empty PostgreSQL database ``BENCH_SEASON_DATABASE_URL`` names).
"""

import os
import tempfile
import time
from datetime import date, timedelta

from flask import Flask
from flask_migrate import upgrade

from bench.big_lots import COMMUNE, _Client, _department, _org, _user
from bench.common import Result
from core.extensions import db
from core.factory import create_app
from registry.inputs import MemberInput
from registry.models import User
from registry.services import members
from registry.services.units import load_units
from trace.services.season_import import import_season

ROWS = int(os.environ.get("BENCH_SEASON_ROWS", "20000"))
HOUSEHOLDS_PER_LOT = 4
API_SAMPLE = int(os.environ.get("BENCH_SEASON_API_LOTS", "500"))
TARGET = "< 60 s for 20,000 rows"
HEADER = (
    "Mã lô,Sản phẩm,Vùng trồng,Ngày thu hoạch,Sản lượng lô,Đơn vị,Hộ thành viên,Sản lượng của hộ"
)
PRODUCT, SITE = "Cà phê nhân xanh Robusta", "Vùng trồng Làng Kon"


def _cooperative(app: Flask) -> dict:
    """A cooperative with a product, a growing area and 200 households; its API client."""
    with app.test_request_context():
        coop = _org("cooperative", "HTX Cà phê mùa vụ")
        names = [f"Nguyễn Văn Hộ {n:03d}" for n in range(200)]
        ids = [
            members.add_member(
                _department(), coop, MemberInput(head_name=name, admin_unit=COMMUNE)
            ).id
            for name in names
        ]
        user_id, secret = _user(coop, "cooperative")
        db.session.commit()
    farm = _Client(app, secret)
    product = farm.post("/products", {"name": PRODUCT, "category": "coffee", "unit": "kg"})
    site = farm.post(
        "/sites",
        {"name": SITE, "planting_area_code": "VN-52-CF-7001", "admin_unit": COMMUNE},
    )
    return {
        "user_id": user_id,
        "farm": farm,
        "names": names,
        "member_ids": ids,
        "product": product["id"],
        "site": site["id"],
    }


def season_file(names: list[str], rows: int, prefix: str = "S") -> bytes:
    """``rows`` rows: lots of four households (25 + 50 + 75 + 100 kg), harvested last week."""
    day = (date.today() - timedelta(days=7)).strftime("%d/%m/%Y")
    lines = [HEADER]
    for row in range(rows):
        lot, share = divmod(row, HOUSEHOLDS_PER_LOT)
        name = names[(lot * HOUSEHOLDS_PER_LOT + share) % len(names)]
        lot_fields = f"{PRODUCT},{SITE},{day},250,kg" if share == 0 else ",,,,"
        lines.append(f"{prefix}{lot:06d},{lot_fields},{name},{25 * (share + 1)}")
    return ("\n".join(lines) + "\n").encode()


def _import(app: Flask, user_id: int, data: bytes) -> tuple[float, int]:
    with app.test_request_context():
        user = db.session.get(User, user_id)
        started = time.perf_counter()
        report = import_season(user, "lots", "mua-vu.csv", data)
        if not report.ok:
            raise RuntimeError(f"import refused: {report.errors[:3]}")
        db.session.commit()
        return time.perf_counter() - started, report.created


def _api_one_by_one(world: dict, lots: int) -> float:
    """Seconds to create ``lots`` lots with four households and their harvests by the API."""
    farm, ids = world["farm"], world["member_ids"]
    harvest = (date.today() - timedelta(days=7)).isoformat()
    started = time.perf_counter()
    for lot in range(lots):
        shares = [
            {"member_id": ids[(lot * HOUSEHOLDS_PER_LOT + n) % len(ids)], "quantity": 25 * (n + 1)}
            for n in range(HOUSEHOLDS_PER_LOT)
        ]
        batch = farm.post(
            "/batches",
            {
                "product_id": world["product"],
                "lot_code": f"API{lot:06d}",
                "quantity": 250,
                "harvest_date": harvest,
                "site_ids": [world["site"]],
                "households": shares,
            },
        )
        farm.post(
            "/events",
            {
                "kind": "harvest",
                "event_time": f"{harvest}T00:00:00+07:00",
                "site_id": world["site"],
                "lines": [{"batch_id": batch["id"]}],
            },
        )
    return time.perf_counter() - started


def figures(app: Flask, engine: str) -> Result:
    """The import's time and the API's on one engine."""
    world = _cooperative(app)
    seconds, created = _import(app, world["user_id"], season_file(world["names"], ROWS))
    sample = min(API_SAMPLE, created)
    api_seconds = _api_one_by_one(world, sample) * created / sample
    return Result(
        name=f"season_import.{engine}",
        value=round(seconds, 2),
        unit="s",
        baseline=round(api_seconds, 2),
        baseline_name=f"the same lots through the API one by one (rate of {sample} lots)",
        target=TARGET,
        params={
            "engine": engine,
            "rows": ROWS,
            "lots": created,
            "rows_per_s": round(ROWS / seconds),
            "api_sample_lots": sample,
        },
    )


def _on_sqlite(callback, url: str | None = None):
    """``callback(app)`` on a fresh SQLite file (or, alone, the empty database ``url``)."""
    with tempfile.TemporaryDirectory(prefix="htx-bench-sqlite-") as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url or f"sqlite:///{folder}/bench.sqlite3",
                "INSTANCE_DIR": folder,
            }
        )
        with app.app_context():
            try:
                upgrade()
                load_units()
                db.session.commit()
                return callback(app)
            finally:
                db.session.remove()
                db.engine.dispose()


def run(ctx) -> list[Result]:
    """The figure on the run's PostgreSQL database, then on a fresh SQLite file."""
    return [figures(ctx.app, "postgresql"), _on_sqlite(lambda app: figures(app, "sqlite"))]


if __name__ == "__main__":
    # Alone: on SQLite, or on the empty PostgreSQL database BENCH_SEASON_DATABASE_URL names.
    alone = os.environ.get("BENCH_SEASON_DATABASE_URL")
    engine = "postgresql" if alone else "sqlite"
    print(_on_sqlite(lambda app: figures(app, engine), alone).as_dict())
