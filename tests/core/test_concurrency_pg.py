"""50 concurrent clients on PostgreSQL: retries with one Idempotency-Key, a race for the last
kilograms, and one contract confirmed by everybody at once. No duplicate, no negative stock,
no 5xx. (SQLite serialises writers, so these races are PostgreSQL's concern.)"""

import threading
from collections import Counter

import pytest
from sqlalchemy import func, select

from core.extensions import db
from linkage.models import Contract, ContractParty
from tests.conftest import row_count
from tests.linkage_helpers import contract_body
from tests.missing import needs_postgres
from tests.recall_helpers import build_chain
from trace.models import Batch, BatchStatus, EventLine, TraceEvent
from trace.services.quantities import held_quantities

CLIENTS = 50


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres):
    needs_postgres(is_postgres, "SQLite serialises writers; the races are a PostgreSQL concern")


def race(app, requests: list[tuple[str, dict, dict]]) -> list[tuple[int, dict, bool]]:
    """Send every (path, body, headers) POST at once, each from its own client and thread.

    Returns (status, JSON body, replayed?) in the order of ``requests``.
    """
    answers: list = [None] * len(requests)
    start = threading.Barrier(len(requests))

    def post(index, path, body, headers):
        client = app.test_client()
        start.wait()
        response = client.post(f"/api/v1{path}", json=body, headers=headers)
        replayed = response.headers.get("Idempotent-Replayed") == "true"
        answers[index] = (response.status_code, response.json, replayed)

    threads = [
        threading.Thread(target=post, args=(index, *request))
        for index, request in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(answer is not None for answer in answers), "a client got no answer"
    assert not [a for a in answers if a[0] >= 500], answers
    return answers


def test_fifty_retries_of_one_batch_creation_make_one_batch(app, farm):
    product = farm.product()
    body = {"product_id": product["id"], "quantity": 750, "harvest_date": "2026-11-01"}
    headers = {**farm.headers, "Idempotency-Key": "batch-retry-1"}
    answers = race(app, [("/batches", body, headers)] * CLIENTS)

    assert {status for status, _body, _replayed in answers} == {201}, answers
    assert len({repr(sorted(body.items())) for _s, body, _r in answers}) == 1
    assert sum(not replayed for _s, _b, replayed in answers) == 1
    with app.app_context():
        assert row_count(Batch) == 1


def test_fifty_clients_race_for_the_last_kilograms_with_retries(app, farm, world, runner):
    """25 shipments of 10 kg, each sent twice at once with its key, for a 100 kg lot."""
    product, site = farm.product(), farm.site()
    lot = farm.batch(product["id"], 100)
    farm.harvest(lot["id"], site["id"])
    requests = []
    for n in range(CLIENTS):
        shipment = {
            "kind": "shipping",
            "event_time": f"2026-11-20T08:00:{n // 2:02d}+07:00",
            "destination_org_id": world["ent_x"],
            "lines": [{"batch_id": lot["id"], "quantity": 10}],
        }
        requests.append(
            ("/events", shipment, {**farm.headers, "Idempotency-Key": f"ship-{n // 2}"})
        )
    answers = race(app, requests)

    for n in range(0, CLIENTS, 2):  # both sends of one key got the same answer
        assert answers[n][0] == answers[n + 1][0], (answers[n], answers[n + 1])
        if answers[n][0] == 201:
            assert answers[n][1]["id"] == answers[n + 1][1]["id"]
    statuses = Counter(status for status, _b, _r in answers[::2])
    assert statuses == {201: 10, 422: 15}, statuses
    with app.app_context():
        shipped = db.session.scalar(
            select(func.sum(EventLine.quantity))
            .join(TraceEvent)
            .where(TraceEvent.kind == "shipping", EventLine.batch_id == lot["id"])
        )
        assert shipped == 100
        assert row_count(TraceEvent) == 11  # the harvest and ten shipments
        assert held_quantities([lot["id"]], world["coop_a"]) == {lot["id"]: 0}
    assert runner.invoke(args=["trace", "verify"]).exit_code == 0


def test_fifty_confirmations_of_one_contract_sign_it_once(app, linkage, world):
    """The enterprise and the cooperative each press "confirm" 25 times at once."""
    contract = linkage.call(
        "post", "/contracts", linkage.ent, contract_body(world["coop_a"]), expect=201
    ).json
    path = f"/contracts/{contract['id']}/confirm"
    answers = race(
        app, [(path, None, linkage.ent if n % 2 else linkage.coop) for n in range(CLIENTS)]
    )

    by_party = Counter((n % 2, status) for n, (status, _b, _r) in enumerate(answers))
    assert by_party == {(0, 200): 1, (0, 409): 24, (1, 200): 1, (1, 409): 24}, by_party
    with app.app_context():
        signed = db.session.get(Contract, contract["id"])
        assert signed.state.value == "signed"
        confirmed = db.session.scalar(
            select(func.count())
            .select_from(ContractParty)
            .where(
                ContractParty.contract_id == contract["id"], ContractParty.confirmed_at.is_not(None)
            )
        )
        assert confirmed == len(signed.parties)


def test_overlapping_recalls_opened_at_once_all_land(
    app, runner, farm, buyer, world, token_for, no_smtp
):
    """Five recalls at the same moment over one chain whose lots they share (RAW reaches all
    of them, A and ROAST reach PACK, at a cooperative and an enterprise; opened by the
    cooperative and the department): each answers
    201, or 409 when a recall committed first already covers its lot; no deadlock, no 5xx;
    every lot ends recalled, and the event and lot chains verify."""
    chain = build_chain(farm, buyer)
    reason = {"reason": "Dư lượng thuốc bảo vệ thực vật vượt mức", "severity": "serious"}
    department = token_for(world["users"]["department"])
    roots = [("RAW", farm.headers), ("A", farm.headers), ("ROAST", farm.headers)]
    roots += [("B", department), ("PACK", department)]  # PACK is the enterprise's
    answers = race(
        app, [("/recalls", {"batch_id": chain.id(name), **reason}, who) for name, who in roots]
    )
    assert {status for status, _body, _replayed in answers} <= {201, 409}, answers
    assert any(status == 201 for status, _body, _replayed in answers)
    with app.app_context():
        statuses = set(
            db.session.scalars(
                select(Batch.status).where(
                    Batch.id.in_([chain.id(name) for name in ("RAW", "A", "B", "ROAST", "PACK")])
                )
            )
        )
    assert statuses == {BatchStatus.RECALLED}
    verified = runner.invoke(args=["trace", "verify"])
    assert verified.exit_code == 0, verified.output
