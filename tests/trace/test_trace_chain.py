"""Tamper evidence: `flask trace verify` recomputes each organization's hash chain."""

import threading

import pytest
from sqlalchemy import func, select, text

from core.extensions import db
from tests.missing import needs_postgres
from trace.models import EventLine, TraceEvent


@pytest.fixture
def shipped(farm, world):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 100)
    farm.harvest(batch["id"], site["id"])
    events = [farm.ship(batch["id"], 10, world["ent_x"], days_ago=5 - i) for i in range(3)]
    return batch, events


def test_an_untouched_chain_verifies(runner, shipped):
    result = runner.invoke(args=["trace", "verify"])
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_chain_links_point_backwards(app, shipped, world):
    with app.app_context():
        rows = db.session.execute(
            select(TraceEvent.chain_seq, TraceEvent.chain_prev, TraceEvent.chain_hash)
            .where(TraceEvent.organization_id == world["coop_a"])
            .order_by(TraceEvent.chain_seq)
        ).all()
    assert [r.chain_seq for r in rows] == [1, 2, 3, 4]
    assert rows[0].chain_prev is None
    assert all(rows[i].chain_prev == rows[i - 1].chain_hash for i in range(1, 4))


@pytest.mark.parametrize(
    "tamper",
    [
        "UPDATE event_lines SET quantity = 1 WHERE event_id = :event_id",
        "UPDATE trace_events SET event_time = '2020-01-01 00:00:00+00' WHERE id = :event_id",
        "UPDATE trace_events SET destination_org_id = NULL WHERE id = :event_id",
    ],
)
def test_a_row_edited_in_the_database_is_reported(app, runner, shipped, tamper):
    _batch, events = shipped
    target = events[1]["id"]
    with app.app_context():
        db.session.execute(text(tamper), {"event_id": target})
        db.session.commit()
    result = runner.invoke(args=["trace", "verify"])
    assert result.exit_code == 1
    assert f"event {target} " in result.output
    assert "BROKEN" in result.output


def test_an_edited_epcis_document_is_reported(app, runner, shipped):
    _batch, events = shipped
    target = events[0]["id"]
    with app.app_context():
        event = db.session.get(TraceEvent, target)
        event.epcis = {**event.epcis, "bizStep": "receiving"}
        db.session.commit()
    result = runner.invoke(args=["trace", "verify"])
    assert result.exit_code == 1 and f"event {target} " in result.output
    assert "event hash" in result.output


def test_a_deleted_event_is_reported(app, runner, shipped):
    _batch, events = shipped
    with app.app_context():
        db.session.execute(
            text("DELETE FROM event_lines WHERE event_id = :id"), {"id": events[1]["id"]}
        )
        db.session.execute(text("DELETE FROM trace_events WHERE id = :id"), {"id": events[1]["id"]})
        db.session.commit()
    result = runner.invoke(args=["trace", "verify"])
    assert result.exit_code == 1
    assert f"event {events[2]['id']} " in result.output and "missing" in result.output


def test_concurrent_shipments_never_oversell(app, farm, world, client, is_postgres):
    """20 clients race for the last 100 kg: exactly 10 shipments of 10 kg succeed."""
    needs_postgres(is_postgres, "SQLite serialises writers; the race is a PostgreSQL concern")
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 100)
    farm.harvest(batch["id"], site["id"])
    statuses: list[int] = []
    start = threading.Barrier(20)
    body = {
        "kind": "shipping",
        "event_time": "2026-11-20T08:00:00+07:00",
        "destination_org_id": world["ent_x"],
        "lines": [{"batch_id": batch["id"], "quantity": 10}],
    }

    def ship(n):
        own = app.test_client()
        start.wait()
        response = own.post(
            "/api/v1/events",
            json={**body, "event_time": f"2026-11-20T08:00:{n:02d}+07:00"},
            headers=farm.headers,
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=ship, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [201] * 10 + [422] * 10, statuses
    with app.app_context():
        shipped_total = db.session.scalar(
            select(func.sum(EventLine.quantity))
            .join(TraceEvent)
            .where(TraceEvent.kind == "shipping", EventLine.batch_id == batch["id"])
        )
    assert shipped_total == 100
    assert runner_verifies(app)


def runner_verifies(app) -> bool:
    result = app.test_cli_runner().invoke(args=["trace", "verify"])
    return result.exit_code == 0
