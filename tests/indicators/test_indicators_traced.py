"""The stored ``Batch.traced`` flag equals the live checklist after every kind of change."""

import io

from PIL import Image
from sqlalchemy import select, update

from core.extensions import db
from registry.models import Organization
from trace.models import Batch, Product
from trace.services.completeness import missing, refresh_traced


def png() -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 60)).save(buffer, "PNG")
    buffer.seek(0)
    return buffer


def flags(app) -> dict[int, bool]:
    """{batch id: stored flag}, after checking every flag against the live checklist."""
    with app.test_request_context():
        db.session.expire_all()
        stored = {}
        for batch in db.session.scalars(select(Batch).order_by(Batch.id)):
            lacking = [item.key for item in missing(batch)]
            assert batch.traced == (not lacking), (batch.id, batch.traced, lacking)
            stored[batch.id] = batch.traced
        return stored


def change(app, model, row_id, **values):
    """Edit a row through the ORM (as a service does) and commit."""
    with app.test_request_context():
        row = db.session.get(model, row_id)
        for key, value in values.items():
            setattr(row, key, value)
        db.session.commit()


def test_flag_follows_every_kind_of_change(app, client, farm, world):
    change(app, Organization, world["coop_a"], address="Thôn 3, xã Đak Đoa")
    product = farm.product()
    site = farm.site()
    lot = farm.batch(product["id"], 1000, site_ids=[site["id"]])["id"]
    assert flags(app) == {lot: False}  # a draft: no harvest, no image, no label
    farm.harvest(lot, site["id"])
    assert flags(app) == {lot: False}
    image = client.put(
        f"/api/v1/products/{product['id']}/image",
        data={"image": (png(), "anh.png")},
        headers=farm.headers,
    )
    assert image.status_code == 200
    assert flags(app) == {lot: False}  # still no label
    preview = client.get(f"/api/v1/batches/{lot}/label.png", headers=farm.headers)
    assert preview.status_code == 200
    assert flags(app) == {lot: False}  # a download issues no label
    label = client.post(
        f"/api/v1/batches/{lot}/label-prints", json={"layout": "roll-40x25"}, headers=farm.headers
    )
    assert label.status_code == 201
    assert flags(app) == {lot: True}

    change(app, Product, product["id"], image_path=None)  # product image removed
    assert flags(app) == {lot: False}
    change(app, Product, product["id"], image_path="back.jpg")
    assert flags(app) == {lot: True}

    path = f"/api/v1/products/{product['id']}"
    farm.client.patch(path, json={"standards": []}, headers=farm.headers)
    assert flags(app) == {lot: False}  # no standard, none declared
    body = {"standards": [{"kind": "organic", "certificate_number": "ORG-1"}]}
    response = client.patch(path, json=body, headers=farm.headers)
    assert response.status_code == 200, response.json
    assert flags(app) == {lot: True}  # standard added

    change(app, Organization, world["coop_a"], address=None)  # producer address removed
    assert flags(app) == {lot: False}
    change(app, Organization, world["coop_a"], address="Thôn 4")
    assert flags(app) == {lot: True}

    shipment = farm.ship(lot, 100, world["ent_x"])  # recipient recorded: still traced
    assert flags(app) == {lot: True}
    farm.post(f"/events/{shipment['id']}/corrections", {"reason": "Nhầm"}, expect=201)
    assert flags(app) == {lot: True}
    harvest = farm.get(f"/events?batch_id={lot}&kind=harvest")[0]
    farm.post(f"/events/{harvest['id']}/corrections", {"reason": "Sai ngày"}, expect=201)
    assert flags(app) == {lot: False}  # its only harvest declared erroneous


def test_a_shipment_without_recipient_and_bulk_writes(app, farm, world):
    change(app, Organization, world["coop_a"], address="Thôn 3")
    product = farm.product()
    site = farm.site()
    lot = farm.batch(product["id"], 1000, site_ids=[site["id"]])["id"]
    farm.harvest(lot, site["id"])
    change(app, Product, product["id"], image_path="a.jpg")
    change(app, Batch, lot, label_issued_at=db.func.now())
    assert flags(app) == {lot: True}
    shipment = farm.ship(lot, 100, world["ent_x"])
    with app.test_request_context():
        # A write around the ORM (as a bulk import does) leaves the flag stale…
        from trace.models import TraceEvent

        db.session.execute(
            update(TraceEvent)
            .where(TraceEvent.id == shipment["id"])
            .values(destination_org_id=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        assert db.session.get(Batch, lot).traced is True
        # …until the bulk path calls refresh_traced, as the EPCIS capture does.
        assert refresh_traced(event_ids=[shipment["id"]]) == 1
        db.session.commit()
    assert flags(app) == {lot: False}


def test_refresh_command_back_fills(app, runner, farm, world):
    change(app, Organization, world["coop_a"], address="Thôn 3")
    product = farm.product()
    site = farm.site()
    lots = [farm.batch(product["id"], 10, site_ids=[site["id"]])["id"] for _n in range(3)]
    for lot in lots:
        farm.harvest(lot, site["id"])
    change(app, Product, product["id"], image_path="a.jpg")
    change(app, Batch, lots[0], label_issued_at=db.func.now())
    with app.test_request_context():
        db.session.execute(update(Batch).values(traced=True))  # stale: as after a raw import
        db.session.commit()
    result = runner.invoke(args=["trace", "refresh-traced", "--chunk", "2"])
    assert result.exit_code == 0, result.output
    assert "3 batches" in result.output
    assert flags(app) == {lots[0]: True, lots[1]: False, lots[2]: False}


def test_epcis_capture_refreshes_the_flag(app, farm, world):
    """The capture writes event lines around the ORM (COPY on PostgreSQL), then refreshes."""
    from tests.epcis.capture_helpers import base, capture, document, object_event

    change(app, Organization, world["coop_a"], address="Thôn 3")
    product = farm.product()
    site = farm.site()
    lot = farm.batch(product["id"], 1000, site_ids=[site["id"]])
    change(app, Product, product["id"], image_path="a.jpg")
    change(app, Batch, lot["id"], label_issued_at=db.func.now())
    # Active, but its only harvest declared erroneous: the capture's harvest changes no
    # batch row through the ORM, so only the capture's own refresh can set the flag.
    first = farm.harvest(lot["id"], site["id"], quantity=400)
    assert flags(app) == {lot["id"]: True}
    farm.post(f"/events/{first['id']}/corrections", {"reason": "Sai lô"}, expect=201)
    assert flags(app) == {lot["id"]: False}
    uri = f"{base(app)}/q/{lot['public_code']}"
    place = {"readPoint": {"id": f"{base(app)}/l/{site['code']}"}}
    place["bizLocation"] = place["readPoint"]
    harvest = object_event("commissioning", uri, 600, days_ago=5, action="ADD", **place)
    assert capture(farm.client, farm.headers, document([harvest]), 201)["stored"] == 1
    assert flags(app) == {lot["id"]: True}
