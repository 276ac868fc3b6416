"""Trace API: products, sites, batches, events, quantities, completeness, genealogy, scoping."""

import json
from datetime import datetime

from core.extensions import db
from registry.models import User
from tests.conftest import GIA_LAI_COMMUNES
from tests.trace_helpers import GTIN, when
from trace.services import genealogy


def test_products_validate_gtin_and_are_scoped(farm, client, world, token_for):
    bad = farm.post(
        "/products", {"name": "X", "category": "coffee", "gtin": "09520123456780"}, expect=422
    )
    assert "gtin" in bad["errors"]
    product = farm.product(gtin="9520123456788")  # GTIN-13 is stored as GTIN-14
    assert product["gtin"] == GTIN
    clash = farm.post("/products", {"name": "Y", "category": "coffee", "gtin": GTIN}, expect=409)
    assert "gtin" in clash["errors"]
    other = token_for(world["users"]["coop_b"])
    assert client.get(f"/api/v1/products/{product['id']}", headers=other).status_code == 404
    dept = token_for(world["users"]["department"])
    assert client.get(f"/api/v1/products/{product['id']}", headers=dept).status_code == 200
    refused = client.post(
        "/api/v1/products", json={"name": "Z", "category": "coffee"}, headers=dept
    )
    assert refused.status_code == 403


def test_site_households_must_be_own_members(farm, world):
    site = farm.site()
    assert site["household_ids"] == [world["member_a"]]
    bad = farm.post(
        "/sites",
        {"name": "S", "admin_unit": GIA_LAI_COMMUNES[0], "household_ids": [world["member_b"]]},
        expect=422,
    )
    assert "household_ids" in bad["errors"]
    bad_gln = farm.post(
        "/sites",
        {"name": "S", "admin_unit": GIA_LAI_COMMUNES[0], "gln": "1234567890123"},
        expect=422,
    )
    assert "gln" in bad_gln["errors"]


def test_batch_dates_lot_codes_and_household_totals(farm):
    product = farm.product()
    batch = farm.batch(product["id"], 500)
    assert batch["status"] == "draft" and len(batch["lot_code"]) <= 20
    assert set(batch["lot_code"]) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")
    assert len(batch["public_code"]) == 13
    cases = [
        ({"harvest_date": "2999-01-01"}, "harvest_date"),
        ({"harvest_date": "2026-11-02", "packing_date": "2026-11-01"}, "packing_date"),
        ({"harvest_date": "2026-11-02", "expiry_date": "2026-10-01"}, "expiry_date"),
        ({"lot_code": "LÔ-1"}, "lot_code"),
        ({"lot_code": "A" * 21}, "lot_code"),
        ({"quantity": -5}, "quantity"),
    ]
    for values, field in cases:
        body = {
            "product_id": product["id"],
            "quantity": 500,
            "harvest_date": "2026-11-01",
            **values,
        }
        assert field in farm.post("/batches", body, expect=422)["errors"], values
    wrong_total = {
        "product_id": product["id"],
        "quantity": 500,
        "households": [{"member_id": farm.world["member_a"], "quantity": 400}],
    }
    assert "households" in farm.post("/batches", wrong_total, expect=422)["errors"]
    farm.batch(product["id"], 10, lot_code="CF-2026-01")
    dup = farm.post(
        "/batches",
        {"product_id": product["id"], "quantity": 1, "lot_code": "CF-2026-01"},
        expect=409,
    )
    assert "lot_code" in dup["errors"]


def test_harvest_activates_and_quantities_are_checked(farm, world):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 1000)
    farm.harvest(batch["id"], site["id"])
    assert farm.get(f"/batches/{batch['id']}")["status"] == "active"
    over = farm.ship(batch["id"], 1200, world["ent_x"], expect=422)
    assert "1.000" in over["errors"]["lines"][0]
    farm.ship(batch["id"], 700, world["ent_x"])
    left = farm.ship(batch["id"], 400, world["ent_x"], expect=422)
    assert "300" in left["errors"]["lines"][0]
    farm.ship(batch["id"], 300, world["ent_y"])
    assert farm.ship(batch["id"], 1, world["ent_y"], expect=422)


def test_future_event_time_is_refused(farm):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 10)
    response = farm.post(
        "/events",
        {
            "kind": "harvest",
            "event_time": when(-2),
            "site_id": site["id"],
            "lines": [{"batch_id": batch["id"]}],
        },
        expect=422,
    )
    assert "event_time" in response["errors"]
    naive = farm.post(
        "/events",
        {
            "kind": "harvest",
            "event_time": "2026-11-01T07:00:00",
            "site_id": site["id"],
            "lines": [{"batch_id": batch["id"]}],
        },
        expect=422,
    )
    assert "event_time" in naive["errors"]


def test_transformation_chain_and_trace(farm, world):
    product, site = farm.product(name="Cà phê quả tươi"), farm.site()
    green = farm.product(name="Cà phê nhân xanh")
    roasted = farm.product(name="Cà phê rang xay", category="coffee", shelf_life_days=365)
    cherries = farm.batch(product["id"], 5000)
    farm.harvest(cherries["id"], site["id"])
    event = farm.transform(
        [(cherries["id"], 5000)], [{"product_id": green["id"], "quantity": 1000}], days_ago=15
    )
    green_id = event["lines"][1]["batch_id"]
    over = farm.transform(
        [(green_id, 1001)], [{"product_id": roasted["id"], "quantity": 800}], expect=422
    )
    assert "1.000" in over["errors"]["inputs"][0]
    split = farm.transform(
        [(green_id, 1000)],
        [
            {"product_id": roasted["id"], "quantity": 400, "expiry_date": "2027-12-31"},
            {"product_id": roasted["id"], "quantity": 400, "expiry_date": "2027-12-31"},
        ],
        how="splitting",
        days_ago=12,
    )
    roasted_ids = [line["batch_id"] for line in split["lines"] if line["role"] == "output"]
    farm.ship(
        roasted_ids[0], 400, world["ent_x"], reference={"type": "contract", "id": "HĐ-01/2026"}
    )
    farm.ship(roasted_ids[1], 150, world["ent_y"])

    forward = farm.get(f"/batches/{cherries['id']}/trace?direction=forward")
    assert {b["id"] for b in forward["batches"]} == {cherries["id"], green_id, *roasted_ids}
    depth = {b["id"]: b["depth"] for b in forward["batches"]}
    assert depth[green_id] == 1 and depth[roasted_ids[0]] == 2
    recipients = {(s["to_organization_id"], s["quantity"]) for s in forward["shipments"]}
    assert recipients == {(world["ent_x"], 400.0), (world["ent_y"], 150.0)}
    assert any(s["reference"] == "HĐ-01/2026" for s in forward["shipments"])

    backward = farm.get(f"/batches/{roasted_ids[1]}/trace?direction=backward")
    assert {b["id"] for b in backward["batches"]} == {roasted_ids[1], green_id, cherries["id"]}
    one_step = farm.get(f"/batches/{roasted_ids[1]}/trace?direction=backward&depth=1")
    assert {b["id"] for b in one_step["batches"]} == {roasted_ids[1], green_id}


def test_correction_restores_quantity_and_keeps_history(farm, world):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 100)
    farm.harvest(batch["id"], site["id"])
    shipment = farm.ship(batch["id"], 100, world["ent_x"])
    farm.ship(batch["id"], 1, world["ent_x"], expect=422)
    correction = farm.post(
        f"/events/{shipment['id']}/corrections", {"reason": "Nhập nhầm số lượng"}
    )
    assert correction["kind"] == "correction" and correction["corrects_event_id"] == shipment["id"]
    farm.post(f"/events/{shipment['id']}/corrections", {"reason": "again"}, expect=409)
    farm.ship(batch["id"], 60, world["ent_x"])
    listed = farm.get(f"/events?batch_id={batch['id']}")
    # Listed by event time; the correction happened now, after both shipments.
    assert [e["kind"] for e in listed] == ["harvest", "shipping", "shipping", "correction"]


def test_correcting_a_harvest_already_shipped_is_refused(farm, world):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 100)
    harvest = farm.harvest(batch["id"], site["id"])
    farm.ship(batch["id"], 50, world["ent_x"])
    refused = farm.post(f"/events/{harvest['id']}/corrections", {"reason": "x"}, expect=422)
    assert batch["lot_code"] in refused["errors"]["event_id"][0]


def test_enterprise_sees_delivered_lots_only_and_records_receipt(
    farm, buyer, world, client, token_for
):
    product, site = farm.product(), farm.site()
    sold, kept = farm.batch(product["id"], 100), farm.batch(product["id"], 100)
    farm.harvest(sold["id"], site["id"])
    farm.harvest(kept["id"], site["id"])
    farm.ship(sold["id"], 80, world["ent_x"])
    assert {b["id"] for b in buyer.get("/batches")} == {sold["id"]}
    buyer.get(f"/batches/{kept['id']}", expect=404)
    other = token_for(world["users"]["ent_y"])
    assert client.get(f"/api/v1/batches/{sold['id']}", headers=other).status_code == 404
    too_much = {
        "kind": "receiving",
        "event_time": when(1),
        "source_org_id": world["coop_a"],
        "lines": [{"batch_id": sold["id"], "quantity": 90}],
    }
    assert "lines" in buyer.post("/events", too_much, expect=422)["errors"]
    buyer.post("/events", {**too_much, "lines": [{"batch_id": sold["id"], "quantity": 80}]})
    # The buyer holds what was shipped to it and can pass part of it on.
    resale = buyer.ship(sold["id"], 30, world["ent_y"], days_ago=0.5)
    assert resale["source_org_id"] == world["ent_x"]
    assert buyer.ship(sold["id"], 51, world["ent_y"], days_ago=0.4, expect=422)


def test_completeness_checklist(farm, app):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 100, site_ids=[site["id"]])
    report = farm.get(f"/batches/{batch['id']}/completeness")
    assert report["traced"] is False
    assert set(report["missing"]) >= {
        "product_image",
        "producer_address",
        "tracking_event",
        "label",
    }
    farm.harvest(batch["id"], site["id"])
    report = farm.get(f"/batches/{batch['id']}/completeness")
    assert "tracking_event" not in report["missing"]
    assert {i["key"] for i in report["checklist"]} >= {
        "origin",
        "households",
        "standards",
        "expiry",
    }


def test_batch_list_uses_a_cursor(farm):
    product = farm.product()
    ids = [farm.batch(product["id"], 1, households=[])["id"] for _ in range(5)]
    response = farm.client.get("/api/v1/batches?limit=2&with_total=true", headers=farm.headers)
    assert [b["id"] for b in response.json] == ids[::-1][:2]
    assert response.headers["X-Total-Count"] == "5"
    cursor = response.headers["X-Next-Cursor"]
    second = farm.client.get(f"/api/v1/batches?limit=2&cursor={cursor}", headers=farm.headers)
    assert [b["id"] for b in second.json] == ids[::-1][2:4]
    assert farm.client.get("/api/v1/batches?cursor=abc", headers=farm.headers).status_code == 422


def test_idempotent_batch_creation(farm, app):
    product = farm.product()
    headers = {**farm.headers, "Idempotency-Key": "batch-1"}
    body = {"product_id": product["id"], "quantity": 5}
    first = farm.client.post("/api/v1/batches", json=body, headers=headers)
    again = farm.client.post("/api/v1/batches", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json["id"] == again.json["id"]
    assert len(farm.get("/batches")) == 1


def test_openapi_lists_the_trace_endpoints(client):
    paths = json.loads(client.get("/api/v1/openapi.json").data)["paths"]
    for path in (
        "/api/v1/products",
        "/api/v1/sites",
        "/api/v1/batches",
        "/api/v1/events",
        "/api/v1/batches/{batch_id}/trace",
        "/api/v1/batches/{batch_id}/completeness",
    ):
        assert path in paths, path


def _comparable(trace: dict) -> dict:
    """A trace with its times as datetimes (the JSON writes them with fewer digits)."""
    shipments = [s | {"time": datetime.fromisoformat(s["time"])} for s in trace["shipments"]]
    return trace | {"shipments": shipments}


def test_trace_json_is_the_trace_records_as_json(app, farm, world):
    """The endpoint's JSON (written by the database on PostgreSQL) says what ``as_dict`` says.

    Names, lot codes and references carry quotes and a backslash, so escaping shows; a
    shipment declared erroneous is left out; quantities keep their decimals.
    """
    product, site = farm.product(name='Cà phê "đặc biệt" \\ rang'), farm.site()
    cherries = farm.batch(product["id"], 5000, lot_code='L"01/26')
    farm.harvest(cherries["id"], site["id"])
    made = farm.transform(
        [(cherries["id"], 4000.25)],
        [
            {"product_id": product["id"], "quantity": 1000.5},
            {"product_id": product["id"], "quantity": 999},
        ],
        how="splitting",
    )
    outputs = [line["batch_id"] for line in made["lines"] if line["role"] == "output"]
    farm.ship(outputs[0], 0.125, world["ent_x"], reference={"type": "contract", "id": 'HĐ "7"'})
    wrong = farm.ship(outputs[1], 10, world["ent_y"])
    farm.post(f"/events/{wrong['id']}/corrections", {"reason": "Nhập nhầm"})
    farm.ship(cherries["id"], 999.75, world["ent_y"], days_ago=2)
    asks = [
        (cherries["id"], "forward", "all"),
        (cherries["id"], "forward", "1"),
        (outputs[0], "backward", "all"),
        (outputs[1], "backward", "1"),
    ]
    for batch_id, direction, depth in asks:
        response = farm.client.get(
            f"/api/v1/batches/{batch_id}/trace?direction={direction}&depth={depth}",
            headers=farm.headers,
        )
        assert response.status_code == 200 and response.mimetype == "application/json"
        with app.test_request_context():
            user = db.session.get(User, world["users"]["coop_a"])
            records = genealogy.trace_batch(user, batch_id, direction, 1 if depth == "1" else None)
            expected = json.loads(json.dumps(genealogy.as_dict(records)))
        assert _comparable(response.json) == _comparable(expected), (direction, depth)
    forward = farm.get(f"/batches/{cherries['id']}/trace")
    lots = {b["id"]: b for b in forward["batches"]}
    assert lots[cherries["id"]]["lot_code"] == 'L"01/26'
    assert lots[outputs[0]]["product"] == 'Cà phê "đặc biệt" \\ rang'
    assert lots[outputs[0]]["quantity"] == 1000.5 and lots[outputs[0]]["depth"] == 1
    assert [link["parent_quantity"] for link in forward["links"]] == [4000.25, 4000.25]
    shipped = {s["batch_id"]: s for s in forward["shipments"]}
    assert set(shipped) == {cherries["id"], outputs[0]}  # the corrected shipment is gone
    assert shipped[outputs[0]]["quantity"] == 0.125
    assert shipped[outputs[0]]["reference"] == 'HĐ "7"'
    assert shipped[cherries["id"]]["to_organization_id"] == world["ent_y"]


def test_trace_of_a_lot_nobody_may_see_is_not_found(farm, client, world, token_for):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 100)
    farm.harvest(batch["id"], site["id"])
    other = token_for(world["users"]["coop_b"])
    response = client.get(f"/api/v1/batches/{batch['id']}/trace", headers=other)
    assert response.status_code == 404
    alone = farm.get(f"/batches/{batch['id']}/trace?direction=backward")
    assert alone["links"] == [] and alone["shipments"] == []
    assert [b["id"] for b in alone["batches"]] == [batch["id"]]
