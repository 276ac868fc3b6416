"""The benchmarks' timing helpers: what they call, in which order, and what they keep.

No time is asserted here (figures are for reading, see bench/README.md); only the
bookkeeping that makes a figure and its baseline comparable.
"""

from bench.common import measure, measure_pair


def test_measure_pair_alternates_baseline_and_figure_and_drops_the_warmup():
    calls = []
    figure, baseline = measure_pair(
        lambda: calls.append("figure"), lambda: calls.append("baseline"), runs=3, warmup=1
    )
    assert calls == ["baseline", "figure"] * 4
    assert len(figure.samples) == 3 and len(baseline.samples) == 3


def test_measure_pair_passes_a_fresh_prepared_value_to_each_call():
    prepared = iter(range(100))
    seen = []
    measure_pair(
        seen.append,
        lambda value: seen.append(-value),
        runs=2,
        warmup=0,
        prepare=lambda: next(prepared),
    )
    assert seen == [-0, 1, -2, 3]


def test_measure_pair_stops_once_the_figure_spent_its_budget():
    figure, baseline = measure_pair(lambda: None, lambda: None, runs=50, warmup=0, budget_s=0.0)
    assert len(figure.samples) == 1 and len(baseline.samples) == 1


def test_measure_keeps_only_the_timed_runs():
    calls = []
    timing = measure(lambda: calls.append(1), runs=4, warmup=2)
    assert len(calls) == 6 and len(timing.samples) == 4
