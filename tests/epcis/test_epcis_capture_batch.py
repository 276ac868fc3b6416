"""EPCIS capture checks a document as a whole: per-event verdicts as if each came alone,
the same reads however long the document, and lots locked so concurrent writers never
overdraw them."""

import threading

import sqlalchemy as sa

from core.extensions import db
from tests.epcis.capture_helpers import (
    base,
    capture,
    counts,
    document,
    lot_uris,
    object_event,
)
from tests.missing import needs_postgres
from tests.trace_helpers import when
from trace.models import Batch, BatchStatus
from trace.services.quantities import held_quantities


def _shipments(app, world, uri, quantities, days_ago=2.0) -> list[dict]:
    to_x = [{"type": "owning_party", "destination": f"{base(app)}/p/{world['ent_x']}"}]
    return [
        object_event("shipping", uri, qty, days_ago=days_ago - i / 1000, destinationList=to_x)
        for i, qty in enumerate(quantities)
    ]


def test_a_refused_event_moves_nothing_and_every_event_is_judged(app, farm, world):
    """A whole document is checked at once, yet as if each event came alone, in order."""
    site, product = farm.site(), farm.product()
    lot, recalled = farm.batch(product["id"], 1000), farm.batch(product["id"], 10)
    for each in (lot, recalled):
        farm.harvest(each["id"], site["id"])
    with app.app_context():
        db.session.get(Batch, recalled["id"]).status = BatchStatus.RECALLED
        db.session.commit()
    uri, bad = (f"{base(app)}/q/{each['public_code']}" for each in (lot, recalled))
    # 600 leaves 400; 500 is refused and must not count, so the 400 after it passes.
    events = _shipments(app, world, uri, [600, 500, 400, 1])
    events[2:2] = _shipments(app, world, bad, [1, 2])
    refusal = capture(farm.client, farm.headers, document(events), 422)
    found = [(p["index"], p["field"], p["message"]) for p in refusal["events"]]
    assert [(index, field) for index, field, _m in found] == [
        (1, "eventList[1].quantityList[0].epcClass"),
        (2, "eventList[2].quantityList[0].epcClass"),
        (3, "eventList[3].quantityList[0].epcClass"),
        (5, "eventList[5].quantityList[0].epcClass"),
    ]
    assert "only 400 " in found[0][2] and "only 0 " in found[3][2]
    assert all("recalled" in message for _i, _f, message in found[1:3])
    assert counts(app)[0] == 2  # the two harvests: nothing of the document was stored


def test_a_document_is_checked_in_the_same_queries_however_long(
    app,
    buyer,
    delivered,  # noqa: F811 - the fixture imported above
    world,
):
    """The lots, holdings and parties are read once a document: no read per event."""
    uri = lot_uris(app, delivered)[0]
    statements = []

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):  # the store's inserts aside
            statements.append(statement[:90])

    def inspections(n, start):
        return [
            object_event("inspecting", uri, 1, days_ago=2 - (start + i) / 1000) for i in range(n)
        ]

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        sizes = []
        # The first capture also marks the lot traced; the next two differ only in length.
        for n, start in ((3, 0), (10, 100), (40, 200)):
            statements.clear()
            assert capture(buyer.client, buyer.headers, document(inspections(n, start)), 201)
            sizes.append(len(statements))
    finally:
        with app.app_context():
            sa.event.remove(db.engine, "before_cursor_execute", count)
    assert sizes[1] == sizes[2], "\n".join(statements)


def test_concurrent_captures_and_shipments_never_overdraw_a_lot(app, farm, world, is_postgres):
    needs_postgres(is_postgres, "SQLite serialises writers; the race is a PostgreSQL concern")
    site, product = farm.site(), farm.product()
    lots = [farm.batch(product["id"], 100), farm.batch(product["id"], 100)]
    for lot in lots:
        farm.harvest(lot["id"], site["id"])
    uris = [f"{base(app)}/q/{lot['public_code']}" for lot in lots]
    results: list[int] = []
    start = threading.Barrier(8)

    def capture_one(n: int) -> None:
        # Both lots, named in either order: the locks are taken in id order, no deadlock.
        named = uris if n % 2 else uris[::-1]
        events = [
            event
            for uri in named
            for event in _shipments(app, world, uri, [60], days_ago=2 - n / 100)
        ]
        client = app.test_client()
        start.wait()
        response = client.post("/api/v1/epcis/capture", json=document(events), headers=farm.headers)
        results.append(response.status_code)

    def ship_one(n: int) -> None:
        body = {
            "kind": "shipping",
            "event_time": when(2 - n / 100),
            "destination_org_id": world["ent_x"],
            "lines": [{"batch_id": lots[n % 2]["id"], "quantity": 60}],
        }
        client = app.test_client()
        start.wait()
        results.append(client.post("/api/v1/events", json=body, headers=farm.headers).status_code)

    threads = [threading.Thread(target=capture_one, args=(n,)) for n in range(4)]
    threads += [threading.Thread(target=ship_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8 and set(results) <= {201, 422}, results
    with app.app_context():
        held = held_quantities([lot["id"] for lot in lots], world["coop_a"])
    # Whoever won, each lot had 60 taken once: a capture takes both, a shipment one.
    assert list(held.values()) == [40, 40], held


def test_a_capture_waits_for_a_lot_another_writer_has_locked(app, farm, world, is_postgres):
    """The lots are locked before their quantities are read: a capture started while another
    writer holds a lot sees what that writer committed, not what it read before."""
    needs_postgres(is_postgres, "SQLite has no row locks")
    site, product = farm.site(), farm.product()
    lot = farm.batch(product["id"], 100)
    farm.harvest(lot["id"], site["id"])
    events = _shipments(app, world, f"{base(app)}/q/{lot['public_code']}", [60])
    done = threading.Event()
    answers = []

    def capture_it() -> None:
        headers = {**farm.headers, "Accept-Language": "en"}
        client = app.test_client()
        response = client.post("/api/v1/epcis/capture", json=document(events), headers=headers)
        answers.append((response.status_code, response.json))
        done.set()

    with app.app_context():
        other = db.engine.connect()
        writer = other.begin()
        # As the API's recorder does: lock the lot, then take 60 of it (here: made only 40).
        other.execute(
            sa.text("SELECT id FROM batches WHERE id = :id FOR NO KEY UPDATE"), {"id": lot["id"]}
        )
        other.execute(
            sa.text("UPDATE event_lines SET quantity = 40 WHERE batch_id = :id"), {"id": lot["id"]}
        )
        worker = threading.Thread(target=capture_it)
        worker.start()
        try:
            assert not done.wait(1.5), answers  # queued behind the lock
        finally:
            writer.commit()
            other.close()
        worker.join(timeout=30)
    assert [status for status, _body in answers] == [422], answers
    assert "only 40 " in answers[0][1]["events"][0]["message"], answers
