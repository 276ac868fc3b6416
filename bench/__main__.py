"""``python -m bench``: build a fresh PostgreSQL database, generate data, run every benchmark.

The database (``htx_bench_<pid>``) is created on the server named by
``BENCH_DATABASE_URL``, migrated with the project's migrations, loaded with the
administrative units and the generated datasets, and dropped at the end, also
when something fails. Figures go to ``bench/results/latest.json`` and a table
on the console.
"""

import importlib
import json
import os
import pkgutil
import random
import sys
import tempfile
import time
import traceback
import warnings
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import click
from flask import Flask
from flask_migrate import upgrade

import bench
from bench.check import check_world
from bench.common import DEFAULT_SERVER_URL, Result, fresh_database, machine_info
from bench.generate import NATIONAL, Factory, Sizes, World, capture_lots, listing_stream
from bench.graph import trace_graph
from bench.loader import Hasher, Loader
from core.extensions import db
from core.factory import create_app
from registry.services.units import load_units
from trace.services.epcis_build import extension_namespace

FIRST = ("trace", "batch_list", "epcis_capture")


def discover() -> list[str]:
    """Every benchmark: each ``bench/bench_<name>.py`` (a module with ``run(ctx)``), by name."""
    names = [
        module.name.removeprefix("bench_")
        for module in pkgutil.iter_modules(bench.__path__)
        if module.name.startswith("bench_")
    ]
    return sorted(names, key=lambda name: (FIRST.index(name) if name in FIRST else 99, name))


BENCHMARKS = discover()
RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass
class BenchContext:
    """What a benchmark's ``run(ctx)`` gets: the app (its context is active), data and settings."""

    app: Flask
    world: World
    runs: int
    warmup: int
    machine: dict
    results_dir: Path
    explain: bool


def _size_option(name: str, help_text: str):
    env = "BENCH_" + name.upper()
    flag = "--" + name.replace("_", "-")
    return click.option(flag, name, type=int, envvar=env, show_envvar=True, help=help_text)


@click.command()
@click.option(
    "--scale",
    type=click.Choice(["default", "national"]),
    default="default",
    envvar="BENCH_SCALE",
    show_envvar=True,
    help="Preset sizes; the size options below override single values.",
)
@_size_option("trace_batches", "Lots downstream of the traced root lot (10,000).")
@_size_option("trace_events", "Events of that genealogy (20,000).")
@_size_option("list_batches", "Lots of the big cooperative in the batch list (100,000).")
@_size_option("list_small_batches", "Lots of the small cooperative (100).")
@_size_option("capture_events", "Events in the captured EPCIS document (10,000).")
@_size_option("background_coops", "Other cooperatives with lots in the database (20).")
@_size_option("background_batches", "Lots per background cooperative (250).")
@_size_option("big_lot_events", "Events of each of the big lot's two captures (20,000).")
@_size_option("seed", "Random seed of the generators.")
@click.option("--runs", type=int, default=7, envvar="BENCH_RUNS", show_envvar=True)
@click.option("--warmup", type=int, default=1, envvar="BENCH_WARMUP", show_envvar=True)
@click.option(
    "--only",
    multiple=True,
    type=click.Choice(BENCHMARKS),
    help="Run only these benchmarks (repeatable).",
)
@click.option(
    "--database-url",
    default=DEFAULT_SERVER_URL,
    envvar="BENCH_DATABASE_URL",
    show_envvar=True,
    help="The PostgreSQL server to create the benchmark database on.",
)
@click.option("--output", type=click.Path(dir_okay=False), default=str(RESULTS_DIR / "latest.json"))
@click.option(
    "--explain",
    is_flag=True,
    envvar="BENCH_EXPLAIN",
    help="Also write EXPLAIN ANALYZE plans of the measured queries to bench/results/plans/.",
)
@click.option(
    "--check",
    is_flag=True,
    envvar="BENCH_CHECK",
    help="Before benchmarking, verify the generated data with the app's own checks (slow).",
)
def main(scale, runs, warmup, only, database_url, output, explain, check, **size_options) -> None:
    """Run the benchmarks and print their figures next to their baselines."""
    warnings.filterwarnings("ignore", "Using the in-memory storage")
    sizes = _sizes(scale, size_options)
    started = time.perf_counter()
    hasher = Hasher()  # forks: before any database connection exists
    try:
        with fresh_database(database_url, f"htx_bench_{os.getpid()}") as url:
            settings = {"runs": runs, "warmup": warmup, "explain": explain}
            names = only or BENCHMARKS
            results, failed = _run(url, sizes, names, settings, hasher, check)
    finally:
        hasher.close()
    _write(results, Path(output))
    _print_table(results)
    click.echo(f"\nTotal time {time.perf_counter() - started:.0f} s; figures in {output}")
    if failed:
        sys.exit(1)


def _sizes(scale: str, options: dict) -> Sizes:
    base = NATIONAL if scale == "national" else Sizes()
    known = {f.name for f in fields(Sizes)}
    return replace(base, **{k: v for k, v in options.items() if k in known and v is not None})


def _run(url, sizes, names, settings: dict, hasher, check: bool) -> tuple[list[Result], bool]:
    with tempfile.TemporaryDirectory(prefix="htx-bench-") as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": instance})
        with app.app_context():
            try:
                world = _prepare(sizes, hasher)
                if check:
                    _check()
                ctx = BenchContext(
                    app,
                    world,
                    machine=machine_info(db.session),
                    results_dir=RESULTS_DIR,
                    **settings,
                )
                return _run_benchmarks(ctx, names)
            finally:
                db.session.remove()
                db.engine.dispose()


def _prepare(sizes: Sizes, hasher: Hasher) -> World:
    click.echo("Migrating the benchmark database and loading administrative units…", err=True)
    upgrade()
    load_units()
    db.session.commit()
    return build_world(sizes, hasher)


def _check() -> None:
    problems = check_world()
    for problem in problems[:20]:
        click.echo(f"  invalid data: {problem}", err=True)
    if problems:
        raise click.ClickException(f"the generated data has {len(problems)} problems")
    click.echo("Generated data verified: chains, holdings, producing events.", err=True)


def build_world(sizes: Sizes, hasher: Hasher) -> World:
    """Generate every dataset into the database of the current app context."""
    started = time.perf_counter()
    loader = Loader(hasher, extension_namespace())
    factory = Factory(loader, random.Random(sizes.seed))
    world = World(sizes)
    world.trace = trace_graph(factory, sizes.trace_batches, sizes.trace_events)
    world.capture = capture_lots(factory, sizes)
    world.listing = listing_stream(factory, sizes)
    click.echo("Loading the last rows, then VACUUM (ANALYZE)…", err=True)
    loader.finish()
    world.counts, world.seconds = dict(loader.counts), time.perf_counter() - started
    rows = ", ".join(f"{table} {count:,}" for table, count in world.counts.items() if count)
    click.echo(f"Generated in {world.seconds:.0f} s: {rows}", err=True)
    return world


def _run_benchmarks(ctx: BenchContext, names) -> tuple[list[Result], bool]:
    results: list[Result] = []
    failed = False
    for name in names:
        click.echo(f"Running {name}…", err=True)
        started = time.perf_counter()
        try:
            produced = importlib.import_module(f"bench.bench_{name}").run(ctx)
        except Exception as error:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            db.session.rollback()
            produced = [Result(name, None, "", None, "", note=f"failed: {error!r}")]
            failed = True
        click.echo(f"  {name} took {time.perf_counter() - started:.0f} s", err=True)
        for result in produced:
            result.machine = ctx.machine
            result.params.setdefault("sizes", asdict(ctx.world.sizes))
            result.params.setdefault("generation_s", round(ctx.world.seconds, 1))
        results += produced
    return results, failed


def _write(results: list[Result], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [result.as_dict() for result in results]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value * 1000:,.1f} ms"
    return f"{value:,.0f} {unit}"


def _print_table(results: list[Result]) -> None:
    header = ("benchmark", "value", "baseline", "ratio", "baseline is / target")
    rows = [header]
    for r in results:
        ratio = "—" if r.ratio is None else f"{r.ratio:.2f}×"
        about = r.note or f"{r.baseline_name}; target: {r.target}"
        rows.append((r.name, _format(r.value, r.unit), _format(r.baseline, r.unit), ratio, about))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    click.echo()
    for row in rows:
        cells = [row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i]) for i in range(4)]
        click.echo("  ".join([*cells, row[4]]))


if __name__ == "__main__":
    main()
