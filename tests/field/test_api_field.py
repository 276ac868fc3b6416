"""The field app's batch submit: each record judged alone, stored once per key, refusals
with their reason and nothing half-stored; reference data; photos; session or token."""

import json
import threading

from sqlalchemy import func, select

from core.extensions import db
from field.models import FieldPhoto, FieldRecord
from files.models import StoredFile
from tests.conftest import csrf_token, row_count
from tests.field.conftest import harvest, input_applied, inspection, new_key, photo_data
from tests.trace_helpers import when
from trace.models import Batch, TraceEvent

PATH = "/api/v1/field/records"


def send(client, headers, *records, expect=200):
    response = client.post(PATH, json={"records": list(records)}, headers=headers)
    assert response.status_code == expect, response.json
    return response.json


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return row_count(TraceEvent), row_count(Batch), row_count(FieldRecord)


def test_three_kinds_stored_with_photo_and_offset(app, client, world, field, token_for):
    headers = token_for(world["users"]["coop_a"])
    before = counts(app)
    records = [
        harvest(field, world, photo=photo_data()),
        input_applied(field),
        inspection(field, photo=photo_data(color=(10, 150, 60))),
    ]
    results = send(client, headers, *records)["results"]
    assert [r["status"] for r in results] == ["stored"] * 3, results
    assert [r["key"] for r in results] == [r["key"] for r in records]
    assert results[0]["lot_code"] and results[0]["batch_id"]
    assert results[2]["batch_id"] == field["lot"]
    assert counts(app) == (before[0] + 3, before[1] + 1, before[2] + 3)
    with app.app_context():
        new_lot = db.session.get(Batch, results[0]["batch_id"])
        assert new_lot.status.value == "active" and str(new_lot.quantity) == "120.500"
        assert [h.member_id for h in new_lot.households] == [world["member_a"]]
        event = db.session.get(TraceEvent, results[2]["event_id"])
        assert event.time_zone_offset == "+07:00"  # the phone's offset is kept
        assert event.epcis["htx:note"] == "Quả chín đều, không sâu bệnh"
        assert event.recorded_at is not None  # when the server received it
        photos = db.session.scalars(select(FieldPhoto)).all()
        assert {p.event_id for p in photos} == {results[0]["event_id"], results[2]["event_id"]}
        assert not any(p.public for p in photos)
        applied = db.session.get(TraceEvent, results[1]["event_id"])
        assert applied.epcis["htx:preHarvestIntervalDays"] == 7


def test_a_key_is_stored_once_however_often_it_arrives(app, client, world, field, token_for):
    headers = token_for(world["users"]["coop_a"])
    records = [harvest(field, world), input_applied(field), inspection(field)]
    first = send(client, headers, *records)["results"]
    before = counts(app)
    again = send(client, headers, *records)["results"]
    assert counts(app) == before
    assert [r["replayed"] for r in again] == [True] * 3
    assert [r["event_id"] for r in again] == [r["event_id"] for r in first]
    # The same key twice in one batch: stored once, the second answers the first.
    record = inspection(field, key=new_key(), event_time=when(0.03))
    twice = send(client, headers, record, record)
    assert [r["status"] for r in twice["results"]] == ["stored", "stored"]
    assert twice["results"][1]["replayed"] and counts(app)[0] == before[0] + 1


def test_keys_belong_to_their_user(app, client, world, field, token_for, make_user):
    other = make_user("cooperative", world["coop_a"])
    record = inspection(field)
    send(client, token_for(world["users"]["coop_a"]), record)
    # The same key from another user is that user's own record.
    mine = {**record, "event_time": when(0.04)}
    result = send(client, token_for(other), mine)["results"][0]
    assert result["status"] == "stored" and not result["replayed"]


def test_one_refusal_does_not_block_the_others(app, client, world, field, token_for):
    headers = token_for(world["users"]["coop_a"])
    before = counts(app)
    records = [
        inspection(field),
        harvest(field, world, product_id=999999),  # no such product
        {"key": new_key(), "kind": "inspection", "event_time": "not a time"},
        input_applied(field, input_name=None, lot_id=None),
        harvest(field, world, households=[{"member_id": world["member_a"], "quantity": 5}]),
        inspection(field, event_time="2099-01-01T08:00:00+07:00"),
        inspection(field, photo="data:image/jpeg;base64,bm90IGFuIGltYWdl", event_time=when(0.3)),
        input_applied(field),
    ]
    results = send(client, headers, *records)["results"]
    assert [r["status"] for r in results] == ["stored"] + ["refused"] * 6 + ["stored"]
    assert results[1]["status_code"] in (404, 422) and "product_id" in results[1]["errors"]
    assert results[2]["status_code"] == 422 and "event_time" in results[2]["errors"]
    assert {"input_name", "lot_id"} <= set(results[3]["errors"])
    assert "households" in results[4]["errors"]
    assert "event_time" in results[5]["errors"]
    assert "photo" in results[6]["errors"]
    assert all(r["message"] for r in results[1:7])
    # Nothing of a refused record is stored: not its lot, not its key, not its photo.
    assert counts(app) == (before[0] + 2, before[1], before[2] + 2)
    with app.app_context():
        assert row_count(FieldPhoto) == 0 and row_count(StoredFile) == 0


def test_a_closed_lot_refuses_then_the_corrected_record_is_stored(
    app, client, world, field, token_for
):
    headers = token_for(world["users"]["coop_a"])
    farm = field["farm"]
    record = inspection(field)  # made on the phone while the lot was open
    farm.post(f"/batches/{field['lot']}/close", {}, expect=200)
    before = counts(app)
    refused = send(client, headers, record)["results"][0]
    assert refused["status"] == "refused" and refused["status_code"] == 409
    lot_code = farm.get(f"/batches/{field['lot']}")["lot_code"]
    assert "lot_id" in refused["errors"] and lot_code in refused["errors"]["lot_id"][0]
    assert counts(app) == before
    # Corrected on the phone (another, open lot) and sent again under the same key.
    other = farm.batch(field["product"], quantity=50)
    farm.harvest(other["id"], field["site"])
    stored = send(client, headers, {**record, "lot_id": other["id"]})["results"][0]
    assert stored["status"] == "stored" and stored["batch_id"] == other["id"]
    assert not stored["replayed"]


def test_refusals_name_the_batch_fields(client, world, field, token_for):
    headers = token_for(world["users"]["coop_a"])
    assert "records" in send(client, headers, expect=422)["errors"]
    too_many = [inspection(field) for _ in range(31)]
    assert "records" in send(client, headers, *too_many, expect=422)["errors"]
    big = inspection(field, photo="data:image/jpeg;base64," + "A" * 300_000)
    assert "photo" in send(client, headers, big)["results"][0]["errors"]


def test_authentication(app, client, world, field, token_for, login):
    record = inspection(field)
    assert client.post(PATH, json={"records": [record]}).status_code == 401
    department = token_for(world["users"]["department"])
    refused = client.post(PATH, json={"records": [record]}, headers=department)
    assert refused.status_code == 403
    # The web session works with the CSRF token the reference data hands out.
    web = login(world["users"]["coop_a"])
    assert web.post(PATH, json={"records": [record]}).status_code == 403
    reference = web.get("/api/v1/field/reference")
    assert reference.status_code == 200 and reference.json["csrf_token"]
    token = {"X-CSRFToken": reference.json["csrf_token"]}
    result = web.post(PATH, json={"records": [record]}, headers=token).json["results"][0]
    assert result["status"] == "stored"
    # Another cooperative cannot record on this lot.
    other = send(client, token_for(world["users"]["coop_b"]), inspection(field))["results"][0]
    assert other["status"] == "refused" and other["status_code"] == 404
    assert csrf_token  # imported for the login fixture's form


def test_reference_data(client, world, field, token_for):
    farm = field["farm"]
    closed = farm.batch(field["product"], quantity=10)
    farm.harvest(closed["id"], field["site"])
    farm.post(f"/batches/{closed['id']}/close", {}, expect=200)
    data = client.get("/api/v1/field/reference", headers=token_for(world["users"]["coop_a"]))
    assert data.status_code == 200
    body = data.json
    assert [p["id"] for p in body["products"]] == [field["product"]]
    assert [s["id"] for s in body["sites"]] == [field["site"]]
    assert [h["id"] for h in body["households"]] == [world["member_a"]]
    assert [lot["id"] for lot in body["lots"]] == [field["lot"]]  # open lots only
    assert body["refreshed_at"] and body["csrf_token"] is None
    assert data.headers["Cache-Control"] == "private, no-store"


def test_two_tabs_at_once_store_each_record_once(app, world, field, token_for, is_postgres):
    headers = token_for(world["users"]["coop_a"])
    records = [harvest(field, world), input_applied(field), inspection(field)]
    before = counts(app)
    answers, start = [], threading.Barrier(3)

    def tab():
        client = app.test_client()
        start.wait()
        answers.append(client.post(PATH, json={"records": records}, headers=headers))

    threads = [threading.Thread(target=tab) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200] * 3, [a.json for a in answers]
    events = {tuple(r["event_id"] for r in a.json["results"]) for a in answers}
    assert len(events) == 1 and None not in next(iter(events))
    assert counts(app) == (before[0] + 3, before[1] + 1, before[2] + 3)
    with app.app_context():
        keys = db.session.scalar(select(func.count(func.distinct(FieldRecord.key))))
        assert keys == 3
    assert json  # results are JSON
