"""Full trace of a lot: ``trace_batch`` end to end against the bare recursive query.

Forward from the root of the generated genealogy (10,000 lots, 20,000 events
by default) and backward from its deepest leaf. The baseline is the plain
``WITH RECURSIVE … UNION … SELECT count(*)`` over ``batch_links``, run through
the same session and connection in the same run: what the database needs just
to find the lots, with nothing loaded into Python.
Target (forward): under 1 s, and within 5× of the bare query.
"""

from sqlalchemy import text

from bench.common import Result, measure, timing_result
from bench.explain import explain_to_file
from core.extensions import db
from registry.models import User
from trace.services.genealogy import reachable_ids, trace_batch

TARGET = "< 1 s and ≤ 5× the bare query"
BARE = {
    "forward": text(
        "WITH RECURSIVE reached(batch_id) AS ("
        " SELECT child_id FROM batch_links WHERE parent_id = :root"
        " UNION"
        " SELECT l.child_id FROM batch_links l JOIN reached r ON l.parent_id = r.batch_id"
        ") SELECT count(*) FROM reached"
    ),
    "backward": text(
        "WITH RECURSIVE reached(batch_id) AS ("
        " SELECT parent_id FROM batch_links WHERE child_id = :root"
        " UNION"
        " SELECT l.parent_id FROM batch_links l JOIN reached r ON l.child_id = r.batch_id"
        ") SELECT count(*) FROM reached"
    ),
}
BARE_NAME = "bare WITH RECURSIVE count over batch_links, same connection"
BUDGET = 15.0  # seconds of timed runs per figure: a slow trace must not stall the suite


def fresh_session(user_id: int):
    """A prepare() for ``measure``: an empty session, the caller's User loaded (untimed)."""

    def prepare() -> User:
        db.session.rollback()
        db.session.expunge_all()
        return db.session.get(User, user_id)

    return prepare


def trace_facts(batch_id: int, direction: str) -> dict:
    """How big the trace is: lots reached, links among them, shipments and events of them."""
    ids = reachable_ids(batch_id, direction)
    all_ids = [batch_id, *ids]
    count = db.session.execute(
        text(
            "SELECT count(DISTINCT el.event_id),"
            " count(DISTINCT el.event_id) FILTER (WHERE te.kind = 'shipping')"
            " FROM event_lines el JOIN trace_events te ON te.id = el.event_id"
            " WHERE el.batch_id = ANY(:ids)"
        ),
        {"ids": all_ids},
    ).one()
    return {"batches": len(all_ids), "events": count[0], "shipments": count[1]}


def _bare(batch_id: int, direction: str):
    return lambda _user: db.session.execute(BARE[direction], {"root": batch_id}).scalar()


def _one_direction(ctx, direction: str, batch_id: int, user_id: int) -> list[Result]:
    prepare = fresh_session(user_id)
    runs, warmup = ctx.runs, ctx.warmup
    facts = {"batch_id": batch_id, **trace_facts(batch_id, direction)}
    baseline = measure(_bare(batch_id, direction), runs, warmup, prepare)
    figure = measure(
        lambda user: trace_batch(user, batch_id, direction), runs, warmup, prepare, budget_s=BUDGET
    )
    results = [timing_result(f"trace.{direction}", figure, baseline, BARE_NAME, TARGET, **facts)]
    if direction == "forward":
        ids_only = measure(
            lambda _user: reachable_ids(batch_id, direction), runs, warmup, prepare, budget_s=BUDGET
        )
        results.append(
            timing_result(
                "trace.forward.reachable_ids", ids_only, baseline, BARE_NAME, "≈ 1×", **facts
            )
        )
    if ctx.explain:
        explain_to_file(
            ctx, f"trace_{direction}", lambda: trace_batch(prepare(), batch_id, direction)
        )
    db.session.rollback()
    return results


def run(ctx) -> list[Result]:
    """Forward trace of the root and backward trace of the deepest leaf, each with its baseline."""
    graph = ctx.world.trace
    return [
        *_one_direction(ctx, "forward", graph["root_id"], graph["root_user_id"]),
        *_one_direction(ctx, "backward", graph["leaf_id"], graph["leaf_user_id"]),
    ]
