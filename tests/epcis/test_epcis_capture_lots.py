"""EPCIS capture creates lots the EPCIS way: a TransformationEvent's outputs and an ObjectEvent
ADD with ilmd that name an unknown lot of the capturing organization; a lot of another
organization is refused, naming the event and the field."""

from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from tests.epcis.capture_helpers import base, capture, counts, document, object_event
from tests.trace_helpers import GTIN, when
from trace.models import Batch

OTHER_GTIN = "09520123456795"


def _lots(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Batch.id)))


def _batch(app, **where) -> Batch | None:
    with app.app_context():
        batch = db.session.scalar(select(Batch).filter_by(**where))
        if batch is not None:
            db.session.expunge(batch)
        return batch


def _place(app, site) -> dict:
    place = {"readPoint": {"id": f"{base(app)}/l/{site['code']}"}}
    return place | {"bizLocation": place["readPoint"]}


def _harvest(app, site, uri, quantity, ilmd, days_ago=5) -> dict:
    return object_event(
        "commissioning",
        uri,
        quantity,
        days_ago=days_ago,
        action="ADD",
        ilmd=ilmd,
        **_place(app, site),
    )


def _transformation(app, site, inputs, outputs, ilmd=None, days_ago=3) -> dict:
    event = {
        "type": "TransformationEvent",
        "eventTime": when(days_ago),
        "eventTimeZoneOffset": "+07:00",
        "bizStep": "commissioning",
        "inputQuantityList": [{"epcClass": u, "quantity": q, "uom": "KGM"} for u, q in inputs],
        "outputQuantityList": [{"epcClass": u, "quantity": q, "uom": "KGM"} for u, q in outputs],
        **_place(app, site),
    }
    return event | ({"ilmd": ilmd} if ilmd else {})


def test_a_harvest_with_ilmd_creates_the_lot_of_its_gtin(app, farm, world):
    site = farm.site()
    product = farm.product(name="Cà phê quả tươi", gtin=GTIN)
    uri = f"https://id.gs1.org/01/{GTIN}/10/CF-NEW-01"
    ilmd = {
        "cbvmda:lotNumber": "CF-NEW-01",
        "cbvmda:harvestStartDate": "2026-11-20",
        "cbvmda:itemExpirationDate": "2027-11-20",
    }
    harvest = _harvest(app, site, uri, 800, ilmd)
    # Half of it shipped, then more than is left: quantities are checked as for any lot.
    ship = {"destinationList": [{"type": "owning_party", "destination": f"{base(app)}/p/3"}]}
    ship["destinationList"][0]["destination"] = f"{base(app)}/p/{world['ent_x']}"
    half = object_event("shipping", uri, 400, days_ago=2, **ship)
    over = object_event("shipping", uri, 400.5, days_ago=1, **ship)
    before = _lots(app)
    refused = capture(farm.client, farm.headers, document([harvest, half, over]), 422)
    assert [p["index"] for p in refused["events"]] == [2], refused["events"]
    assert _lots(app) == before  # refused whole: the lot is not kept either
    report = capture(farm.client, farm.headers, document([harvest, half]), 201)
    assert report == {"stored": 2, "duplicates": 0, "lots_created": 1}
    batch = _batch(app, lot_code="CF-NEW-01")
    assert batch.product_id == product["id"] and batch.organization_id == world["coop_a"]
    assert batch.quantity == 800 and batch.status.value == "active"
    assert (batch.harvest_date, batch.expiry_date) == (date(2026, 11, 20), date(2027, 11, 20))
    assert farm.get(f"/batches/{batch.id}")["lot_code"] == "CF-NEW-01"
    # Sent again: duplicates, and no second lot.
    again = capture(farm.client, farm.headers, document([harvest, half]), 200)
    assert again == {"stored": 0, "duplicates": 2}
    assert _lots(app) == before + 1


def test_a_transformation_creates_its_outputs_with_master_data_from_ilmd(app, farm, world):
    site = farm.site()
    cherry = farm.product(name="Cà phê quả tươi")
    green = farm.product(name="Cà phê nhân xanh")
    cherries = farm.batch(cherry["id"], 1000)
    farm.harvest(cherries["id"], site["id"])
    code = "7Q2M4K8P0RXZA"  # a /q/ code of ours not yet in use
    out = f"{base(app)}/q/{code}"
    ilmd = {
        "cbvmda:lotNumber": "GX-26-07",
        "cbvmda:productionDate": "2026-12-01",
        "cbvmda:itemExpirationDate": "2028-12-01",
        "htx:product": f"{base(app)}/api/v1/products/{green['id']}",
    }
    made = _transformation(
        app, site, [(f"{base(app)}/q/{cherries['public_code']}", 900)], [(out, 300)], ilmd
    )
    report = capture(farm.client, farm.headers, document([made], {"htx": f"{base(app)}/ns/"}), 201)
    assert report["lots_created"] == 1
    batch = _batch(app, public_code=code)
    assert (batch.lot_code, batch.product_id, batch.quantity) == ("GX-26-07", green["id"], 300)
    assert batch.production_date == date(2026, 12, 1) and batch.expiry_date == date(2028, 12, 1)
    assert batch.status.value == "active"
    trace = farm.get(f"/batches/{cherries['id']}/trace?direction=forward")
    assert {b["id"] for b in trace["batches"]} == {cherries["id"], batch.id}


def test_a_lot_of_another_organizations_product_is_refused(app, farm, world, client, token_for):
    from tests.trace_helpers import Farm

    other = Farm(client, token_for(world["users"]["coop_b"]), world, org_key="coop_b")
    other.product(name="Hồ tiêu đen", gtin=OTHER_GTIN)
    site = farm.site()
    mine = farm.batch(farm.product(name="Cà phê quả tươi")["id"], 500)
    farm.harvest(mine["id"], site["id"])
    theirs = f"https://id.gs1.org/01/{OTHER_GTIN}/10/HT-01"
    made = _transformation(
        app, site, [(f"{base(app)}/q/{mine['public_code']}", 100)], [(theirs, 50)]
    )
    commissioned = _harvest(app, site, theirs, 50, {"cbvmda:lotNumber": "HT-01"})
    before, lots = counts(app), _lots(app)
    refused = capture(farm.client, farm.headers, document([made, commissioned]), 422)
    assert [(p["index"], p["field"]) for p in refused["events"]] == [
        (0, "eventList[0].outputQuantityList[0].epcClass"),
        (1, "eventList[1].quantityList[0].epcClass"),
    ]
    assert all("another organization" in p["message"] for p in refused["events"])
    assert (counts(app), _lots(app)) == (before, lots)


def test_what_capture_cannot_create_is_refused_where_the_event_names_it(app, farm, world):
    site = farm.site()
    farm.product(name="Cà phê quả tươi", gtin=GTIN)
    plain = farm.product(name="Hồ tiêu")
    unknown_gtin = _harvest(
        app, site, f"https://id.gs1.org/01/{OTHER_GTIN}/10/X1", 10, {"cbvmda:countryOfOrigin": "VN"}
    )
    no_product = _harvest(app, site, f"{base(app)}/q/7Q2M4K8P0RXZB", 10, {"cbvmda:lotNumber": "A"})
    bad_date = _harvest(
        app, site, f"https://id.gs1.org/01/{GTIN}/10/X2", 10, {"cbvmda:itemExpirationDate": "x"}
    )
    future = _harvest(
        app,
        site,
        f"{base(app)}/q/7Q2M4K8P0RXZC",
        10,
        {"cbvmda:harvestStartDate": "2099-01-01", "cbvmda:product": "-"}
        | {f"{base(app)}/ns/product": f"{base(app)}/api/v1/products/{plain['id']}"},
    )
    # Not a creating position: a shipment of a lot nobody made stays an unknown lot.
    shipped = object_event("shipping", f"https://id.gs1.org/01/{GTIN}/10/X3", 1)
    before = _lots(app)
    sent = document([unknown_gtin, no_product, bad_date, future, shipped])
    refused = capture(farm.client, farm.headers, sent, 422)
    found = {(p["index"], p["field"]): p["message"] for p in refused["events"]}
    assert len(found) == len(refused["events"]) == 5
    assert "No product here has GTIN" in found[(0, "eventList[0].quantityList[0].epcClass")]
    assert "Name its product in ilmd" in found[(1, "eventList[1].quantityList[0].epcClass")]
    assert (2, "eventList[2].ilmd.cbvmda:itemExpirationDate") in found
    assert "future" in found[(3, "eventList[3].ilmd")]
    assert "Unknown lot" in found[(4, "eventList[4].quantityList[0].epcClass")]
    assert _lots(app) == before
