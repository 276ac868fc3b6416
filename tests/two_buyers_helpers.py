"""Two buyers of one lot (issue #18): A's lot shipped to enterprise X, which records its own
events and makes its own lot of it, then to Y. What Y may see of X's events is the test."""

from tests.tenancy_helpers import A, X, Y
from tests.trace_helpers import Farm, when


def build_two_buyers(client, world, headers) -> dict:
    """A's lot LOT-TWO sold to two buyers: shipped to X (invoice INV-XONLY-1), received by X
    (PO-XONLY-2), failed X's inspection (CERT-XONLY-3) and made by X into its lot
    LOT-XONLY-4; then shipped to Y (invoice INV-Y-TWO-5) and received by Y.

    Returns the lot's id and the ids of the events, by name.
    """
    farm_a = Farm(client, headers[A], world)
    farm_x = Farm(client, headers[X], world, org_key="ent_x")
    farm_y = Farm(client, headers[Y], world, org_key="ent_y")
    product = farm_a.product(name="Cà phê hai người mua")
    site = farm_a.site(name="Vùng hai người mua")
    lot = farm_a.batch(product["id"], lot_code="LOT-TWO")
    ids = {"harvest": farm_a.harvest(lot["id"], site["id"], days_ago=20)["id"]}
    ids["to_x"] = farm_a.ship(
        lot["id"],
        100,
        world["ent_x"],
        days_ago=10,
        reference={"type": "invoice", "id": "INV-XONLY-1"},
    )["id"]
    ids["x_receipt"] = farm_x.post(
        "/events",
        {
            "kind": "receiving",
            "event_time": when(9),
            "source_org_id": world["coop_a"],
            "reference": {"type": "po", "id": "PO-XONLY-2"},
            "lines": [{"batch_id": lot["id"], "quantity": 100}],
        },
    )["id"]
    ids["x_inspection"] = farm_x.post(
        "/events",
        {
            "kind": "inspection",
            "event_time": when(8),
            "result": "fail",
            "certificate": "CERT-XONLY-3",
            "lines": [{"batch_id": lot["id"]}],
        },
    )["id"]
    roasted = farm_x.product(name="Cà phê rang của X", standards=[])
    made = farm_x.transform(
        [(lot["id"], 50)],
        [{"product_id": roasted["id"], "quantity": 40, "lot_code": "LOT-XONLY-4"}],
        days_ago=7,
    )
    ids["x_transformation"] = made["id"]
    ids["to_y"] = farm_a.ship(
        lot["id"],
        200,
        world["ent_y"],
        days_ago=5,
        reference={"type": "invoice", "id": "INV-Y-TWO-5"},
    )["id"]
    ids["y_receipt"] = farm_y.post(
        "/events",
        {
            "kind": "receiving",
            "event_time": when(4),
            "source_org_id": world["coop_a"],
            "lines": [{"batch_id": lot["id"], "quantity": 200}],
        },
    )["id"]
    return {"batch_id": lot["id"], "events": ids}
