"""Reading and writing the spreadsheets users exchange: CSV in any Excel flavour, and XLSX.

Knows nothing of the registry. ``read_table`` turns uploaded bytes into a header and
numbered rows of cell values (text from CSV; text, numbers or datetimes from XLSX), or
refuses the file with one clear message. Formulas are never evaluated: a CSV cell is
text, and an XLSX cell is the value Excel last saved for it.
"""

import codecs
import csv
import functools
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

import openpyxl
from flask_babel import format_number
from flask_babel import gettext as _
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from core.numbers import parse_number
from core.text import fold

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 100
# A 10 MB XLSX can unzip to gigabytes (a "zip bomb"); real sheets of 20,000 rows stay far below.
_MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# PDF, PNG, JPEG, GIF, and HTML/XML (some systems save an HTML table as ".xls").
_OTHER_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"<")
_DELIMITERS = (",", ";", "\t")
# Vietnamese files saved by old Windows software are in cp1258 (tone marks as combining
# characters); Western Excel exports in cp1252. UTF-8 is tried first as it never misreads.
_ENCODINGS = ("utf-8-sig", "cp1258", "cp1252")

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_WITH_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(:\d{2})?$")

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UnreadableFile(Exception):
    """The upload is not a spreadsheet that can be read; ``message`` tells the user why."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """A sheet's header (with its row number) and its non-blank data rows."""

    header: list[str]
    header_row: int
    rows: list[tuple[int, list]] = field(default_factory=list)


def is_blank(value) -> bool:
    """True for an empty cell: None, or text of only white space."""
    return value is None or (isinstance(value, str) and not value.strip())


def read_table(filename: str, data: bytes) -> Table:
    """Read a CSV or XLSX file (told apart by content, not by name) into a Table."""
    if not data.strip():
        raise UnreadableFile(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise UnreadableFile(
            _("The file is larger than %(size)s MB.", size=format_number(MAX_BYTES // 2**20))
        )
    if data.startswith(_XLSX_MAGIC):
        return _to_table(_xlsx_records(data))
    if data.startswith(_OLE_MAGIC):
        raise UnreadableFile(
            _("Old Excel files (.xls) cannot be read: save the file as .xlsx or CSV.")
        )
    if _is_other_kind_of_file(data):
        raise UnreadableFile(
            _("%(name)s is not a CSV or XLSX spreadsheet.", name=filename or _("The file"))
        )
    return _to_table(_csv_records(_decode(data)))


def _is_other_kind_of_file(data: bytes) -> bool:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    return b"\x00" in data or data.removeprefix(codecs.BOM_UTF8).lstrip().startswith(_OTHER_MAGIC)


def _to_table(records: Iterable[tuple[int, list]]) -> Table:
    table = None
    for number, cells in records:
        if all(is_blank(cell) for cell in cells):
            continue
        if table is None:
            table = Table(_header(cells), number)
            continue
        if len(table.rows) == MAX_ROWS:
            raise UnreadableFile(
                _(
                    "The file has more than %(max)s rows: split it into smaller files.",
                    max=format_number(MAX_ROWS),
                )
            )
        table.rows.append((number, cells))
    if table is None:
        raise UnreadableFile(_("The file is empty."))
    if not table.rows:
        raise UnreadableFile(_("The file has a header but no rows."))
    return table


def _header(cells: list) -> list[str]:
    labels = ["" if is_blank(cell) else str(cell).strip() for cell in cells]
    while labels and not labels[-1]:
        labels.pop()
    return labels


def _decode(data: bytes) -> str:
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for encoding in ("utf-16",) if utf16 else _ENCODINGS:
        try:
            return unicodedata.normalize("NFC", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        _("The file's text encoding is not recognised: save it as CSV UTF-8 and try again.")
    )


def _csv_records(text: str) -> Iterator[tuple[int, list]]:
    first_line = text.split("\n", 1)[0].strip()
    # Excel writes (and honours) a "sep=;" first line; it does not show it as a row.
    if first_line.lower().startswith("sep=") and len(first_line) == 5:
        delimiter, text = first_line[4], text.partition("\n")[2]
    else:
        delimiter = _sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, start=1)
    except csv.Error as exc:
        raise UnreadableFile(
            _("The CSV file cannot be read near line %(line)s.", line=reader.line_num)
        ) from exc


def _sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most columns (comma on a tie)."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d), [])) for d in _DELIMITERS}
    return max(_DELIMITERS, key=lambda d: (counts[d], d == ","))


def _xlsx_records(data: bytes) -> list[tuple[int, list]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > _MAX_UNZIPPED_BYTES:
                raise UnreadableFile(_("The XLSX file is too large once unpacked."))
        # openpyxl warns about Excel features it ignores (data validation, styles);
        # they do not change cell values.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                return _sheet_records(book)
            finally:
                book.close()
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        ParseError,
        TypeError,
        ValueError,
    ) as exc:
        raise UnreadableFile(_("This file is not a readable XLSX workbook.")) from exc


def _sheet_records(book) -> list[tuple[int, list]]:
    if not book.worksheets:
        raise UnreadableFile(_("The workbook has no sheet."))
    rows = book.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True)
    records, filled, blank_run = [], 0, 0
    for number, cells in enumerate(rows, start=1):
        if all(is_blank(cell) for cell in cells):
            blank_run += 1
        else:
            filled, blank_run = filled + 1, 0
        # A sheet formatted down to row 1,048,576 yields blank rows to the end; stop early.
        # Past the header and one row too many, _to_table has all it needs to refuse.
        if blank_run > MAX_ROWS or filled > MAX_ROWS + 2:
            break
        records.append((number, list(cells)))
    return records


@functools.lru_cache(maxsize=1024)  # choice values repeat on every row ("HTX", "Tốt")
def header_key(text: str) -> str:
    """A header or choice folded to lower-case ASCII words: "Thôn, làng" -> "thon lang"."""
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


def cell_text(value, digits: int = 0) -> str:
    """A cell as text; a whole number is zero-padded to ``digits`` (Excel drops leading zeros)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).zfill(digits)
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()
    return str(value)


def cell_date(value):
    """A date cell as ISO text: XLSX dates, YYYY-MM-DD (time dropped) and dd/mm/yyyy."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    if match := _DAY_FIRST.match(text):
        day, month, year = (int(part) for part in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text
    if match := _ISO_WITH_TIME.match(text):
        return match.group(1)
    return text


def cell_decimal(value):
    """A number cell; text is read by the forms' rule (``core.numbers``) as Vietnamese Excel
    writes it (``1,5``, ``1.234,5``), else as English (``1,234.5``); else left as typed."""
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    for locale in ("vi", "en"):
        number = parse_number(text, locale)
        if number is not None:
            return format(number, "f")
    return text


def cell_integer(value):
    """A whole-number cell; text may group thousands (1.234, 1,234 or 1 234), by the same rule."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    for locale in ("vi", "en"):
        number = parse_number(text, locale)
        if number is not None and number == number.to_integral_value():
            return int(number)
    return text


def write_csv(header: list[str]) -> bytes:
    """A CSV with only a header, in UTF-8 with a BOM so that Excel shows Vietnamese right."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(header)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


def write_xlsx(
    header: list[str],
    text_columns: set[str],
    title: str,
    notes: dict[str, str] | None = None,
    sheets: Iterable[tuple[str, list[list]]] = (),
) -> bytes:
    """An XLSX with a bold header; ``text_columns`` are formatted as text.

    Formatting code and phone columns as text keeps their leading zeros when typed in.
    ``notes`` (by header) become the header cells' comments; ``sheets`` (title, rows,
    the first row bold) follow the first sheet, which alone is ever imported.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for index, label in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True)
        if notes and notes.get(label):
            cell.comment = Comment(notes[label], "HTX Trace", width=320, height=140)
        column = sheet.column_dimensions[get_column_letter(index)]
        column.width = max(12, len(label) + 4)
        if label in text_columns:
            column.number_format = "@"
    sheet.freeze_panes = "A2"
    for sheet_title, rows in sheets:
        _add_sheet(book, sheet_title, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _add_sheet(book, title: str, rows: list[list]) -> None:
    sheet = book.create_sheet(title[:31])  # Excel's limit on a sheet's name
    widths: dict[int, int] = {}
    for row in rows:
        sheet.append(row)
        for index, value in enumerate(row, start=1):
            widths[index] = max(widths.get(index, 10), min(len(str(value or "")) + 2, 80))
    for cell in sheet[1] if rows else ():
        cell.font = Font(bold=True)
    for index, width in widths.items():
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = width
        # Codes stay text: 01234 keeps its zero if the user copies it elsewhere.
        for (cell,) in sheet.iter_rows(min_col=index, max_col=index):
            if isinstance(cell.value, str):
                cell.number_format = "@"
    sheet.freeze_panes = "A2"
