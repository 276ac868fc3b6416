"""Season imports refuse what the registry imports refuse (size, rows, zip bombs, files that
are not spreadsheets), read formulas as plain data, and give hostile text back inertly."""

import io

import openpyxl
import pytest

from core.extensions import db
from registry.models import User
from registry.services import spreadsheets
from tests.conftest import csrf_token, row_count
from tests.hostile_corpus import HOSTILE_TEXT, assert_inert
from tests.trace.season_helpers import LOT_HEADER, csv_file, day, lot_rows, season, xlsx_file
from trace.models import Batch
from trace.season_models import SeasonImport
from trace.services.season_files import annotated_file
from trace.services.season_import import import_season

__all__ = ["season"]


def _import(world, data, name="mua.csv"):
    user = db.session.get(User, world["users"]["coop_a"])
    return import_season(user, "lots", name, data)


def _refused_whole(report) -> bool:
    return [(e.row, e.column) for e in report.errors] == [(0, "")] and report.created == 0


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4", b"\x89PNG\r\n", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"<html><table>", b""],
    ids=["pdf", "png", "xls", "html", "empty"],
)
def test_not_spreadsheets(ctx, world, season, data):
    assert _refused_whole(_import(world, data))


def test_limits_and_zip_bombs(ctx, world, season, monkeypatch):
    rows = [row.split(",") for row in [LOT_HEADER, *lot_rows(2)]]
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    assert _refused_whole(_import(world, csv_file(LOT_HEADER, *lot_rows(2))))
    assert _refused_whole(_import(world, xlsx_file(rows), "mua.xlsx"))
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 20_000)
    monkeypatch.setattr(spreadsheets, "_MAX_UNZIPPED_BYTES", 1000)
    assert _refused_whole(_import(world, xlsx_file(rows), "mua.xlsx"))
    monkeypatch.setattr(spreadsheets, "MAX_BYTES", 50)
    assert _refused_whole(_import(world, csv_file(LOT_HEADER, *lot_rows(2))))
    assert row_count(Batch) == 0


def test_formulas_are_never_run_and_come_back_as_text(app, ctx, world, season):
    formula = HOSTILE_TEXT["formula_cmd"]
    rows = [
        LOT_HEADER.split(","),
        ["F1", "Cà phê nhân xanh Robusta", "Làng Kon", day(), None, None, formula, 10],
        ["F2", "Cà phê nhân xanh Robusta", "Làng Kon", day(), None, None, "=1+2", 10],
    ]
    data = xlsx_file(rows)
    report = _import(world, data, "mua.xlsx")
    # openpyxl stores both as formulas; read as values they are blank: a required cell.
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "Hộ thành viên"),
        (3, "Hộ thành viên"),
    ]
    db.session.rollback()
    text = csv_file(LOT_HEADER, f'F1,Cà phê nhân xanh Robusta,Làng Kon,{day()},,,"{formula}",10')
    report = _import(world, text)
    assert formula in report.errors[0].message
    db.session.rollback()
    job = SeasonImport(kind="lots", filename="mua.csv", data=text, errors=[vars(report.errors[0])])
    content, _mimetype, _name = annotated_file(job)
    assert f"'{formula}" in content.decode("utf-8-sig")
    job.filename, job.data = (
        "mua.xlsx",
        xlsx_file([LOT_HEADER.split(","), ["F1", None, None, None, None, None, formula, 10]]),
    )
    content, _mimetype, _name = annotated_file(job)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_hostile_names_show_inertly_in_the_report(app, world, season, login):
    client = login(world["users"]["coop_a"])
    payload = HOSTILE_TEXT["script"]
    data = csv_file(LOT_HEADER, f'H1,Cà phê nhân xanh Robusta,Làng Kon,{day()},,,"{payload}",10')
    response = client.post(
        "/trace/imports/lots",
        data={
            "csrf_token": csrf_token(client, "/trace/imports"),
            "file": (io.BytesIO(data), "a.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert_inert(response.get_data(as_text=True), payload)
