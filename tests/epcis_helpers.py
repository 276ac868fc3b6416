"""Helpers for the EPCIS tests: EPCIS 2.0 validity (the project's rules, and GS1's schema from
../shared/standards when it is there), and a traced supply chain."""

import json
from pathlib import Path

from epcis.capture.validation import validation_problems
from tests.missing import unavailable
from tests.trace_helpers import GTIN, when

PROJECT = Path(__file__).resolve().parents[1]
STANDARDS = PROJECT.parent / "shared" / "standards" / "epcis"
SCHEMA = STANDARDS / "EPCIS-JSON-Schema.json"
EXAMPLES = STANDARDS / "examples"


def require_standards() -> None:
    """Skip (locally) or fail (when CI is set) if GS1's schema is not in the shared folder."""
    if SCHEMA.is_file():
        return
    unavailable(f"GS1's EPCIS JSON schema not found at {SCHEMA}")


def reference_validator():
    """GS1's schema in the reference Python implementation (jsonschema, formats checked).

    The service validates with jsonschema-rs; the tests check its verdicts against this one.
    """
    from jsonschema import Draft7Validator

    require_standards()
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def schema_errors(document: dict) -> list[str]:
    """What is wrong with ``document`` as EPCIS 2.0 (empty when valid): by the project's own
    validation, which needs no file, and by GS1's schema too where ../shared holds it."""
    found = [f"{field}: {message}" for _index, field, message in validation_problems(document)]
    if SCHEMA.is_file():
        found += [
            f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}"
            for error in reference_validator().iter_errors(document)
        ]
    return found


def supply_chain(farm, buyer, world) -> dict:
    """Coop A's lots through harvest, input, two transformations, shipment, receipt,
    inspection and a corrected shipment, made through the API; ids by name."""
    cherry = farm.product(name="Cà phê quả tươi", gtin=GTIN)
    green = farm.product(name="Cà phê nhân xanh")
    roasted = farm.product(name="Cà phê rang xay", shelf_life_days=365)
    site = farm.site()
    cherries = farm.batch(cherry["id"], 5000, lot_code="CF-26-001")
    farm.post(
        "/events",
        {
            "kind": "input_applied",
            "event_time": when(30),
            "site_id": site["id"],
            "lines": [{"batch_id": cherries["id"]}],
            "input_name": "NPK 16-16-8",
            "dose": 2.5,
            "dose_unit": "kg/ha",
            "pre_harvest_interval_days": 14,
        },
    )
    harvest = farm.harvest(cherries["id"], site["id"], days_ago=20)
    to_green = farm.transform(
        [(cherries["id"], 5000)], [{"product_id": green["id"], "quantity": 1000}], days_ago=15
    )
    green_id = to_green["lines"][1]["batch_id"]
    to_roasted = farm.transform(
        [(green_id, 1000)],
        [
            {"product_id": roasted["id"], "quantity": 400, "expiry_date": "2027-12-31"},
            {"product_id": roasted["id"], "quantity": 400, "expiry_date": "2027-12-31"},
        ],
        how="splitting",
        days_ago=12,
    )
    roasted_ids = [ln["batch_id"] for ln in to_roasted["lines"] if ln["role"] == "output"]
    shipment = farm.ship(
        roasted_ids[0],
        400,
        world["ent_x"],
        days_ago=5,
        reference={"type": "contract", "id": "HĐ-01/2026"},
    )
    receipt = buyer.post(
        "/events",
        {
            "kind": "receiving",
            "event_time": when(4),
            "source_org_id": world["coop_a"],
            "lines": [{"batch_id": roasted_ids[0], "quantity": 400}],
            "reference": {"type": "contract", "id": "HĐ-01/2026"},
        },
    )
    inspection = farm.post(
        "/events",
        {
            "kind": "inspection",
            "event_time": when(3),
            "lines": [{"batch_id": roasted_ids[1]}],
            "result": "pass",
            "certificate": "VG-52-0001",
        },
    )
    wrong = farm.ship(roasted_ids[1], 150, world["ent_y"], days_ago=2)
    correction = farm.post(f"/events/{wrong['id']}/corrections", {"reason": "Nhập nhầm người mua"})
    return {
        "site": site,
        "cherries": cherries["id"],
        "green": green_id,
        "roasted": roasted_ids,
        "harvest": harvest["id"],
        "shipment": shipment["id"],
        "receipt": receipt["id"],
        "inspection": inspection["id"],
        "wrong": wrong["id"],
        "correction": correction["id"],
    }
