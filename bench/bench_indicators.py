"""The indicators at national scale: both rates for the whole country by commune, and for
one province, against a plain ``count(*)`` over the batch table measured in the same run.

Targets (issue #6): whole country by commune ≤ 3× the count(*); one province < 300 ms.
In the suite (``python -m bench``) the dataset is a tenth of national scale unless
``--scale national``; standalone, ``python -m bench.bench_indicators [--factor 1.0]``
builds the full national dataset on a fresh database, times it and drops the database.
"""

import os
import tempfile
import time
from datetime import date

import click
from flask_migrate import upgrade
from sqlalchemy import text

from bench.common import (
    DEFAULT_SERVER_URL,
    Result,
    fresh_database,
    machine_info,
    measure_pair,
    timing_result,
)
from bench.national import NationalSizes, generate
from core.extensions import db
from core.factory import create_app
from indicators.services import IndicatorQuery, linkage_rate, traceability_rate
from registry.services.units import load_units

AS_OF = date(2026, 11, 27)
PROVINCE = "52"
BASELINE = "SELECT count(*) FROM batches, same run, alternating"
# The traceability rate's pass over the batch table, with nothing joined: the period's
# batches summed per product, as the rate's statement sums them. What the rate costs
# beyond it is the join with the products, the cooperatives and their communes.
PERIOD_PASS = text(
    "SELECT count(*), sum(batches), sum(traced), sum(kg), sum(traced_kg) FROM ("
    " SELECT product_id, count(*) AS batches, count(*) FILTER (WHERE traced) AS traced,"
    " sum(quantity_kg) AS kg, sum(quantity_kg) FILTER (WHERE traced) AS traced_kg"
    " FROM batches WHERE counted_on BETWEEN :start AND :end GROUP BY product_id) AS per_product"
)


def _count_batches() -> int:
    return db.session.execute(text("SELECT count(*) FROM batches")).scalar()


def _period_pass(query: IndicatorQuery):
    """The traceability rate's one pass over the batch table alone (see PERIOD_PASS)."""
    start, end = query.period
    return lambda: db.session.execute(PERIOD_PASS, {"start": start, "end": end}).all()


def _figures(runs: int, warmup: int, params: dict) -> list[Result]:
    country = IndicatorQuery(as_of=AS_OF)
    province = IndicatorQuery(as_of=AS_OF, admin_unit=PROVINCE)
    calls = {
        "indicators.linkage_country_by_commune": (
            lambda: linkage_rate(country, "commune"),
            "≤ 3× count(*)",
        ),
        "indicators.traceability_country_by_commune": (
            lambda: traceability_rate(country, "commune"),
            "≤ 3× count(*)",
        ),
        "indicators.both_country_by_commune": (
            lambda: (linkage_rate(country, "commune"), traceability_rate(country, "commune")),
            "≤ 3× count(*)",
        ),
        "indicators.traceability_period_pass": (
            _period_pass(country),
            "reference: the batch table's part of the traceability rate",
        ),
        "indicators.linkage_province": (lambda: linkage_rate(province), "< 300 ms"),
        "indicators.traceability_province": (lambda: traceability_rate(province), "< 300 ms"),
        "indicators.both_province_by_commune": (
            lambda: (linkage_rate(province, "commune"), traceability_rate(province, "commune")),
            "< 300 ms",
        ),
    }
    results = []
    for name, (call, target) in calls.items():
        timing, baseline = measure_pair(call, _count_batches, runs, warmup, budget_s=60)
        rows = call()
        count = len(rows[0]) if isinstance(rows, tuple) else len(rows)
        result = timing_result(name, timing, baseline, BASELINE, target, rows=count, **params)
        results.append(result)
        db.session.rollback()
    return results


def run(ctx) -> list[Result]:
    """Generate the indicator dataset beside the suite's data, then time the rates."""
    factor = 1.0 if ctx.world.sizes.list_batches >= 1_000_000 else 0.1
    sizes = NationalSizes.scaled(factor)
    started = time.perf_counter()
    steps = generate(sizes, echo=lambda line: click.echo(line, err=True))
    params = {
        "national_sizes": sizes.__dict__,
        "national_generation_s": round(time.perf_counter() - started, 1),
        "steps_s": {k: round(v, 1) for k, v in steps.items()},
        "batches_in_table": _count_batches(),
    }
    return _figures(ctx.runs, ctx.warmup, params)


@click.command()
@click.option("--factor", type=float, default=1.0, help="1.0 = national scale.")
@click.option("--runs", type=int, default=5)
@click.option("--database-url", default=DEFAULT_SERVER_URL, envvar="BENCH_DATABASE_URL")
def main(factor: float, runs: int, database_url: str) -> None:
    """Build the national dataset on a fresh database and print the indicator figures."""
    sizes = NationalSizes.scaled(factor)
    with (
        fresh_database(database_url, f"htx_bench_ind_{os.getpid()}") as url,
        tempfile.TemporaryDirectory() as instance,
    ):
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": instance})
        with app.app_context():
            try:
                upgrade()
                load_units()
                db.session.commit()
                started = time.perf_counter()
                steps = generate(sizes)
                elapsed = time.perf_counter() - started
                click.echo(f"Generated {sizes} in {elapsed:.0f} s")
                params = {"national_generation_s": round(elapsed, 1), "steps_s": steps}
                machine = machine_info(db.session)
                for result in _figures(runs, 1, params):
                    click.echo(
                        f"{result.name:48} {result.value * 1000:9.1f} ms  "
                        f"baseline {result.baseline * 1000:7.1f} ms  "
                        f"ratio {result.ratio:5.2f}×  rows {result.params['rows']}  "
                        f"target {result.target}"
                    )
                click.echo(f"machine: {machine}")
            finally:
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main()
