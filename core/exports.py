"""Tables as CSV (UTF-8 with BOM, for Excel) and XLSX (sortable: header, filter, frozen row).

Cells that a spreadsheet would run as a formula are written as text; control characters that
an XLSX file cannot hold (stored text may contain them) are left out.
"""

import codecs
import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value, with text that would start a formula prefixed by an apostrophe, and without
    the control characters a spreadsheet cannot hold."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(safe_cell(value))


def to_csv(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """CSV bytes with a BOM so Excel reads Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(value) for value in row])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Iterable[Sequence], title: str = "Data") -> bytes:
    """XLSX bytes: bold frozen header, auto filter (sortable in Excel), fitted column widths."""
    book = openpyxl.Workbook(write_only=False)
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(str(name)) for name in header]
    count = 0
    for row in rows:
        values = [safe_cell(value) for value in row]
        sheet.append(values)
        count += 1
        widths = [max(w, min(60, len(_text(v)))) for w, v in zip(widths, values, strict=False)]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{count + 1}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width + 2
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_file(header, rows, fmt: str, name: str, title: str = "Data") -> tuple[bytes, str, str]:
    """(content, mimetype, filename) of a table in ``fmt`` ("csv" or "xlsx")."""
    if fmt == "xlsx":
        return to_xlsx(header, rows, title), XLSX_MIMETYPE, f"{name}.xlsx"
    return to_csv(header, rows), CSV_MIMETYPE, f"{name}.csv"
