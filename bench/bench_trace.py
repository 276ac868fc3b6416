"""Full trace of a lot, as the API answers it, against the bare recursive query.

Forward from the root of the generated genealogy (10,000 lots, 20,000 events
by default) and backward from its deepest leaf. ``trace.forward`` and
``trace.backward`` time what the ``/batches/{id}/trace`` endpoint does: the
scoping check of the root, the query, the shaping and the JSON body as UTF-8
bytes (``trace_json(...).encode()``), i.e. everything but HTTP and the token
check; ``trace.forward.http`` adds those (a GET through Flask's test client).
``trace.forward.records`` is ``trace_batch``, the plain records the chain page
and recalls build (no JSON). The baseline is the plain
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
from registry.services.accounts import issue_token
from trace.services.genealogy import reachable_ids, trace_batch, trace_json

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


def _body(batch_id: int, direction: str):
    """What the endpoint sends: the trace as JSON, encoded."""
    return lambda user: trace_json(user, batch_id, direction).encode()


def _http(ctx, batch_id: int, user_id: int):
    """A GET of the endpoint through the test client, with an API token of the user."""
    with ctx.app.test_request_context():
        _token, secret = issue_token(db.session.get(User, user_id), "bench")
        db.session.commit()
    client = ctx.app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/api/v1/batches/{batch_id}/trace?direction=forward"

    def get(_user) -> None:
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url}: {response.status_code}")

    return get


def _one_direction(ctx, direction: str, batch_id: int, user_id: int) -> list[Result]:
    prepare = fresh_session(user_id)
    runs, warmup = ctx.runs, ctx.warmup
    facts = {"batch_id": batch_id, **trace_facts(batch_id, direction)}
    baseline = measure(_bare(batch_id, direction), runs, warmup, prepare)
    figure = measure(_body(batch_id, direction), runs, warmup, prepare, budget_s=BUDGET)
    facts["body_bytes"] = len(_body(batch_id, direction)(prepare()))
    results = [timing_result(f"trace.{direction}", figure, baseline, BARE_NAME, TARGET, **facts)]
    if direction == "forward":
        extra = {
            "http": _http(ctx, batch_id, user_id),
            "records": lambda user: trace_batch(user, batch_id, direction),
            "reachable_ids": lambda _user: reachable_ids(batch_id, direction),
        }
        targets = {"http": TARGET, "records": "reference", "reachable_ids": "≈ 1×"}
        for name, call in extra.items():
            timing = measure(call, runs, warmup, prepare, budget_s=BUDGET)
            results.append(
                timing_result(
                    f"trace.forward.{name}", timing, baseline, BARE_NAME, targets[name], **facts
                )
            )
    if ctx.explain:
        explain_to_file(
            ctx, f"trace_{direction}", lambda: trace_json(prepare(), batch_id, direction)
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
