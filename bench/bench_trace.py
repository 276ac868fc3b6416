"""Full trace of a lot, as the API answers it, against the bare recursive query.

Forward from the root of the generated genealogy (10,000 lots, 20,000 events
by default) and backward from its deepest leaf. ``trace.forward`` and
``trace.backward`` time what the ``/batches/{id}/trace`` endpoint does: the
scoping check of the root, the query, the shaping and the JSON body as UTF-8
bytes (``trace_json(...).encode()``), i.e. everything but HTTP and the token
check; ``trace.forward.http`` adds those (a GET through Flask's test client).
``trace.forward.records`` is ``trace_batch``, the plain records recalls build (no JSON);
``trace.forward.chain_page`` renders the batch page's chain (its first page of lots).
``trace.forward.read_floor`` only reads the rows the trace shows (``READ_FLOOR``): no
trace computed at request time can do less.
The baseline is the plain ``WITH RECURSIVE … UNION … SELECT count(*)`` over
``batch_links``, run through the same session and connection in the same run, in
alternation with each figure: what the database needs just to find the lots,
with nothing loaded into Python.
Target (forward): under 1 s, and within 5× of the bare query.
"""

from flask_login import login_user
from sqlalchemy import text

from bench.common import Result, measure_pair, timing_result
from bench.explain import explain_to_file
from core.extensions import db
from registry.models import User
from registry.services.accounts import issue_token
from trace.services.genealogy import reachable_ids, trace_batch
from trace.services.trace_json import trace_json
from trace.views.batches import batch_chain

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
# What any trace computed at request time must at least do: find the lots (the bare
# query), then read every row the trace shows (the lots, the links out of them, their
# shipping lines and those lines' events), writing nothing. Its ratio to the bare query is
# a floor under the trace's own ratio.
READ_FLOOR = text(
    "WITH RECURSIVE reached(batch_id) AS ("
    " SELECT child_id FROM batch_links WHERE parent_id = :root"
    " UNION"
    " SELECT l.child_id FROM batch_links l JOIN reached r ON l.parent_id = r.batch_id"
    "), nodes(batch_id) AS (SELECT CAST(:root AS INTEGER) UNION SELECT batch_id FROM reached)"
    " SELECT"
    " (SELECT sum(length(b.lot_code)) + sum(b.quantity) + count(b.status)"
    " + sum(b.product_id) + sum(b.organization_id)"
    " FROM nodes JOIN batches b ON b.id = nodes.batch_id),"
    " (SELECT sum(l.parent_quantity) + sum(l.child_quantity) + sum(l.event_id)"
    " FROM nodes JOIN batch_links l ON l.parent_id = nodes.batch_id),"
    " (SELECT sum(el.quantity) + sum(extract(epoch FROM e.event_time)) + count(e.reference)"
    " + count(e.destination_org_id)"
    " FROM nodes JOIN event_lines el ON el.batch_id = nodes.batch_id AND el.kind = 'shipping'"
    " JOIN trace_events e ON e.id = el.event_id AND e.kind = 'shipping')"
)
BARE_NAME = "bare WITH RECURSIVE count over batch_links, same connection, alternating"
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


def _chain_page(ctx, batch_id: int):
    """The chain page (HTML, a page of the nearest lots) as the batch's owner gets it."""
    url = f"/trace/batches/{batch_id}/chain?direction=forward"

    def render(user) -> None:
        with ctx.app.test_request_context(url):
            login_user(user)
            batch_chain(batch_id)

    return render


def _read_floor(batch_id: int):
    """Only read what a forward trace shows, with nothing written (see READ_FLOOR)."""
    return lambda _user: db.session.execute(READ_FLOOR, {"root": batch_id}).one()


def _one_direction(ctx, direction: str, batch_id: int, user_id: int) -> list[Result]:
    prepare = fresh_session(user_id)
    runs, warmup = ctx.runs, ctx.warmup
    facts = {"batch_id": batch_id, **trace_facts(batch_id, direction)}
    bare = _bare(batch_id, direction)
    figure, baseline = measure_pair(
        _body(batch_id, direction), bare, runs, warmup, prepare, budget_s=BUDGET
    )
    facts["body_bytes"] = len(_body(batch_id, direction)(prepare()))
    results = [timing_result(f"trace.{direction}", figure, baseline, BARE_NAME, TARGET, **facts)]
    if direction == "forward":
        extra = {
            "http": _http(ctx, batch_id, user_id),
            "records": lambda user: trace_batch(user, batch_id, direction),
            "reachable_ids": lambda _user: reachable_ids(batch_id, direction),
            "read_floor": _read_floor(batch_id),
            "chain_page": _chain_page(ctx, batch_id),
        }
        targets = {
            "http": TARGET,
            "records": "reference",
            "reachable_ids": "≈ 1×",
            "read_floor": "reference: what any trace read at request time costs",
            "chain_page": "reference: the batch page's chain, one page of lots",
        }
        for name, call in extra.items():
            timing, baseline = measure_pair(call, bare, runs, warmup, prepare, budget_s=BUDGET)
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
