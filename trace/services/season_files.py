"""The season imports' files: templates to fill in (in Vietnamese, with example rows, the
cooperative's lists and drop-downs) and a refused file given back with its messages.

A template's first sheet is the one an import reads; the lists and the notes are in sheets
after it, which the import ignores.
"""

import io
from datetime import date, timedelta

import openpyxl
from flask_babel import gettext as _
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from core.exports import CSV_MIMETYPE, XLSX_MIMETYPE, safe_cell, table_file, to_csv
from registry.models import User
from trace.season_models import SeasonImport
from trace.services import season_columns as columns
from trace.services.season_columns import HEADERS, INPUTS, LOTS, SHIPMENTS, template_label
from trace.services.season_import import table_of

_LISTS_SHEET = "Danh sách"
_NOTES_SHEET = "Hướng dẫn"
# Which list each drop-down column offers (the lists sheet has one column per list).
_LISTED = {
    LOTS: {"product": "products", "site": "sites", "household": "households", "unit": "units"},
    INPUTS: {"site": "sites"},
    SHIPMENTS: {"buyer": "buyers", "reference_type": "reference_types"},
}
_LIST_TITLES = {
    "products": "Sản phẩm",
    "sites": "Vùng trồng",
    "households": "Hộ thành viên",
    "buyers": "Bên mua",
    "units": "Đơn vị",
    "reference_types": "Loại chứng từ",
}


def template_file(user: User, kind: str, fmt: str) -> tuple[bytes, str, str]:
    """The template of ``kind`` (content, mimetype, filename): CSV or XLSX."""
    lists = _lists(user, kind)
    header = [template_label(kind, name) for name in HEADERS[kind]]
    examples = _examples(kind, lists)
    if fmt == "csv":
        return to_csv(header, examples), CSV_MIMETYPE, f"mau-{kind}.csv"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = columns.TITLES[kind]
    _fill(sheet, header, examples)
    _add_lists(book, kind, lists)
    notes = book.create_sheet(_NOTES_SHEET)
    for line in _notes(kind):
        notes.append([line])
    notes.column_dimensions["A"].width = 110
    return _save(book), XLSX_MIMETYPE, f"mau-{kind}.xlsx"


def annotated_file(job: SeasonImport) -> tuple[bytes, str, str]:
    """A refused file given back (as it was sent: CSV or XLSX) with a column of messages;
    the file's and its header's own messages head that column."""
    table = table_of(job.filename, job.data or b"")
    messages: dict[int, list[str]] = {}
    for error in job.errors or []:
        where = f"{error['column']}: " if error["column"] else ""
        messages.setdefault(error["row"], []).append(where + error["message"])
    heading = "; ".join([*messages.get(0, []), *messages.get(table.header_row, [])])
    label = _("Errors") + (f": {heading}" if heading else "")
    width = len(table.header)
    rows = [
        [*(list(cells) + [None] * width)[:width], "; ".join(messages.get(number, []))]
        for number, cells in table.rows
    ]
    fmt = "xlsx" if (job.data or b"").startswith(b"PK") else "csv"
    stem = job.filename.rsplit(".", 1)[0] or "import"
    return table_file([*table.header, label], rows, fmt, f"{stem}-loi", columns.TITLES[job.kind])


def _lists(user: User, kind: str) -> dict[str, list[str]]:
    org_id = user.organization_id
    if kind == LOTS:
        return {
            "products": columns.products_lookup(org_id).names(),
            "sites": columns.sites_lookup(org_id).names(),
            "households": columns.households_lookup(org_id).names(),
            "units": ["kg", "t", "g", "l"],
        }
    if kind == INPUTS:
        return {"sites": columns.sites_lookup(org_id).names()}
    return {
        "buyers": columns.buyers_lookup(org_id).names(),
        "reference_types": ["Hóa đơn", "Hợp đồng", "Đơn hàng", "Phiếu giao hàng", "Khác"],
    }


def _examples(kind: str, lists: dict[str, list[str]]) -> list[list]:
    def first(name: str, default: str, n: int = 0) -> str:
        items = lists.get(name) or []
        return items[n] if len(items) > n else default

    harvest = (date.today() - timedelta(days=2)).strftime("%d/%m/%Y")
    if kind == LOTS:
        product, site = first("products", "Cà phê nhân xanh"), first("sites", "Vùng trồng A")
        return [
            ["L001", product, site, harvest, 300, "kg", first("households", "Nguyễn Văn A"), 100],
            ["L001", "", "", "", "", "", first("households", "Trần Thị B", 1), 200],
        ]
    if kind == INPUTS:
        return [
            ["L001", first("sites", "Vùng trồng A"), harvest, "Phân NPK 16-16-8", 2.5, "kg/ha", 7]
        ]
    buyer = first("buyers", "Công ty TNHH X")
    return [["L001", harvest, 120, buyer, "HD-0001", "Hóa đơn"]]


def _notes(kind: str) -> list[str]:
    common = [
        "Điền từ dòng 2 của trang đầu; xóa các dòng ví dụ trước khi tải lên.",
        "Ngày viết dd/mm/yyyy; số thập phân dùng dấu phẩy hoặc dấu chấm.",
        "Sản phẩm, vùng trồng, hộ và bên mua ghi theo mã hoặc đúng tên (trang Danh sách);"
        " tên không dấu được chấp nhận khi chỉ khớp một mục.",
        "Tệp được nhập toàn bộ hoặc không nhập gì; gửi lại cùng tệp không nhập thêm gì.",
    ]
    if kind == LOTS:
        return [
            "Mỗi dòng là một hộ góp vào một lô: lô có nhiều hộ thì lặp Mã lô trên nhiều dòng.",
            "Sản phẩm, vùng trồng, ngày thu hoạch, sản lượng lô, đơn vị ghi ở dòng đầu của lô;"
            " các dòng sau có thể để trống. Sản lượng lô để trống thì bằng tổng của các hộ.",
            *common,
        ]
    if kind == INPUTS:
        return ["Mỗi dòng là một lần sử dụng vật tư cho một lô (hoặc cho cả vùng trồng).", *common]
    return [
        "Mỗi dòng là một lần giao một lô; bên mua ghi mã số thuế, mã đăng ký hoặc tên.",
        *common,
    ]


def _fill(sheet, header: list, rows: list[list]) -> None:
    sheet.append(header)
    for row in rows:
        sheet.append([safe_cell(value) for value in row])
    for index, label in enumerate(header, start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(str(label)) + 4)
    sheet.freeze_panes = "A2"


def _add_lists(book, kind: str, lists: dict[str, list[str]]) -> None:
    sheet = book.create_sheet(_LISTS_SHEET)
    first = book.worksheets[0]
    names = list(HEADERS[kind])
    for position, (key, items) in enumerate(lists.items(), start=1):
        letter = get_column_letter(position)
        sheet.cell(row=1, column=position, value=_LIST_TITLES[key]).font = Font(bold=True)
        for row, item in enumerate(items, start=2):
            sheet.cell(row=row, column=position, value=safe_cell(item))
        sheet.column_dimensions[letter].width = 32
        field = next((f for f, listed in _LISTED[kind].items() if listed == key), None)
        if field is None or not items:
            continue
        source = f"{quote_sheetname(_LISTS_SHEET)}!${letter}$2:${letter}${len(items) + 1}"
        # A warning, not a stop: a code or a name typed another way is still matched.
        check = DataValidation(type="list", formula1=source, allow_blank=True, errorStyle="warning")
        target = get_column_letter(names.index(field) + 1)
        check.add(f"{target}2:{target}20001")
        first.add_data_validation(check)


def _save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
