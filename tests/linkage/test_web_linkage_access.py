"""Who sees what on the linkage pages: scans and attachments for the parties and the
department, anonymous visitors sent to log in, the contract list's filters and exports."""

import csv
import io
import re

import openpyxl
import pytest

from core.extensions import db
from linkage.models import (
    ContractAttachment,
)
from tests.linkage_helpers import contract_form, saved_id
from tests.web_helpers import field_error, post, text

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def test_scans_and_pages_are_for_the_parties_and_the_department(app, world, login, linkage):
    contract = linkage.signed_contract()
    path = f"/linkage/contracts/{contract['id']}"
    ent = login(world["users"]["ent_x"])
    lying = post(
        ent,
        f"{path}/attachments",
        {"file": (io.BytesIO(b"<script>alert(1)</script>"), "scan.pdf")},
        form_page=path,
        content_type="multipart/form-data",
    )
    assert lying.status_code == 422 and field_error(text(lying), "file")
    stored = post(
        ent,
        f"{path}/attachments",
        {"file": (io.BytesIO(PDF), "hop-dong.pdf")},
        form_page=path,
        content_type="multipart/form-data",
    )
    assert stored.status_code == 302
    with app.app_context():
        attachment_id = db.session.scalar(db.select(ContractAttachment.id))
    url = f"{path}/attachments/{attachment_id}"
    assert url in text(ent.get(path))
    for key in ("coop_a", "department"):
        download = login(world["users"][key]).get(url)
        assert download.status_code == 200 and download.data == PDF
        download.close()
    for key in ("coop_b", "ent_y"):
        outsider = login(world["users"][key])
        assert outsider.get(path).status_code == 404
        assert outsider.get(url).status_code == 404
        assert contract["number"] not in text(outsider.get("/linkage/contracts"))
    dept = login(world["users"]["department"])
    assert post(dept, f"{path}/confirm", {}, form_page=path).status_code == 403
    assert dept.get("/linkage/contracts/new").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/linkage/",
        "/linkage/contracts",
        "/linkage/contracts/1",
        "/linkage/contracts/export?format=csv",
        "/linkage/support/policies",
        "/linkage/support/claims",
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_contract_list_filters_and_exports(app, world, login, linkage):
    linkage.signed_contract()
    ent = login(world["users"]["ent_x"])
    saved_id(post(ent, "/linkage/contracts/new", contract_form(world["coop_a"], "HĐ-NHÁP")))
    dept = login(world["users"]["department"])
    listed = text(dept.get("/linkage/contracts"))
    assert "HĐLK-01/2026" in listed and "HĐ-NHÁP" in listed
    assert listed.count("<table") == listed.count('class="table-wrap"')
    drafts = text(dept.get("/linkage/contracts?status=draft&linkage_form=3&category=coffee"))
    assert "HĐ-NHÁP" in drafts and "HĐLK-01/2026" not in drafts
    assert "HĐLK-01/2026" not in text(dept.get("/linkage/contracts?admin_unit=23941"))
    overview = text(dept.get("/linkage/"))
    for status, number in (("active", 1), ("draft", 1), ("signed", 0), ("terminated", 0)):
        tile = rf'data-status="{status}">\s*<span class="tile-number">{number}<'
        assert re.search(tile, overview), status
    assert re.search(r'data-form="3">.*?<td class="num">2</td>', overview)
    xlsx = dept.get("/linkage/contracts/export?format=xlsx&status=active")
    assert xlsx.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert len(rows) == 2 and rows[1][0] == "HĐLK-01/2026"
    exported = dept.get("/linkage/contracts/export?format=csv")
    table = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert exported.mimetype == "text/csv" and {r[0] for r in table[1:]} == {
        "HĐLK-01/2026",
        "HĐ-NHÁP",
    }
    # The user's words, not the stored codes (draft, active, 3, coffee).
    assert not {r[7] for r in table[1:]} & {"draft", "active"}
    assert not {r[5] for r in table[1:]} & {"3"} and all(r[5].startswith("3. ") for r in table[1:])
    assert "coffee" not in {r[6] for r in table[1:]}
    assert dept.get("/linkage/contracts/export?format=pdf").status_code == 400
