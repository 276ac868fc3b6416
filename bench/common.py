"""What every benchmark shares: the timing helper, the Result record, machine facts, the database.

Timings use ``time.perf_counter``: a warm-up call (not kept), then N timed calls,
summarised by their median and 95th percentile. A figure is never asserted
against a limit; it is printed next to a baseline measured in the same run, in
alternation with it where the two are compared (``measure_pair``).
"""

import contextlib
import gc
import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/"


@dataclass
class Timing:
    """The timed samples of one measurement, in seconds."""

    samples: list[float]

    @property
    def median(self) -> float:
        """The median sample."""
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        """The 95th percentile sample (nearest rank)."""
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]

    def summary(self) -> dict[str, Any]:
        """Median, p95 and run count, rounded for the JSON file."""
        return {
            "median_s": round(self.median, 6),
            "p95_s": round(self.p95, 6),
            "runs": len(self.samples),
        }


def measure(
    fn: Callable[..., Any],
    runs: int,
    warmup: int = 1,
    prepare: Callable[[], Any] | None = None,
    after: Callable[[], Any] | None = None,
    budget_s: float | None = None,
) -> Timing:
    """Call ``fn`` ``warmup`` times untimed, then up to ``runs`` times timed.

    ``prepare()`` runs untimed before each call and its value is passed to ``fn``;
    ``after()`` runs untimed after each call (to undo what the call wrote, say).
    With ``budget_s``, timed runs stop early once that much time went into them
    (at least one run is always kept), so a slow figure cannot stall the suite.
    """
    samples: list[float] = []
    for index in range(warmup + runs):
        elapsed = _timed_call(fn, prepare)
        if after:
            after()
        if index >= warmup:
            samples.append(elapsed)
            if budget_s is not None and sum(samples) >= budget_s:
                break
    return Timing(samples)


def measure_pair(
    fn: Callable[..., Any],
    baseline: Callable[..., Any],
    runs: int,
    warmup: int = 1,
    prepare: Callable[[], Any] | None = None,
    budget_s: float | None = None,
) -> tuple[Timing, Timing]:
    """Time ``fn`` and its ``baseline`` in alternation: (figure, baseline) Timings.

    Each round calls the baseline, then the figure, so a machine that speeds up or slows
    down during the run moves both alike and their ratio stays meaningful (measured one
    after the other, minutes apart, the two can differ by half on a shared machine).
    ``prepare`` and ``budget_s`` (spent on the figure) are as in ``measure``.
    """
    figures: list[float] = []
    baselines: list[float] = []
    for index in range(warmup + runs):
        base = _timed_call(baseline, prepare)
        figure = _timed_call(fn, prepare)
        if index >= warmup:
            baselines.append(base)
            figures.append(figure)
            if budget_s is not None and sum(figures) >= budget_s:
                break
    return Timing(figures), Timing(baselines)


def _timed_call(fn: Callable[..., Any], prepare: Callable[[], Any] | None) -> float:
    """One call of ``fn`` (given ``prepare()``'s value if there is a prepare), in seconds;
    the collector runs first so that no earlier garbage is collected inside the timing."""
    argument = prepare() if prepare else None
    gc.collect()
    started = time.perf_counter()
    fn(argument) if prepare else fn()
    return time.perf_counter() - started


@dataclass
class Result:
    """One figure of the run, with its baseline; written as one entry of ``latest.json``."""

    name: str
    value: float | None
    unit: str
    baseline: float | None
    baseline_name: str
    target: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    machine: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """value / baseline (how many times the baseline), or None when either is missing."""
        if self.value is None or not self.baseline:
            return None
        return self.value / self.baseline

    def as_dict(self) -> dict[str, Any]:
        """The JSON form, ratio included."""
        data = asdict(self)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        return data


def skipped(name: str, unit: str, baseline_name: str, reason: str, **params) -> Result:
    """A Result that says why a benchmark did not run."""
    return Result(name, None, unit, None, baseline_name, params=params, note=f"skipped: {reason}")


def timing_result(
    name: str, figure: Timing, baseline: Timing, baseline_name: str, target: str, **params
) -> Result:
    """A Result in seconds from two Timings: medians as the figures, both summaries as params."""
    params = {**params, "timing": figure.summary(), "baseline_timing": baseline.summary()}
    return Result(name, figure.median, "s", baseline.median, baseline_name, target, params)


def machine_info(connection) -> dict[str, Any]:
    """CPU count, Python, PostgreSQL version and platform of this run, and the load before it.

    The load average says whether something else was running: on a busy machine
    both a figure and its baseline slow down, so compare ratios rather than times.
    """
    server = connection.execute(text("SHOW server_version")).scalar()
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "postgres": server,
        "platform": platform.platform(),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def psycopg2_url(url: str | URL) -> URL:
    """A URL that uses psycopg2, the driver the project ships."""
    return make_url(url).set(drivername="postgresql+psycopg2")


@contextlib.contextmanager
def fresh_database(server_url: str, name: str) -> Iterator[URL]:
    """Create database ``name`` on the server, yield its URL, and drop it however the run ends."""
    admin_url = psycopg2_url(server_url).set(database="postgres")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
