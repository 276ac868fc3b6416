"""The trace report: one row per event line with the key data elements, as CSV or XLSX.

In the spirit of the FDA FSMA 204 "24-hour" sortable spreadsheet: for a lot or a time range,
what happened (event type), to what (lot, product, GTIN, quantity and unit), when (local
time), where, from whom, to whom, and under which document. The rows carry codes; the file
shows them in the user's language (the event ID is the key back to the record).
"""

import io
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import selectinload

from core.errors import ValidationFailed
from core.exports import safe_cell, to_csv
from core.extensions import db
from registry.models import User
from trace.models import Batch, EventKind, EventLine, TraceEvent
from trace.names import EVENT_LABELS, REFERENCE_LABELS, ROLE_LABELS, UNIT_LABELS
from trace.services.batches import get_batch
from trace.services.events import events_query
from trace.services.quantities import not_erroneous

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
COLUMNS = (
    "lot",
    "product",
    "gtin",
    "quantity",
    "unit",
    "event_type",
    "role",
    "event_time",
    "location",
    "from",
    "to",
    "reference_type",
    "reference",
    "event_id",
    "recorded_at",
)
SORTS = {
    "event_time": lambda row: (row["event_time"], row["event_id"], row["lot"]),
    "lot": lambda row: (row["lot"], row["event_time"], row["event_id"]),
    "event_type": lambda row: (row["event_type"], row["event_time"], row["event_id"], row["lot"]),
}
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_WIDTH = 60
# The columns that hold a code, and the display names the file writes instead.
LABELLED = {
    "unit": UNIT_LABELS,
    "event_type": EVENT_LABELS,
    "role": ROLE_LABELS,
    "reference_type": REFERENCE_LABELS,
}


def trace_report_rows(
    user: User | None,
    batch_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict]:
    """One row per line of each live event the caller may see (erroneous ones left out)."""
    if batch_id:
        get_batch(user, batch_id)  # 404 for a lot the caller may not see
    stmt = (
        events_query(user, batch_id=batch_id, since=since, until=until)
        .where(TraceEvent.kind != EventKind.CORRECTION, not_erroneous())
        .options(
            selectinload(TraceEvent.lines)
            .selectinload(EventLine.batch)
            .selectinload(Batch.product),
            selectinload(TraceEvent.site),
            selectinload(TraceEvent.source_org),
            selectinload(TraceEvent.destination_org),
        )
    )
    return [_row(event, line) for event in db.session.scalars(stmt) for line in event.lines]


def _row(event: TraceEvent, line: EventLine) -> dict:
    batch = line.batch
    return {
        "lot": batch.lot_code,
        "product": batch.product.name,
        "gtin": batch.product.gtin or "",
        "quantity": line.quantity,
        "unit": batch.unit.value,
        "event_type": event.kind.value,
        "role": line.role.value,
        "event_time": local_time(event.event_time),
        "location": event.site.name if event.site else event.location_code,
        "from": event.source_org.name if event.source_org else "",
        "to": event.destination_org.name if event.destination_org else "",
        "reference_type": event.reference_type or "",
        "reference": event.reference or "",
        "event_id": event.id,
        "recorded_at": local_time(event.recorded_at),
    }


def local_time(value: datetime) -> datetime:
    """A stored time in Asia/Ho_Chi_Minh (SQLite hands back naive UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VIETNAM)


def trace_report_file(rows: list[dict], fmt: str, sort: str | None) -> tuple[bytes, str, str]:
    """The rows sorted by ``sort`` (event_time, lot or event_type) as (bytes, mimetype, name)."""
    if fmt not in MIMETYPES:
        raise ValidationFailed.on_field("format", _("Choose csv or xlsx."))
    if (sort or "event_time") not in SORTS:
        raise ValidationFailed.on_field("sort", _("Sort by event_time, lot or event_type."))
    ordered = sorted(map(_labelled, rows), key=SORTS[sort or "event_time"])
    data = _csv(ordered) if fmt == "csv" else _xlsx(ordered)
    stamp = datetime.now(VIETNAM).strftime("%Y%m%d-%H%M")
    return data, MIMETYPES[fmt], f"trace-report-{stamp}.{fmt}"


def _labelled(row: dict) -> dict:
    """The row with its codes replaced by their names in the user's language."""
    shown = {
        column: str(labels.get(row[column], row[column])) for column, labels in LABELLED.items()
    }
    return row | shown


def headers() -> list[str]:
    """Column titles in the user's language, in COLUMNS order."""
    return [
        _("Lot"),
        _("Product"),
        _("GTIN"),
        _("Quantity"),
        _("Unit"),
        _("Event type"),
        _("Role"),
        _("Event time"),
        _("Location"),
        _("From"),
        _("To"),
        _("Reference type"),
        _("Reference"),
        _("Event ID"),
        _("Recorded at"),
    ]


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, int):
        return str(value)
    return safe_cell(str(value))


def _csv(rows: list[dict]) -> bytes:
    return to_csv(headers(), ([_cell_text(row[column]) for column in COLUMNS] for row in rows))


def _cell_value(value):
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # Excel has no time zones; the times are local
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        return safe_cell(value)
    return value


def _xlsx(rows: list[dict]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Trace report")[:31]
    titles = headers()
    sheet.append(titles)
    for row in rows:
        sheet.append([_cell_value(row[column]) for column in COLUMNS])
    widths = [len(title) for title in titles]
    for row in rows:
        for index, column in enumerate(COLUMNS):
            widths[index] = max(widths[index], len(_cell_text(row[column])))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, MAX_WIDTH)
    for column in ("event_time", "recorded_at"):
        letter = get_column_letter(COLUMNS.index(column) + 1)
        for cell in sheet[letter][1:]:
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
