"""What a season import reads: a sheet's columns mapped to fields, each row's cells converted
(dates, decimal commas, whole numbers) and matched (``season_columns``), and the records a
kind's rows make; the pieces every kind of row shares (``season_import`` writes them)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import ServiceError, ValidationFailed
from core.extensions import db
from core.validation import load_or_errors
from registry.models import User
from registry.services.imports import RowError
from registry.services.spreadsheets import (
    Table,
    cell_date,
    cell_decimal,
    cell_integer,
    cell_text,
    header_key,
    is_blank,
)
from trace.models import Batch
from trace.services import season_columns as columns
from trace.services.season_columns import INPUTS, LOTS, SHIPMENTS

_DATES = {"harvest_date", "date"}
_DECIMALS = {"quantity", "household_quantity", "dose"}
_INTEGERS = {"pre_harvest_interval_days"}
# The services' field names, as the file's columns (per kind; "" is the row as a whole).
_FIELD_COLUMNS = {
    LOTS: {
        "product_id": "product",
        "lot_code": "lot_code",
        "quantity": "quantity",
        "harvest_date": "harvest_date",
        "expiry_date": "harvest_date",
        "event_time": "harvest_date",
        "site_ids": "site",
        "site_id": "site",
        "households": "household_quantity",
        "lines": "household_quantity",
    },
    INPUTS: {"lines": "lot_code", "site_id": "site", "event_time": "date"},
    SHIPMENTS: {
        "lines": "quantity",
        "destination_org_id": "buyer",
        "event_time": "date",
        "reference.id": "reference",
        "reference.type": "reference_type",
        "reference": "reference",
    },
}


@dataclass
class Record:
    """One thing to write (a lot and its harvest, an input, a shipment): its rows, values."""

    rows: list[int]
    values: dict = field(default_factory=dict)
    household_rows: dict[int, int] = field(default_factory=dict)  # member id -> row


class Sheet:
    """A read file of one kind: its columns, the lookups its cells name, the errors found."""

    def __init__(self, kind: str, user: User, table: Table):
        self.kind, self.user, self.table = kind, user, table
        self.columns: dict[str, tuple[int, str]] = {}
        self.errors: list[RowError] = []
        self.lookups = lookups(kind, user.organization_id)

    def fail(self, row: int, name: str, message: str) -> None:
        """Record an error of ``row`` in the column of field ``name`` ("": the row)."""
        label = self.columns[name][1] if name in self.columns else ""
        self.errors.append(RowError(row, label, message))

    def fail_service(self, record: Record, exc: ServiceError) -> None:
        """Report a service's refusal of a record on its first row, in the field's column."""
        mapping = _FIELD_COLUMNS[self.kind]
        for name, messages in (exc.errors or {"": [exc.message]}).items():
            column = mapping.get(name, name if name in self.columns else "")
            for message in messages:
                self.fail(record.rows[0], column, message)


def lookups(kind: str, org_id: int) -> dict[str, columns.Lookup]:
    """The records the cells of ``kind`` name, by column (one query each)."""
    if kind == LOTS:
        return {
            "product": columns.products_lookup(org_id),
            "site": columns.sites_lookup(org_id),
            "household": columns.households_lookup(org_id),
        }
    if kind == INPUTS:
        return {"site": columns.sites_lookup(org_id)}
    return {"buyer": columns.buyers_lookup(org_id)}


def map_columns(sheet: Sheet) -> None:
    """Map the header to fields; unknown, repeated and missing columns are errors of row 1."""
    known = columns.fields_by_header(sheet.kind)
    header_row = sheet.table.header_row
    for index, label in enumerate(sheet.table.header):
        key = header_key(label)
        if not label or key in columns.ROW_NUMBER_HEADERS:
            continue
        name = known.get(key)
        if name is None:
            sheet.errors.append(
                RowError(header_row, label, _("Unknown column: %(name)s.", name=label))
            )
        elif name in sheet.columns:
            other = sheet.columns[name][1]
            message = _("Column %(name)s repeats %(other)s.", name=label, other=other)
            sheet.errors.append(RowError(header_row, label, message))
        else:
            sheet.columns[name] = (index, label)
    for name in columns.REQUIRED[sheet.kind]:
        if name not in sheet.columns:
            label = columns.template_label(sheet.kind, name)
            message = _("Missing required column: %(name)s.", name=label)
            sheet.errors.append(RowError(header_row, label, message))


def _cells(sheet: Sheet, number: int, cells: list) -> tuple[dict, bool]:
    """A row's good values by field, converted, and False when a cell is bad (recorded)."""
    values, ok = {}, True
    for name, (index, _label) in sheet.columns.items():
        cell = cells[index] if index < len(cells) else None
        if is_blank(cell):
            continue
        value, error = _convert(sheet, name, cell)
        if error:
            sheet.fail(number, name, error)
            ok = False
        else:
            values[name] = value
    return values, ok


def _convert(sheet: Sheet, name: str, cell) -> tuple[object, str | None]:
    if name in _DATES:
        try:
            return date.fromisoformat(cell_date(cell)), None
        except ValueError:
            return None, _("Not a valid date (use dd/mm/yyyy or YYYY-MM-DD).")
    if name in _DECIMALS:
        try:
            value = Decimal(str(cell_decimal(cell)))
        except InvalidOperation:
            return None, _("Not a valid number.")
        if not value.is_finite() or value <= 0:
            return None, _("Give a number greater than 0.")
        return value, None
    if name in _INTEGERS:
        value = cell_integer(cell)
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return int(value), None
        return None, _("Not a valid whole number.")
    text = " ".join(cell_text(cell).split())
    if name in sheet.lookups:
        return sheet.lookups[name].find(text)
    return text, None


def rows(sheet: Sheet) -> Iterable[tuple[int, dict, bool]]:
    """(row number, good values, False when a cell was bad) of every data row."""
    for number, cells in sheet.table.rows:
        yield number, *_cells(sheet, number, cells)


def lots_by_code(org_id: int, codes: set[str]) -> dict[str, int]:
    """Lot code -> id of those of the organization's lots the codes name."""
    found: dict[str, int] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 900):  # SQLite's limit on bound parameters
        chunk = ordered[start : start + 900]
        found.update(
            db.session.execute(
                select(Batch.lot_code, Batch.id).where(
                    Batch.organization_id == org_id, Batch.lot_code.in_(chunk)
                )
            ).all()
        )
    return found


def load(schema, body: dict):
    """``body`` loaded by the API's schema, or its field errors raised as a refusal."""
    values, errors = load_or_errors(schema, body)
    if errors:
        raise ValidationFailed(_("Please correct the highlighted fields."), errors)
    return values


def event_time(day: date) -> str:
    """The moment a dated row's event is recorded at: the start of its day in Vietnam, so a
    re-sent file gives the same event (never a time that is still to come)."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(0, 0), zone).isoformat()
