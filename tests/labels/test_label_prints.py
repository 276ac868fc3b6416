"""Print jobs (POST /batches/{id}/label-prints): what they record, the label they issue, their
PDF downloaded again, their list, refusals naming the field, and the web print page's own."""

from datetime import datetime

import pytest
from sqlalchemy import func, select

from core.extensions import db
from labels.models import LabelPrint
from tests import labels_helpers
from tests.conftest import csrf_token
from tests.labels_helpers import decode_pdf, label_issued, stored_unit_uris
from trace.models import Batch
from trace.services.uris import public_uri

complete_batch = labels_helpers.complete_batch
zxing = labels_helpers.zxing


def prints_path(batch: dict) -> str:
    return f"/batches/{batch['id']}/label-prints"


def print_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LabelPrint.id)))


def lot_uri(app, batch_id: int) -> str:
    with app.app_context():
        return public_uri(db.session.get(Batch, batch_id))


def test_a_print_job_records_who_what_and_issues_the_label(
    app, client, world, farm, complete_batch, zxing, tmp_path
):
    batch = complete_batch()
    response = client.post(
        f"/api/v1{prints_path(batch)}",
        json={"layout": "a4-4x10", "copies": 5},
        headers=farm.headers,
    )
    assert response.status_code == 201, response.json
    job = response.json
    assert job["batch_id"] == batch["id"] and job["layout"] == "a4-4x10"
    assert (job["kind"], job["labels"], job["issued_label"]) == ("batch", 5, True)
    assert job["printed_by"]["id"] == world["users"]["coop_a"]
    assert datetime.fromisoformat(job["printed_at"]).tzinfo is not None
    assert response.headers["Location"] == job["pdf_url"]
    assert label_issued(app, batch["id"]) is not None
    pdf = client.get(job["pdf_url"], headers=farm.headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert decode_pdf(zxing, pdf.data, tmp_path) == [lot_uri(app, batch["id"])] * 5
    assert farm.get(f"{prints_path(batch)}/{job['id']}") == job


def test_a_unit_print_keeps_its_units_and_downloads_do_not_print(
    app, client, farm, complete_batch, zxing, tmp_path
):
    batch = complete_batch()
    farm.post(f"/batches/{batch['id']}/units", {"count": 3})
    job = farm.post(prints_path(batch), {"layout": "a4-3x8", "units": "all"})
    assert (job["kind"], job["labels"]) == ("units", 3)
    farm.post(f"/batches/{batch['id']}/units", {"count": 2})  # made after the job
    for _twice in range(2):
        again = client.get(job["pdf_url"], headers=farm.headers)
        assert again.status_code == 200
    decoded = decode_pdf(zxing, again.data, tmp_path)
    first_three = [
        uri for uri, (_id, serial) in stored_unit_uris(app, batch["id"]).items() if int(serial) <= 3
    ]
    assert sorted(decoded) == sorted(first_three)
    assert print_count(app) == 1  # downloading a job's PDF is no new job


def test_print_jobs_are_listed_newest_first_and_paginated(client, farm, complete_batch):
    batch = complete_batch()
    made = [
        farm.post(prints_path(batch), {"layout": layout})["id"]
        for layout in ("a4-3x8", "a4-4x10", "roll-50x30")
    ]
    listed = client.get(f"/api/v1{prints_path(batch)}?page_size=2", headers=farm.headers)
    assert listed.status_code == 200
    assert [job["id"] for job in listed.json] == made[::-1][:2]
    assert '"total": 3' in listed.headers["X-Pagination"]
    assert [job["issued_label"] for job in farm.get(prints_path(batch))] == [False, False, True]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "layout"),
        ({"layout": "a5"}, "layout"),
        ({"layout": "a4-3x8", "copies": 0}, "copies"),
        ({"layout": "a4-3x8", "copies": "5"}, "copies"),
        ({"layout": "a4-3x8", "units": "some"}, "units"),
        ({"layout": "a4-3x8", "units": "all"}, "units"),  # no unit codes yet
        ({"layout": "a4-3x8", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_print_job_is_refused_on_its_field_and_writes_nothing(
    app, client, farm, complete_batch, body, field
):
    batch = complete_batch()
    response = client.post(f"/api/v1{prints_path(batch)}", json=body, headers=farm.headers)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert print_count(app) == 0
    assert label_issued(app, batch["id"]) is None


def test_who_may_print_and_see_print_jobs(app, client, world, farm, complete_batch, token_for):
    batch = complete_batch()
    job = farm.post(prints_path(batch), {"layout": "a4-3x8"})
    url = f"/api/v1{prints_path(batch)}"
    department = token_for(world["users"]["department"])
    assert client.get(url, headers=department).json[0]["id"] == job["id"]
    assert client.post(url, json={"layout": "a4-3x8"}, headers=department).status_code == 403
    for user in ("coop_b", "ent_x"):
        headers = token_for(world["users"][user])
        assert client.get(url, headers=headers).status_code == 404
        assert client.get(job["pdf_url"], headers=headers).status_code == 404
    assert client.get(f"{url}/999999", headers=farm.headers).status_code == 404
    assert client.post(url, json={"layout": "a4-3x8"}).status_code == 401
    assert print_count(app) == 1


def test_the_web_print_button_records_a_job_and_the_page_lists_it(
    app, login, world, complete_batch, zxing, tmp_path
):
    batch = complete_batch()
    web = login(world["users"]["coop_a"])
    page_path = f"/trace/batches/{batch['id']}/labels"
    empty = web.get(page_path).get_data(as_text=True)
    assert 'id="no-prints"' in empty and 'id="print-jobs"' in empty
    for _twice in range(2):
        assert web.get(f"{page_path}/preview.png").status_code == 200
    assert label_issued(app, batch["id"]) is None and print_count(app) == 0
    token = csrf_token(web, page_path)
    printed = web.post(
        page_path, data={"csrf_token": token, "layout": "a4-3x8", "mode": "batch", "copies": "2"}
    )
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    assert label_issued(app, batch["id"]) is not None and print_count(app) == 1
    with app.app_context():
        job_id = db.session.scalar(select(LabelPrint.id))
    html = web.get(page_path).get_data(as_text=True)
    link = f"/trace/batches/{batch['id']}/label-prints/{job_id}.pdf"
    assert f'data-print="{job_id}"' in html and f'href="{link}"' in html
    again = web.get(link)
    assert again.status_code == 200 and again.mimetype == "application/pdf"
    assert decode_pdf(zxing, again.data, tmp_path) == [lot_uri(app, batch["id"])] * 2
    assert print_count(app) == 1
