"""Lots that can always be completed (issue 26, item 1), and the link to the lots a packing
made (item 9).

An active lot's missing data (dates, growing areas, households) can be added, through the
API and the lot's form; the change is a chained revision. Once labels are printed, a change
is a correction: refused (409) without a reason, kept with its revision with one. A missing
expiry date comes from the product's shelf life, at creation and at harvest. The lot page's
checklist links each missing item to the form that fixes it.
"""

import io
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from registry.models import Organization
from tests.labels_helpers import png_bytes
from tests.trace_helpers import VIETNAM, local_time
from tests.web_helpers import messages, post, text
from trace.chain_models import BatchRevision
from trace.services.revisions import lots_off_record, verify_revisions

SHELF_LIFE = 365


def send(farm, method: str, path: str, body: dict):
    """A request of the farm's, answered in English (the messages the asserts read)."""
    headers = {**farm.headers, "Accept-Language": "en"}
    return farm.client.open(f"/api/v1{path}", method=method, json=body, headers=headers)


@pytest.fixture
def harvested(app, client, farm, world):
    """Factory: a lot harvested before anybody gave its households or dates, the way the
    lot page leads a new cooperative (product with a photo and a shelf life, address set)."""
    with app.app_context():
        db.session.get(Organization, farm.org_id).address = "Thôn 3, xã Đak Đoa, Gia Lai"
        db.session.commit()
    site = farm.site()

    def make(days_ago: int = 20) -> tuple[dict, dict]:
        product = farm.product(shelf_life_days=SHELF_LIFE)
        photo = client.put(
            f"/api/v1/products/{product['id']}/image",
            data={"image": (io.BytesIO(png_bytes()), "anh.png")},
            headers=farm.headers,
        )
        assert photo.status_code == 200, photo.json
        batch = farm.batch(
            product["id"], 1000, site_ids=[site["id"]], harvest_date=None, households=[]
        )
        farm.harvest(batch["id"], site["id"], days_ago=days_ago)
        return farm.get(f"/batches/{batch['id']}"), site

    return make


def harvest_day(days_ago: int) -> date:
    return (datetime.now(VIETNAM) - timedelta(days=days_ago)).date()


def revisions_of(app, batch_id: int) -> list[dict]:
    with app.app_context():
        return [
            revision.data
            for revision in db.session.scalars(
                select(BatchRevision)
                .where(BatchRevision.batch_id == batch_id)
                .order_by(BatchRevision.chain_seq)
            )
        ]


def test_an_active_lot_is_completed_then_labelled_and_corrected_with_a_reason(
    app, farm, world, harvested
):
    batch, _site = harvested(days_ago=20)
    path = f"/batches/{batch['id']}"
    assert batch["status"] == "active"
    # The harvest gave the missing expiry date: the harvest's day plus the shelf life.
    assert batch["expiry_date"] == (harvest_day(20) + timedelta(days=SHELF_LIFE)).isoformat()
    assert farm.get(f"{path}/completeness")["missing"] == ["households", "label"]

    # Active, the lot is still completed: its households are added (a chained revision).
    shares = [{"member_id": world["member_a"], "quantity": 1000}]
    completed = send(farm, "PATCH", path, {"households": shares})
    assert completed.status_code == 200, completed.json
    assert completed.json["households"] == shares
    assert farm.get(f"{path}/completeness")["missing"] == ["label"]
    # What the events fix stays refused, naming the field.
    assert "quantity" in send(farm, "PATCH", path, {"quantity": 900}).json["errors"]

    label = farm.post(f"{path}/label-prints", {"layout": "roll-50x30"})
    assert label["issued_label"] is True
    assert farm.get(f"{path}/completeness")["traced"] is True

    # Printed: a change is a correction, refused without its reason (409, naming the field).
    refused = send(farm, "PATCH", path, {"packing_date": "2026-11-20"})
    assert refused.status_code == 409, refused.json
    assert "reason" in refused.json["errors"]["packing_date"][0]
    assert farm.get(path)["packing_date"] is None
    reason = "Ngày đóng gói ghi sót khi in tem"
    before = len(revisions_of(app, batch["id"]))
    corrected = send(farm, "PATCH", path, {"packing_date": "2026-11-20", "reason": reason})
    assert corrected.status_code == 200, corrected.json
    assert corrected.json["packing_date"] == "2026-11-20"
    assert "reason" not in corrected.json

    data = revisions_of(app, batch["id"])
    assert data[-1]["packing_date"] == "2026-11-20"
    assert {revision.get("reason") for revision in data[before:]} == {reason}
    assert not any("reason" in revision for revision in data[:before])
    with app.app_context():
        assert verify_revisions(world["coop_a"]) is None  # the reason is under the chain hash
        assert lots_off_record([world["coop_a"]]) == []


def test_a_put_with_a_reason_corrects_and_a_closed_lot_is_not_edited(app, farm, harvested):
    batch, site = harvested()
    path = f"/batches/{batch['id']}"
    whole = {
        "product_id": batch["product_id"],
        "lot_code": None,
        "quantity": 1000,
        "harvest_date": None,
        "production_date": None,
        "packing_date": None,
        "expiry_date": batch["expiry_date"],
        "site_ids": [site["id"]],
        "households": [],
    }
    put = send(farm, "PUT", path, {**whole, "harvest_date": "2026-11-15"})
    assert put.status_code == 200, put.json
    assert put.json["harvest_date"] == "2026-11-15"
    closed = send(farm, "POST", f"{path}/close", {})
    assert closed.status_code == 200
    refused = send(farm, "PATCH", path, {"packing_date": "2026-11-20"})
    assert refused.status_code == 422 and "packing_date" in refused.json["errors"]


def test_expiry_defaults_to_the_packing_date_plus_the_shelf_life(farm):
    product = farm.product(shelf_life_days=SHELF_LIFE)
    packed = farm.batch(product["id"], packing_date="2026-11-20")
    assert packed["expiry_date"] == "2027-11-20"
    harvested = farm.batch(product["id"])  # harvest_date 2026-11-01
    assert harvested["expiry_date"] == "2027-11-01"
    given = farm.batch(product["id"], expiry_date="2027-01-31")
    assert given["expiry_date"] == "2027-01-31"
    none = farm.batch(farm.product(name="Cà phê rang")["id"])  # no shelf life, no default
    assert none["expiry_date"] is None


# The lot's page and form -----------------------------------------------------------------------


def test_the_lot_page_links_what_is_missing_and_its_form_completes_an_active_lot(
    app, world, login, farm, harvested
):
    batch, site = harvested()
    client = login(world["users"]["coop_a"])
    page = text(client.get(f"/trace/batches/{batch['id']}"))
    edit = f"/trace/batches/{batch['id']}/edit"
    households = re.search(r'<li class="missing" data-key="households">(.*?)</li>', page, re.S)
    assert households and f'href="{edit}#households"' in households.group(1)
    label = re.search(r'<li class="missing" data-key="label">(.*?)</li>', page, re.S)
    assert label and f'href="/trace/batches/{batch["id"]}/labels"' in label.group(1)
    assert 'id="edit-batch"' in page

    form = text(client.get(edit))
    assert 'id="completing"' in form and 'name="reason"' not in form
    values = {
        "product_id": str(batch["product_id"]),
        "lot_code": batch["lot_code"],
        "quantity": "1.000",
        "harvest_date": "",
        "production_date": "",
        "packing_date": "",
        "expiry_date": batch["expiry_date"],
        "site_ids": str(site["id"]),
        f"hh-{world['member_a']}": "1.000",
    }
    saved = post(client, edit, values)
    assert saved.status_code == 302, messages(saved)
    assert farm.get(f"/batches/{batch['id']}/completeness")["missing"] == ["label"]

    farm.post(f"/batches/{batch['id']}/label-prints", {"layout": "roll-50x30"})
    form = text(client.get(edit))
    assert 'name="reason"' in form
    corrected = {**values, "packing_date": "2026-11-20"}
    refused = post(client, edit, corrected)
    assert refused.status_code == 409
    assert "give its reason" in " ".join(messages(refused)) or "lý do" in text(refused)
    assert farm.get(f"/batches/{batch['id']}")["packing_date"] is None
    saved = post(client, edit, {**corrected, "reason": "Sót ngày đóng gói"})
    assert saved.status_code == 302, messages(saved)
    assert farm.get(f"/batches/{batch['id']}")["packing_date"] == "2026-11-20"
    assert revisions_of(app, batch["id"])[-1]["reason"] == "Sót ngày đóng gói"


def test_after_packing_the_message_links_to_the_new_lot(app, world, login, farm):
    site = farm.site()
    cherries = farm.batch(farm.product()["id"], 1000, site_ids=[site["id"]])
    farm.harvest(cherries["id"], site["id"])
    green = farm.product(name="Cà phê nhân đóng bao")
    client = login(world["users"]["coop_a"])
    path = f"/trace/batches/{cherries['id']}/events/transformation/new"
    form = {
        "event_time": local_time(1),
        "site_id": str(site["id"]),
        "transformation": "packing",
        f"in-{cherries['id']}": "1.000",
        "outputs.0.product_id": str(green["id"]),
        "outputs.0.quantity": "980",
    }
    response = post(client, path, form, follow_redirects=True)
    page = text(response)
    assert response.status_code == 200, messages(response)
    made = [b for b in farm.get("/batches") if b["product_id"] == green["id"]]
    assert len(made) == 1
    link = re.search(r'<p class="flash flash-success"[^>]*>(.*?)</p>', page, re.S)
    assert link, page[:2000]
    assert f'href="/trace/batches/{made[0]["id"]}"' in link.group(1)
    assert made[0]["lot_code"] in link.group(1)
