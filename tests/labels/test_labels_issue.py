"""Issuing labels: incomplete batches, minting many units, unit counts, scoping, the first
print job (a POST) issuing the label and freezing what it shows — downloads issue nothing —,
layout choices.
"""

import pytest
from sqlalchemy import func, select

import labels
from core.extensions import db
from registry.models import User
from tests import labels_helpers
from tests.labels_helpers import decode_pdf, label_issued, pdf_pages, pdf_text, stored_unit_uris
from tests.trace_helpers import GTIN
from trace.models import Batch, UnitCode

# The fixtures of tests/labels_helpers.py: a batch complete but for its label, the decoders.
complete_batch = labels_helpers.complete_batch
zxing = labels_helpers.zxing


def test_incomplete_batch_gets_no_label_and_names_what_is_missing(app, client, farm):
    product = farm.product(gtin=GTIN)
    batch = farm.batch(product["id"], 100)
    report = farm.get(f"/batches/{batch['id']}/completeness")
    wanted = [i["label"] for i in report["checklist"] if not i["ok"] and i["key"] != "label"]
    assert wanted
    base = f"/api/v1/batches/{batch['id']}"
    for response in (
        client.get(f"{base}/label.png", headers=farm.headers),
        client.get(f"{base}/label.svg", headers=farm.headers),
        client.get(f"{base}/labels.pdf?layout=a4-4x10", headers=farm.headers),
        client.post(f"{base}/units", json={"count": 5}, headers=farm.headers),
        client.post(f"{base}/label-prints", json={"layout": "a4-4x10"}, headers=farm.headers),
    ):
        assert response.status_code == 422, response.json
        assert response.json["errors"]["batch"] == wanted
    assert label_issued(app, batch["id"]) is None
    with app.app_context():
        assert db.session.scalar(select(func.count(UnitCode.id))) == 0


def test_minting_2000_units_gives_2000_codes_and_one_pdf(
    app, client, farm, complete_batch, zxing, tmp_path
):
    batch = complete_batch()
    minted = farm.post(f"/batches/{batch['id']}/units", {"count": 2000})
    assert (minted["first_serial"], minted["last_serial"]) == ("1", "2000")
    with app.app_context():
        rows = db.session.execute(
            select(UnitCode.serial, UnitCode.public_code).where(UnitCode.batch_id == batch["id"])
        ).all()
        batch_codes = set(db.session.scalars(select(Batch.public_code)))
    assert len(rows) == 2000 and len({r.public_code for r in rows}) == 2000
    assert {r.serial for r in rows} == {str(n) for n in range(1, 2001)}
    assert not batch_codes & {r.public_code for r in rows}
    response = client.get(
        f"/api/v1/batches/{batch['id']}/labels.pdf?layout=a4-4x10&units=all", headers=farm.headers
    )
    assert response.status_code == 200
    assert pdf_pages(response.data, tmp_path) == 50  # 2,000 labels, 40 a page
    assert pdf_text(response.data, tmp_path).count("Số: ") == 2000
    last_page = decode_pdf(zxing, response.data, tmp_path, first=50, last=50)
    stored = stored_unit_uris(app, batch["id"])
    assert sorted(int(stored[uri][1]) for uri in last_page) == list(range(1961, 2001))
    more = farm.post(f"/batches/{batch['id']}/units", {"count": 5})
    assert (more["first_serial"], more["last_serial"]) == ("2001", "2005")
    listed = client.get(f"/api/v1/batches/{batch['id']}/units?page_size=3", headers=farm.headers)
    assert [u["serial"] for u in listed.json] == ["1", "2", "3"]
    assert listed.json[0]["uri"].endswith("/21/1")


@pytest.mark.parametrize("count", [0, 10_001, -1, "12", 2.5, True, None])
def test_unit_count_out_of_range_is_refused_on_the_field(client, farm, complete_batch, count):
    batch = complete_batch()
    body = {} if count is None else {"count": count}
    response = client.post(f"/api/v1/batches/{batch['id']}/units", json=body, headers=farm.headers)
    assert response.status_code == 422
    assert "count" in response.json["errors"]


def test_scoping_other_cooperative_department_enterprise(
    app, client, world, farm, complete_batch, token_for
):
    batch = complete_batch()
    base = f"/api/v1/batches/{batch['id']}"
    coop_b = token_for(world["users"]["coop_b"])
    department = token_for(world["users"]["department"])
    enterprise = token_for(world["users"]["ent_x"])
    for headers in (coop_b, enterprise):
        assert client.get(f"{base}/label.png", headers=headers).status_code == 404
        assert client.get(f"{base}/labels.pdf?layout=a4-3x8", headers=headers).status_code == 404
        assert client.post(f"{base}/units", json={"count": 1}, headers=headers).status_code == 404
        assert client.get(f"{base}/units", headers=headers).status_code == 404
    assert client.get(f"{base}/label.svg", headers=department).status_code == 200
    assert label_issued(app, batch["id"]) is None  # viewing is not issuing
    refused = client.post(f"{base}/units", json={"count": 1}, headers=department)
    assert refused.status_code == 403
    prints = f"{base}/label-prints"
    assert client.post(prints, json={"layout": "a4-3x8"}, headers=department).status_code == 403
    for headers in (coop_b, enterprise):
        assert client.post(prints, json={"layout": "a4-3x8"}, headers=headers).status_code == 404
    assert label_issued(app, batch["id"]) is None
    assert client.get(f"{base}/label.png").status_code == 401


def test_only_a_print_job_issues_the_label(app, client, world, farm, complete_batch):
    batch = complete_batch()
    base = f"/api/v1/batches/{batch['id']}"
    with app.test_request_context():
        user = db.session.get(User, world["users"]["coop_a"])
        preview = labels.label_png(user, batch["id"], dpi=150)
        assert preview.startswith(b"\x89PNG")
        db.session.commit()
    for _twice in range(2):  # downloads are GETs: they change nothing
        for url in ("labels.pdf?layout=roll-50x30", "label.png", "label.svg"):
            assert client.get(f"{base}/{url}", headers=farm.headers).status_code == 200
    assert label_issued(app, batch["id"]) is None
    report = farm.get(f"/batches/{batch['id']}/completeness")
    assert report["missing"] == ["label"] and report["traced"] is False
    job = farm.post(f"/batches/{batch['id']}/label-prints", {"layout": "roll-50x30"})
    assert job["issued_label"] is True
    first = label_issued(app, batch["id"])
    assert first is not None
    assert farm.get(f"/batches/{batch['id']}/completeness")["traced"] is True
    again = farm.post(f"/batches/{batch['id']}/label-prints", {"layout": "a4-3x8"})
    assert again["issued_label"] is False
    assert label_issued(app, batch["id"]) == first


@pytest.mark.parametrize(
    ("field", "value"),
    [("lot_code", "LOT-NEW-1"), ("expiry_date", "2028-01-31"), ("harvest_date", None)],
)
def test_what_a_printed_label_shows_cannot_be_changed(client, farm, complete_batch, field, value):
    batch = complete_batch()
    printed = client.post(
        f"/api/v1/batches/{batch['id']}/label-prints",
        json={"layout": "roll-50x30"},
        headers=farm.headers,
    )
    assert printed.status_code == 201
    body = {
        "product_id": batch["product_id"],
        "quantity": 500,
        "lot_code": batch["lot_code"],
        "harvest_date": "2026-11-01",
        "production_date": None,
        "packing_date": "2026-11-20",
        "expiry_date": "2027-11-20",
        "site_ids": batch["site_ids"],
        "households": [{"member_id": farm.world["member_a"], "quantity": 500}],
    }
    path = f"/api/v1/batches/{batch['id']}"
    for method, sent in (("PUT", {**body, field: value}), ("PATCH", {field: value})):
        response = client.open(path, method=method, json=sent, headers=farm.headers)
        assert response.status_code == 409, (method, response.json)
        assert list(response.json["errors"]) == [field]
        assert field in response.json["errors"][field][0]
    assert farm.get(f"/batches/{batch['id']}")[field] == batch[field]


def test_layouts_listed_and_bad_choices_refused(client, farm, complete_batch):
    listed = farm.get("/labels/layouts")
    assert [layout["key"] for layout in listed] == [
        "a4-3x8",
        "a4-4x10",
        "roll-50x30",
        "roll-40x25",
    ]
    assert listed[0]["per_page"] == 24 and listed[1]["per_page"] == 40
    batch = complete_batch()
    base = f"/api/v1/batches/{batch['id']}"
    for url, field in (
        (f"{base}/labels.pdf?layout=a5", "layout"),
        (f"{base}/labels.pdf", "layout"),
        (f"{base}/labels.pdf?layout=a4-3x8&units=some", "units"),
        (f"{base}/labels.pdf?layout=a4-3x8&copies=0", "copies"),
        (f"{base}/label.png?dpi=1200", "dpi"),
    ):
        response = client.get(url, headers=farm.headers)
        assert response.status_code == 422 and field in response.json["errors"], url
    no_units = client.get(f"{base}/labels.pdf?layout=a4-3x8&units=all", headers=farm.headers)
    assert no_units.status_code == 422 and "units" in no_units.json["errors"]
