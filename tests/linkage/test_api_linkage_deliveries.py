"""Deliveries under linkage contracts through the API: trace events, refusals, unsigned
contracts, and two deliveries (to two enterprises) racing for the last kilograms of a lot.

A delivery the buyer records waits for the cooperative: see test_pending_deliveries.py.
"""

import threading
from datetime import timedelta

from linkage.models import Delivery
from tests.conftest import row_count
from tests.linkage_helpers import TODAY, contract_body
from tests.missing import needs_postgres
from trace.services.quantities import held_quantities


def _harvested_lot(farm, quantity=1000):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], quantity)
    farm.harvest(batch["id"], site["id"])
    return batch


def test_delivery_records_trace_events_under_the_contract(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    delivery = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.ent,
        {
            "delivered_on": TODAY.isoformat(),
            "price_vnd": 96000,
            "lines": [
                {
                    "batch_id": batch["id"],
                    "quantity": 600,
                    "accepted_quantity": 580,
                    "rejection_reason": "Quả xanh",
                }
            ],
        },
        expect=201,
    ).json
    assert delivery["status"] == "pending" and delivery["shipping_event_id"] is None
    delivery = linkage.call(
        "post", f"/deliveries/{delivery['id']}/confirm", linkage.coop, expect=200
    ).json
    assert delivery["shipping_event_id"] and delivery["receiving_event_id"]
    shipping = linkage.call(
        "get", f"/events/{delivery['shipping_event_id']}", linkage.coop, expect=200
    ).json
    assert shipping["kind"] == "shipping" and shipping["organization_id"] == world["coop_a"]
    assert shipping["destination_org_id"] == world["ent_x"]
    assert (shipping["reference_type"], shipping["reference"]) == ("contract", contract["number"])
    receiving = linkage.call(
        "get", f"/events/{delivery['receiving_event_id']}", linkage.ent, expect=200
    ).json
    assert (
        receiving["organization_id"] == world["ent_x"] and receiving["lines"][0]["quantity"] == 580
    )
    assert shipping["lines"][0]["quantity"] == 580  # the 20 kg refused went back
    # The enterprise now sees the lot and holds the 580 kg it accepted; the cooperative
    # keeps the 400 kg it did not bring and the 20 kg refused at the gate.
    with app.app_context():
        assert held_quantities([batch["id"]], world["ent_x"])[batch["id"]] == 580
        assert held_quantities([batch["id"]], world["coop_a"])[batch["id"]] == 420
    assert (
        linkage.call("get", f"/batches/{batch['id']}", linkage.ent, expect=200).json["id"]
        == batch["id"]
    )
    too_much = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.ent,
        {"delivered_on": TODAY.isoformat(), "lines": [{"batch_id": batch["id"], "quantity": 421}]},
        expect=409,
    )
    assert "420" in too_much.json["errors"]["lines"][0]
    progress = linkage.call(
        "get", f"/contracts/{contract['id']}/fulfilment", linkage.coop, expect=200
    ).json
    assert progress[0]["delivered"] == 600 and progress[0]["accepted"] == 580
    assert progress[0]["behind"] is True  # 580 of 20,000 kg a third into the season


def test_bad_deliveries_are_refused_and_write_nothing(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    pepper = farm.product(name="Hồ tiêu", category="pepper")
    pepper_lot = farm.batch(pepper["id"], 50)
    farm.harvest(pepper_lot["id"], farm.site()["id"])
    path = f"/contracts/{contract['id']}/deliveries"
    cases = [
        ({"delivered_on": (TODAY + timedelta(days=2)).isoformat()}, "delivered_on"),
        (
            {"delivered_on": (TODAY - timedelta(days=200)).isoformat()},
            "delivered_on",
        ),  # before the term
        (
            {"lines": [{"batch_id": pepper_lot["id"], "quantity": 10}]},
            "lines",
        ),  # not a contract product
        (
            {"lines": [{"batch_id": batch["id"], "quantity": 10, "accepted_quantity": 5}]},
            "lines",
        ),  # no reason
        ({"lines": [{"batch_id": batch["id"], "quantity": 10, "accepted_quantity": 11}]}, "lines"),
    ]
    with app.app_context():
        before = row_count(Delivery)
    for change, field in cases:
        body = {
            "delivered_on": TODAY.isoformat(),
            "lines": [{"batch_id": batch["id"], "quantity": 10}],
            **change,
        }
        assert field in linkage.call("post", path, linkage.ent, body, expect=422).json["errors"], (
            change
        )
    outsider = linkage.call(
        "post",
        path,
        farm.headers | {},
        {"delivered_on": TODAY.isoformat(), "lines": [{"batch_id": batch["id"], "quantity": 10}]},
    )
    assert outsider.status_code == 201  # the cooperative may record it too, as a party
    with app.app_context():
        assert row_count(Delivery) == before + 1


def test_delivery_on_an_unsigned_contract_is_refused(linkage, farm, world):
    draft = linkage.call(
        "post", "/contracts", linkage.ent, contract_body(world["coop_a"]), expect=201
    ).json
    batch = _harvested_lot(farm)
    response = linkage.call(
        "post",
        f"/contracts/{draft['id']}/deliveries",
        linkage.ent,
        {"delivered_on": TODAY.isoformat(), "lines": [{"batch_id": batch["id"], "quantity": 10}]},
        expect=422,
    )
    assert "delivered_on" in response.json["errors"]


def test_two_deliveries_race_for_the_last_kilograms(
    app, linkage, farm, world, token_for, is_postgres
):
    needs_postgres(is_postgres, "SQLite serialises writers; the race is a PostgreSQL concern")
    first = linkage.signed_contract("HĐ-X")
    ent_y = token_for(world["users"]["ent_y"])
    other = linkage.call(
        "post", "/contracts", ent_y, contract_body(world["coop_a"], "HĐ-Y"), expect=201
    ).json
    linkage.call("post", f"/contracts/{other['id']}/confirm", ent_y, expect=200)
    linkage.call("post", f"/contracts/{other['id']}/confirm", linkage.coop, expect=200)
    batch = _harvested_lot(farm, 100)
    results = []
    start = threading.Barrier(2)

    def deliver(contract_id, headers):
        client = app.test_client()
        start.wait()
        response = client.post(
            f"/api/v1/contracts/{contract_id}/deliveries",
            headers=headers,
            json={
                "delivered_on": TODAY.isoformat(),
                "lines": [{"batch_id": batch["id"], "quantity": 80}],
            },
        )
        results.append(response.status_code)

    threads = [
        threading.Thread(target=deliver, args=args)
        # The cooperative records both: a delivery it records writes its events at once.
        for args in ((first["id"], linkage.coop), (other["id"], linkage.coop))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [201, 409], results
    with app.app_context():
        assert row_count(Delivery) == 1


def test_a_delivery_refused_whole_moves_nothing(app, linkage, farm, world):
    """All 300 kg refused at the gate: the delivery is on record with its reason, no event is
    written and the lot stays wholly the cooperative's."""
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm, quantity=300)
    delivery = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.coop,
        {
            "delivered_on": TODAY.isoformat(),
            "lines": [
                {
                    "batch_id": batch["id"],
                    "quantity": 300,
                    "accepted_quantity": 0,
                    "rejection_reason": "Ẩm mốc",
                }
            ],
        },
        expect=201,
    ).json
    assert delivery["status"] == "confirmed"
    assert delivery["shipping_event_id"] is None and delivery["receiving_event_id"] is None
    with app.app_context():
        assert held_quantities([batch["id"]], world["coop_a"])[batch["id"]] == 300
        assert held_quantities([batch["id"]], world["ent_x"]).get(batch["id"], 0) == 0
