"""The season imports API: a file stored whole or refused whole with every error located,
the same file twice adding nothing, the refused file given back, templates, the worker."""

import io

import openpyxl

from tests.conftest import row_count
from tests.trace.season_helpers import LOT_HEADER, csv_file, lot_rows, season, xlsx_file
from trace.models import Batch, TraceEvent

__all__ = ["season"]


def _post(client, headers, kind, data, name="mua-vu.csv"):
    return client.post(
        f"/api/v1/trace/imports/{kind}",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_import_lots_then_again(client, app, world, season, token_for):
    headers = token_for(world["users"]["coop_a"])
    data = csv_file(LOT_HEADER, *lot_rows(4))
    response = _post(client, headers, "lots", data)
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["created"], body["unchanged"], body["total_rows"]) == (
        "done",
        4,
        0,
        8,
    )
    again = _post(client, headers, "lots", data)
    assert again.status_code == 201
    assert (again.json["created"], again.json["unchanged"]) == (0, 4)
    assert (
        client.get(f"/api/v1/trace/imports/{body['id']}", headers=headers).json["progress"] == 100
    )
    with app.app_context():
        assert row_count(Batch) == 4
        assert row_count(TraceEvent) == 4


def test_refused_xlsx_is_located_and_given_back(client, app, world, season, token_for):
    headers = token_for(world["users"]["coop_a"])
    rows = [row.split(",") for row in [LOT_HEADER, *lot_rows(2)]]
    rows[3][7] = "-5"  # L00002, second household
    rows[4][3] = "31/02/2026"
    response = _post(client, headers, "lots", xlsx_file(rows), "mua.xlsx")
    assert response.status_code == 422
    errors = [(e["row"], e["column"]) for e in response.json["errors"]]
    assert errors == [(4, "Sản lượng của hộ"), (5, "Ngày thu hoạch")]
    with app.app_context():
        assert row_count(Batch) == 0
    back = client.get(f"/api/v1/trace/imports/{response.json['id']}/errors", headers=headers)
    assert back.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(back.data)).active
    messages = [row[-1] for row in sheet.iter_rows(values_only=True)]
    assert messages[1] is None or messages[1] == ""
    assert messages[3].startswith("Sản lượng của hộ: ") and messages[4].startswith("Ngày thu")


def test_hostile_files_are_refused_as_in_the_registry(client, world, season, token_for):
    headers = token_for(world["users"]["coop_a"])
    for data, name in (
        (b"%PDF-1.4 not a sheet", "a.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xls"),
    ):
        response = _post(client, headers, "lots", data, name)
        assert response.status_code == 422
        assert response.json["errors"][0]["row"] == 0


def test_only_cooperatives_and_their_own(client, world, season, token_for):
    data = csv_file(LOT_HEADER, *lot_rows(1))
    assert _post(client, token_for(world["users"]["ent_x"]), "lots", data).status_code == 403
    assert _post(client, {}, "lots", data).status_code == 401
    job = _post(client, token_for(world["users"]["coop_a"]), "lots", data).json["id"]
    other = token_for(world["users"]["coop_b"])
    assert client.get(f"/api/v1/trace/imports/{job}", headers=other).status_code == 404


def test_templates(client, world, season, token_for):
    headers = token_for(world["users"]["coop_a"])
    response = client.get("/api/v1/trace/imports/templates/inputs.xlsx", headers=headers)
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Vật tư sử dụng", "Danh sách", "Hướng dẫn"]
