"""PATCH and PUT of products, sites and lots, the lot status endpoints, and the trace's
documented response, through the API on the test database (SQLite or PostgreSQL)."""

from tests.conftest import GIA_LAI_COMMUNES
from tests.trace_helpers import GTIN
from trace.event_schemas import TraceSchema

WHOLE_PRODUCT = {
    "name": "Cà phê nhân xanh Robusta",
    "name_en": None,
    "category": "coffee",
    "gtin": None,
    "unit": "kg",
    "description": None,
    "is_agricultural": True,
    "no_standard_declared": False,
    "shelf_life_days": None,
    "standards": [],
}


def send(farm, method: str, path: str, body: dict):
    """A request of the farm's, answered in English (the messages the asserts read)."""
    headers = {**farm.headers, "Accept-Language": "en"}
    return farm.client.open(f"/api/v1{path}", method=method, json=body, headers=headers)


def refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.json
    return response.json["errors"]


# Products ------------------------------------------------------------------------------------


def test_patch_changes_only_the_product_fields_sent(farm):
    product = farm.product(gtin="9520123456788", description="Hạt to", shelf_life_days=365)
    path = f"/products/{product['id']}"
    patched = send(farm, "PATCH", path, {"description": "Rang mộc"})
    assert patched.status_code == 200, patched.json
    assert patched.json == {**product, "description": "Rang mộc"}
    cleared = send(farm, "PATCH", path, {"shelf_life_days": None}).json
    assert cleared == {**product, "description": "Rang mộc", "shelf_life_days": None}
    # Bad values are refused by name and change nothing.
    assert "name" in refused(send(farm, "PATCH", path, {"name": None}))
    assert "gtin" in refused(send(farm, "PATCH", path, {"gtin": "09520123456780"}))
    assert list(refused(send(farm, "PATCH", path, {"name": "X", "colour": "nâu"}))) == ["colour"]
    assert farm.get(path) == cleared


def test_patch_of_a_gtin_keeps_products_apart(farm):
    farm.product(gtin="9520123456788")
    other = farm.product(name="Cà phê rang")
    clash = send(farm, "PATCH", f"/products/{other['id']}", {"gtin": GTIN})
    assert "gtin" in refused(clash, 409)
    assert farm.get(f"/products/{other['id']}")["gtin"] is None


def test_put_wants_the_whole_product_and_erases_nothing_when_refused(farm):
    product = farm.product(description="Hạt to")
    path = f"/products/{product['id']}"
    missing = refused(send(farm, "PUT", path, {"name": "Cà phê", "category": "coffee"}))
    assert set(missing) == {
        "name_en",
        "gtin",
        "unit",
        "description",
        "is_agricultural",
        "no_standard_declared",
        "shelf_life_days",
        "standards",
    }
    assert farm.get(path) == product
    replaced = send(farm, "PUT", path, WHOLE_PRODUCT)
    assert replaced.status_code == 200, replaced.json
    assert (replaced.json["description"], replaced.json["standards"]) == (None, [])


# Sites ---------------------------------------------------------------------------------------


def test_site_patch_and_put(farm, world):
    site = farm.site(latitude=13.98)
    path = f"/sites/{site['id']}"
    patched = send(farm, "PATCH", path, {"area_ha": 3})
    assert patched.status_code == 200, patched.json
    assert patched.json == {**site, "area_ha": 3.0}
    foreign = send(farm, "PATCH", path, {"household_ids": [world["member_b"]]})
    assert "household_ids" in refused(foreign)
    assert "admin_unit" in refused(send(farm, "PATCH", path, {"admin_unit": "00000"}))
    assert farm.get(path) == patched.json
    missing = refused(
        send(farm, "PUT", path, {"name": "Vùng 2", "admin_unit": site["admin_unit"]["code"]})
    )
    assert {"kind", "latitude", "household_ids", "gln"} <= set(missing)
    whole = {
        "kind": "facility",
        "name": "Xưởng sơ chế",
        "name_en": "Processing shed",
        "planting_area_code": None,
        "admin_unit": GIA_LAI_COMMUNES[0],
        "latitude": None,
        "longitude": None,
        "area_ha": None,
        "gln": None,
        "household_ids": [],
    }
    replaced = send(farm, "PUT", path, whole).json
    assert (replaced["kind"], replaced["latitude"], replaced["household_ids"]) == (
        "facility",
        None,
        [],
    )
    assert replaced["name_en"] == "Processing shed"


# Lots ----------------------------------------------------------------------------------------


def test_patch_of_a_draft_lot_changes_only_what_is_sent_within_the_rules(farm, world):
    site = farm.site()
    batch = farm.batch(farm.product()["id"], 1000, site_ids=[site["id"]])
    path = f"/batches/{batch['id']}"
    dated = send(farm, "PATCH", path, {"expiry_date": "2027-11-01"})
    assert dated.status_code == 200, dated.json
    assert dated.json == {**batch, "expiry_date": "2027-11-01"}
    # The households' shares must still add up to the quantity: sent alone, it is refused.
    assert "households" in refused(send(farm, "PATCH", path, {"quantity": 900}))
    assert "expiry_date" in refused(send(farm, "PATCH", path, {"expiry_date": "2026-01-01"}))
    both = {"quantity": 900, "households": [{"member_id": world["member_a"], "quantity": 900}]}
    resized = send(farm, "PATCH", path, both).json
    assert (resized["quantity"], resized["site_ids"], resized["lot_code"]) == (
        900,
        [site["id"]],
        batch["lot_code"],
    )


def test_lot_status_is_changed_only_through_its_endpoints(farm):
    batch = farm.batch(farm.product()["id"])
    path = f"/batches/{batch['id']}"
    for method in ("PATCH", "PUT"):
        message = refused(send(farm, method, path, {"status": "active"}))["status"][0]
        assert "/activate" in message and "/close" in message
    assert farm.get(path)["status"] == "draft"


def test_put_of_a_lot_names_each_missing_field(farm):
    batch = farm.batch(farm.product()["id"])
    missing = refused(
        send(farm, "PUT", f"/batches/{batch['id']}", {"product_id": 1, "quantity": 5})
    )
    assert set(missing) == {
        "lot_code",
        "harvest_date",
        "production_date",
        "packing_date",
        "expiry_date",
        "site_ids",
        "households",
    }
    assert farm.get(f"/batches/{batch['id']}") == batch


def test_an_active_lot_is_fixed_by_its_events(farm, world):
    """An active lot can still be completed (its dates, areas, households: issue 26 item 1);
    its events fix its product and quantity."""
    site = farm.site()
    batch = farm.batch(farm.product()["id"], 1000, site_ids=[site["id"]])
    farm.harvest(batch["id"], site["id"])
    path = f"/batches/{batch['id']}"
    message = refused(send(farm, "PATCH", path, {"quantity": 999}))["quantity"][0]
    assert "events" in message
    completed = send(farm, "PATCH", path, {"packing_date": "2026-11-05"})
    assert completed.status_code == 200 and completed.json["packing_date"] == "2026-11-05"
    send(farm, "PATCH", path, {"packing_date": None})
    current = farm.get(path)
    whole = {
        "product_id": current["product_id"],
        "lot_code": None,  # keeps the lot code
        "quantity": 1000,
        "harvest_date": current["harvest_date"],
        "production_date": None,
        "packing_date": None,
        "expiry_date": None,
        "site_ids": [site["id"]],
        "households": [{"member_id": world["member_a"], "quantity": 1000}],
    }
    unchanged = send(farm, "PUT", path, whole)  # the lot as it stands: nothing to refuse
    assert unchanged.status_code == 200 and unchanged.json == current
    assert "quantity" in refused(send(farm, "PUT", path, {**whole, "quantity": 999}))
    assert farm.get(path) == current


def test_activate_and_close_follow_the_rules(farm, client, world, token_for):
    site = farm.site()
    batch = farm.batch(farm.product()["id"], site_ids=[site["id"]])
    path = f"/batches/{batch['id']}"
    assert "harvest" in refused(send(farm, "POST", f"{path}/activate", {}))["status"][0]
    assert "active" in refused(send(farm, "POST", f"{path}/close", {}))["status"][0]
    farm.harvest(batch["id"], site["id"])  # a harvest makes a draft lot active
    assert "draft" in refused(send(farm, "POST", f"{path}/activate", {}))["status"][0]
    other = token_for(world["users"]["coop_b"])
    assert client.post(f"/api/v1{path}/close", headers=other).status_code == 404
    closed = send(farm, "POST", f"{path}/close", {})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert "status" in refused(send(farm, "POST", f"{path}/close", {}))
    assert farm.get(path)["status"] == "closed"


# The trace's documented response -------------------------------------------------------------


def test_the_trace_answer_is_what_its_schema_documents(farm, world, client):
    site = farm.site()
    cherries = farm.batch(farm.product()["id"], 1000, site_ids=[site["id"]])
    farm.harvest(cherries["id"], site["id"])
    green = farm.product(name="Cà phê nhân")
    made = farm.transform([(cherries["id"], 1000)], [{"product_id": green["id"], "quantity": 200}])
    output = next(line["batch_id"] for line in made["lines"] if line["role"] == "output")
    farm.ship(output, 150, world["ent_x"], reference={"type": "contract", "id": "HĐ-7"})
    for direction, start in (("forward", cherries["id"]), ("backward", output)):
        trace = farm.get(f"/batches/{start}/trace?direction={direction}")
        assert TraceSchema().validate(trace) == {}  # every member documented, none missing
        assert {b["id"]: b["depth"] for b in trace["batches"]} == {
            start: 0,
            (output if start == cherries["id"] else cherries["id"]): 1,
        }
    forward = farm.get(f"/batches/{cherries['id']}/trace")
    (link,) = forward["links"]
    assert (link["parent_id"], link["child_id"], link["parent_quantity"]) == (
        cherries["id"],
        output,
        1000,
    )
    (shipment,) = forward["shipments"]
    assert (shipment["batch_id"], shipment["quantity"], shipment["reference"]) == (
        output,
        150,
        "HĐ-7",
    )
    paths = client.get("/api/v1/openapi.json").json["paths"]
    documented = paths["/api/v1/batches/{batch_id}/trace"]["get"]["responses"]["200"]
    assert documented["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Trace"
    }


def test_openapi_documents_patch_put_and_the_status_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    for thing, key in (("products", "product_id"), ("sites", "site_id"), ("batches", "batch_id")):
        item = paths[f"/api/v1/{thing}/{{{key}}}"]
        put = item["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        patch = item["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        whole, partial = (schemas[ref.rsplit("/", 1)[1]] for ref in (put, patch))
        # A batch's PUT may also say why it corrects a labelled lot: not part of the lot.
        assert set(whole["required"]) == set(whole["properties"]) - {"reason"}
        assert "required" not in partial
        assert item["patch"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "/api/v1/batches/{batch_id}/status" not in paths
    for action in ("activate", "close"):
        answer = paths[f"/api/v1/batches/{{batch_id}}/{action}"]["post"]["responses"]["200"]
        assert answer["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Batch"
        }
