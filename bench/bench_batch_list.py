"""Batch list of a cooperative: ``batch_page`` for a big cooperative against a small one.

The big cooperative has 100,000 lots (by default), the small one 100, both
interleaved in id order with the lots of the background cooperatives. Three
pages are timed for each: the first page, a deep page (the page after the lot
at 90 % of the list, reached by keyset cursor) and the first page with the
total count. The baseline of each figure is the same page of the small
cooperative, same run. Target: the same order of time (ratio ≲ 10×); the
total is reference only, it has to count every lot.
"""

from sqlalchemy import text

from bench.bench_trace import fresh_session
from bench.common import Result, measure, timing_result
from bench.explain import explain_to_file
from core.extensions import db
from trace.services.batches import batch_page

PAGE = 50
BUDGET = 5.0  # seconds of timed runs per figure, then it stops repeating
BASELINE = "same page, cooperative with {small:,} lots"
PAGES = {
    "first_page": ("same order of time", False, False),
    "deep_page": ("same order of time", True, False),
    "first_page_with_total": ("reference", False, True),
}


def deep_cursor(org_id: int) -> str:
    """The cursor that starts the page after the lot at 90 % of the organization's list."""
    count = db.session.execute(
        text("SELECT count(*) FROM batches WHERE organization_id = :org"), {"org": org_id}
    ).scalar()
    batch_id = db.session.execute(
        text(
            "SELECT id FROM batches WHERE organization_id = :org"
            " ORDER BY id DESC OFFSET :skip LIMIT 1"
        ),
        {"org": org_id, "skip": int(count * 0.9)},
    ).scalar()
    return str(batch_id)


def _page(cursor: str | None, with_total: bool):
    return lambda user: batch_page(user, {}, cursor, PAGE, with_total=with_total)


def _measure_page(ctx, org: dict, deep: bool, with_total: bool):
    cursor = deep_cursor(org["org_id"]) if deep else None
    prepare = fresh_session(org["user_id"])
    rows, _next, total = _page(cursor, with_total)(prepare())
    timing = measure(_page(cursor, with_total), ctx.runs, ctx.warmup, prepare, budget_s=BUDGET)
    return timing, {"rows": len(rows), "cursor": cursor, "total": total}


def run(ctx) -> list[Result]:
    """First, deep and counted pages of the big cooperative, each against the small one's."""
    listing = ctx.world.listing
    big = {"org_id": listing["big_org_id"], "user_id": listing["big_user_id"]}
    small = {"org_id": listing["small_org_id"], "user_id": listing["small_user_id"]}
    baseline_name = BASELINE.format(small=ctx.world.sizes.list_small_batches)
    results = []
    for page, (target, deep, with_total) in PAGES.items():
        figure, big_facts = _measure_page(ctx, big, deep, with_total)
        baseline, small_facts = _measure_page(ctx, small, deep, with_total)
        results.append(
            timing_result(
                f"batch_list.{page}",
                figure,
                baseline,
                baseline_name,
                target,
                big=big_facts,
                small=small_facts,
                page_size=PAGE,
            )
        )
        if ctx.explain:
            for label, org, facts in (("big", big, big_facts), ("small", small, small_facts)):
                call = _page(facts["cursor"], with_total)
                prepare = fresh_session(org["user_id"])
                explain_to_file(ctx, f"batch_list_{page}_{label}", lambda c=call, p=prepare: c(p()))
    db.session.rollback()
    return results
