"""The recall API: who may open, see, acknowledge and close; bad input refused naming the field
with nothing written; Idempotency-Key; the report files (XLSX read back with openpyxl, PDF
read back with pdftotext)."""

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from core.extensions import db
from recall.models import Recall, RecallBatch, RecallNotice, RecallRecipient
from tests.conftest import row_count
from trace.models import Batch, BatchStatus, TraceEvent

REASON = "Dư lượng thuốc bảo vệ thực vật vượt mức cho phép"


@pytest.fixture
def api(client, world, token_for):
    """Callers by role: ``api(role).post(path, body)``."""

    class Caller:
        def __init__(self, role):
            self.headers = token_for(world["users"][role])

        def get(self, path):
            return client.get(f"/api/v1{path}", headers=self.headers)

        def post(self, path, body=None, **headers):
            return client.post(f"/api/v1{path}", json=body, headers={**self.headers, **headers})

    return Caller


def body(chain, name="RAW", **values):
    return {"batch_id": chain.id(name), "reason": REASON, "severity": "serious", **values}


def counts(app) -> tuple:
    with app.app_context():
        return tuple(
            row_count(model) for model in (Recall, RecallBatch, RecallRecipient, RecallNotice)
        ) + (row_count(TraceEvent),)


def status_of(app, batch_id: int) -> BatchStatus:
    with app.app_context():
        return db.session.get(Batch, batch_id).status


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"reason": None}, "reason"),
        ({"reason": "abc"}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
        ({"severity": "apocalyptic"}, "severity"),
        ({"severity": None}, "severity"),
        ({"batch_id": "first"}, "batch_id"),
        ({"batch_id": None}, "batch_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    app, api, chain, no_smtp, values, field
):
    before = counts(app)
    sent = {key: value for key, value in body(chain, **values).items() if value is not None}
    response = api("coop_a").post("/recalls", sent)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]
    assert counts(app) == before
    assert status_of(app, chain.id("RAW")) == BatchStatus.ACTIVE


def test_roles_who_may_open(app, api, chain, world, no_smtp):
    before = counts(app)
    assert api("ent_x").post("/recalls", body(chain, "PACK")).status_code == 403
    assert api("ent_x").post("/recalls", body(chain, "ROAST")).status_code == 403
    assert api("coop_b").post("/recalls", body(chain)).status_code == 404
    assert api("coop_a").post("/recalls", body(chain, batch_id=999_999)).status_code == 404
    assert counts(app) == before

    # The department may recall any lot; then the producer is told too.
    response = api("department").post("/recalls", body(chain, "B"))
    assert response.status_code == 201, response.json
    recipients = {r["organization_id"] for r in response.json["recipients"]}
    assert recipients == {world["coop_a"], world["ent_y"]}
    assert [b["batch_id"] for b in response.json["batches"]] == [chain.id("B")]
    again = api("coop_a").post("/recalls", body(chain, "B"))
    assert again.status_code == 409 and "batch_id" in again.json["errors"]


def test_who_sees_which_recall(api, chain, world, no_smtp):
    recall = api("coop_a").post("/recalls", body(chain, "ROAST")).json
    assert recall["recipient_count"] == 1  # X only: Y got B, not the roast
    seen = {role: api(role).get("/recalls") for role in world["users"]}
    ids = {role: [r["id"] for r in response.json] for role, response in seen.items()}
    assert ids == {
        "department": [recall["id"]],
        "coop_a": [recall["id"]],
        "coop_b": [],
        "ent_x": [recall["id"]],
        "ent_y": [],
    }
    assert api("ent_y").get(f"/recalls/{recall['id']}").status_code == 404
    assert api("coop_b").get(f"/recalls/{recall['id']}").status_code == 404
    assert api("department").get("/recalls?status=closed").json == []
    assert api("department").get("/recalls?status=sideways").status_code == 422


def test_acknowledge_and_close(app, api, chain, world, no_smtp):
    recall = api("coop_a").post("/recalls", body(chain)).json
    path = f"/recalls/{recall['id']}"
    assert api("coop_b").post(f"{path}/acknowledge", {}).status_code == 404
    assert api("department").post(f"{path}/acknowledge", {}).status_code == 403
    first = api("ent_x").post(f"{path}/acknowledge", {"name": "Lê Thị Kho"})
    assert first.status_code == 200, first.json
    mine = next(r for r in first.json["recipients"] if r["organization_id"] == world["ent_x"])
    assert (mine["acknowledged_by"], mine["acknowledged_via"]) == ("Lê Thị Kho", "api")
    again = api("ent_x").post(f"{path}/acknowledge", {"name": "Someone else"})
    mine_again = next(r for r in again.json["recipients"] if r["organization_id"] == world["ent_x"])
    assert mine_again["acknowledged_at"] == mine["acknowledged_at"]
    assert first.json["not_acknowledged"] == []
    assert api("coop_a").get(path).json["not_acknowledged"] == [world["ent_y"]]

    assert api("ent_x").post(f"{path}/close", {"outcome": "destroyed"}).status_code == 403
    refused = api("coop_a").post(f"{path}/close", {"outcome": "other"})
    assert refused.status_code == 422 and "note" in refused.json["errors"]
    bad = api("coop_a").post(f"{path}/close", {"outcome": "evaporated"})
    assert bad.status_code == 422 and "outcome" in bad.json["errors"]
    closed = api("department").post(f"{path}/close", {"outcome": "returned", "note": "Đã nhận lại"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert closed.json["outcome"] == "returned"
    twice = api("coop_a").post(f"{path}/close", {"outcome": "destroyed"})
    assert twice.status_code == 409 and "outcome" in twice.json["errors"]


def test_idempotency_key_makes_one_recall(app, api, chain, no_smtp):
    caller = api("coop_a")
    first = caller.post("/recalls", body(chain), **{"Idempotency-Key": "recall-raw-1"})
    second = caller.post("/recalls", body(chain), **{"Idempotency-Key": "recall-raw-1"})
    assert first.status_code == second.status_code == 201
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.json["id"] == second.json["id"]
    assert counts(app)[0] == 1


def test_report_xlsx_and_pdf(app, api, chain, world, no_smtp, tmp_path):
    recall = api("coop_a").post("/recalls", body(chain)).json
    api("ent_y").post(f"/recalls/{recall['id']}/acknowledge", {"name": "Nguyễn Thị Hằng"})
    lots = {name: chain.lots[name]["lot_code"] for name in chain.lots}

    response = api("coop_a").get(f"/recalls/{recall['id']}/report.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    facts = {row[0]: row[1] for row in book.worksheets[0].iter_rows(values_only=True)}
    assert lots["RAW"] in facts.values() and REASON in facts.values()
    recipients = list(book.worksheets[1].iter_rows(values_only=True))
    by_org = {row[0]: row for row in recipients[1:]}
    assert set(by_org) == {"Công ty TNHH X", "Công ty CP Y"}
    assert by_org["Công ty TNHH X"][4:7] == (lots["ROAST"], 300, "kg")
    assert by_org["Công ty CP Y"][4:7] == (lots["B"], 400, "kg")
    assert by_org["Công ty CP Y"][11] == "Nguyễn Thị Hằng" and by_org["Công ty CP Y"][10]
    assert by_org["Công ty TNHH X"][10] is None
    lot_rows = list(book.worksheets[2].iter_rows(values_only=True))[1:]
    assert {row[1] for row in lot_rows} == {lots[n] for n in ("RAW", "A", "B", "ROAST", "PACK")}

    response = api("department").get(f"/recalls/{recall['id']}/report.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.data)
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils is needed"
    text = subprocess.run(  # noqa: S603 (a found tool, our file)
        [pdftotext, "-enc", "UTF-8", "-layout", str(pdf), "-"],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    words = set(text.split())
    for expected in (lots["RAW"], lots["PACK"], "Công ty TNHH X", "Nguyễn Thị Hằng", REASON):
        assert set(expected.split()) <= words, expected  # table cells may wrap
    assert api("coop_b").get(f"/recalls/{recall['id']}/report.pdf").status_code == 404
    assert api("coop_a").get(f"/recalls/{recall['id']}/report.doc").status_code == 404


def test_a_recipient_reads_only_its_own_part(app, api, chain, world, no_smtp):
    recall = api("coop_a").post("/recalls", body(chain)).json
    path = f"/recalls/{recall['id']}"
    own = api("ent_x").get(path)
    assert [r["organization_id"] for r in own.json["recipients"]] == [world["ent_x"]]
    assert {b["batch_id"] for b in own.json["batches"]} == {
        chain.id("RAW"),
        chain.id("ROAST"),
        chain.id("PACK"),
    }
    assert own.json["recipient_count"] == 1 and own.json["not_acknowledged"] == [world["ent_x"]]
    listed = api("ent_x").get("/recalls").json
    assert listed[0]["recipient_count"] == 1
    for response in (own, api("ent_x").get(f"{path}/report.xlsx")):
        text = response.get_data(as_text=True) if response.is_json else ""
        assert "y@dn.vn" not in text and "Công ty CP Y" not in text
    book = load_workbook(io.BytesIO(api("ent_x").get(f"{path}/report.xlsx").data))
    cells = {
        str(c)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for c in row
    }
    assert "Công ty CP Y" not in cells and chain.lots["B"]["lot_code"] not in cells
    full = api("coop_a").get(path).json
    assert {r["organization_id"] for r in full["recipients"]} == {world["ent_x"], world["ent_y"]}
    assert len(full["batches"]) == 5
