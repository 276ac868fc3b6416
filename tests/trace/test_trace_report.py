"""The trace report (FSMA 204 style): one row per event line, CSV and XLSX, sorted, safe to open."""

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from core.exports import safe_cell
from tests.epcis_helpers import supply_chain
from tests.trace_helpers import when
from trace.services.report import COLUMNS, trace_report_file

HEADERS = [
    "Lot",
    "Product",
    "GTIN",
    "Quantity",
    "Unit",
    "Event type",
    "Role",
    "Event time",
    "Location",
    "From",
    "To",
    "Reference type",
    "Reference",
    "Event ID",
    "Recorded at",
]


@pytest.fixture
def chain(farm, buyer, world):
    return supply_chain(farm, buyer, world)


def download(client, headers, query, expect=200):
    response = client.get(
        f"/api/v1/trace-report?{query}", headers={**headers, "Accept-Language": "en"}
    )
    assert response.status_code == expect, response.get_data(as_text=True)[:500]
    return response


def read_csv(response) -> list[dict]:
    data = response.data
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, so Excel reads Vietnamese
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


def test_csv_for_a_lot_has_one_row_per_event_line(farm, chain):
    response = download(farm.client, farm.headers, f"batch_id={chain['green']}&format=csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    # The transformation that made the green lot (1 input + 1 output line) and the split
    # that consumed it (1 input + 2 outputs).
    assert len(rows) == 5
    # Codes are written as the reader's words, not as the stored values.
    assert [r["event_type"] for r in rows] == ["Processing or packing"] * 5
    assert sorted(r["role"] for r in rows) == ["made", "made", "made", "used", "used"]
    made = next(r for r in rows if r["role"] == "made" and r["product"] == "Cà phê nhân xanh")
    assert made["quantity"] == "1000" and made["unit"] == "kg"
    times = [r["event_time"] for r in rows]
    assert times == sorted(times)
    assert datetime.strptime(times[0], "%Y-%m-%d %H:%M:%S")


def test_a_shipment_row_names_from_to_and_the_contract(farm, chain, world, client, token_for):
    rows = read_csv(download(farm.client, farm.headers, f"batch_id={chain['roasted'][0]}"))
    shipped = [r for r in rows if r["event_type"] == "Shipping"]
    assert len(shipped) == 1
    assert shipped[0]["from"] == "HTX Cà phê Đăk Đoa" and shipped[0]["to"] == "Công ty TNHH X"
    assert (shipped[0]["reference_type"], shipped[0]["reference"]) == ("Contract", "HĐ-01/2026")
    assert shipped[0]["quantity"] == "400"
    # The buyer's receipt is the buyer's record: the department sees both ends.
    assert "Receipt" not in {r["event_type"] for r in rows}
    dept = token_for(world["users"]["department"])
    rows = read_csv(download(client, dept, f"batch_id={chain['roasted'][0]}"))
    received = [r for r in rows if r["event_type"] == "Receipt"]
    assert received[0]["from"] == "HTX Cà phê Đăk Đoa" and received[0]["to"] == "Công ty TNHH X"
    # The shipment declared erroneous is not reported.
    other = read_csv(download(farm.client, farm.headers, f"batch_id={chain['roasted'][1]}"))
    assert "Shipping" not in {r["event_type"] for r in other}


def test_xlsx_is_sortable_frozen_and_sorted_as_asked(farm, chain):
    response = download(farm.client, farm.headers, "format=xlsx&sort=lot")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = list(sheet.values)
    assert list(values[0]) == HEADERS
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    assert sheet.column_dimensions["A"].width >= len("CF-26-001")
    lots = [row[0] for row in values[1:]]
    assert lots == sorted(lots)
    assert isinstance(values[1][COLUMNS.index("event_time")], datetime)
    assert isinstance(values[1][COLUMNS.index("quantity")], float | int)
    by_type = load_workbook(
        io.BytesIO(download(farm.client, farm.headers, "format=xlsx&sort=event_type").data)
    ).active
    kinds = [row[COLUMNS.index("event_type")] for row in list(by_type.values)[1:]]
    assert kinds == sorted(kinds) and "Harvest" in kinds
    # input, harvest, 2 × transformation (2 + 3 lines), shipment, inspection = 9 lines
    assert len(kinds) == 9


def test_a_date_range_and_scoping(farm, buyer, chain, client, world, token_for):
    recent = read_csv(download(farm.client, farm.headers, "from=" + when(6).replace("+", "%2B")))
    assert {r["event_type"] for r in recent} == {"Shipping", "Inspection"}
    other = token_for(world["users"]["coop_b"])
    assert read_csv(download(client, other, "")) == []
    download(client, other, f"batch_id={chain['green']}", expect=404)
    seen = {r["event_type"] for r in read_csv(download(buyer.client, buyer.headers, ""))}
    assert seen == {"Processing or packing", "Shipping", "Receipt"}
    download(farm.client, farm.headers, "format=pdf", expect=422)
    download(farm.client, farm.headers, "sort=quantity", expect=422)
    assert client.get("/api/v1/trace-report").status_code == 401


def test_formula_looking_values_are_neutralised():
    row = {column: "" for column in COLUMNS}
    row |= {
        "lot": "-2+3",
        "product": '=HYPERLINK("http://evil")',
        "location": "@SUM(A1)",
        "reference": "+1",
        "from": "\tTab",
        "to": "\rCR",
        "quantity": None,
        "event_id": 7,
        "event_time": datetime(2026, 11, 1, 7, 0),
        "recorded_at": datetime(2026, 11, 1, 8, 0),
    }
    data, _mimetype, name = trace_report_file([row], "csv", None)
    assert name.endswith(".csv")
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1]
    record = dict(zip(COLUMNS, parsed, strict=True))
    for column in ("lot", "product", "location", "reference", "from", "to"):
        assert record[column].startswith("'"), (column, record[column])
    data, _mimetype, _name = trace_report_file([row], "xlsx", None)
    sheet = load_workbook(io.BytesIO(data)).active
    cells = dict(zip(COLUMNS, next(sheet.iter_rows(min_row=2, values_only=True)), strict=True))
    for column in ("lot", "product", "location", "reference", "from", "to"):
        assert str(cells[column]).startswith("'"), (column, cells[column])
    assert all(cell.data_type != "f" for cell in sheet[2])
    assert safe_cell("Cà phê") == "Cà phê"


def test_control_characters_stored_in_text_do_not_break_a_spreadsheet():
    row = {column: "" for column in COLUMNS}
    row |= {
        "lot": "CF\x1b-26",
        "product": "Cà phê\x00 rang",
        "quantity": None,
        "event_id": 7,
        "event_time": datetime(2026, 11, 1, 7, 0),
        "recorded_at": datetime(2026, 11, 1, 8, 0),
    }
    data, _mimetype, _name = trace_report_file([row], "xlsx", None)
    cells = next(load_workbook(io.BytesIO(data)).active.iter_rows(min_row=2, values_only=True))
    cells = dict(zip(COLUMNS, cells, strict=True))
    assert cells["lot"] == "CF-26" and cells["product"] == "Cà phê rang"
    assert safe_cell("tab\tand\nnewline kept") == "tab\tand\nnewline kept"
