"""All-or-nothing import of a season's trace records from CSV/XLSX: lots with their harvest
and contributing households, inputs applied, shipments.

The file is read with the registry imports' reader (same size, row and zip-bomb limits,
formulas read as their values, never run). Every record then goes through the schemas and
services the forms and the API use: a lot through ``BatchInputSchema`` and
``batches.create_batch``, its harvest, an input or a shipment through ``EventInputSchema`` and
``events.record_event``, so quantities, dates, completeness and the hash chain are checked and
written as for a form. Each record is written in a savepoint: a refused one is undone and
reported, and the others are still checked, so the report lists every bad row at once. The
service flushes; the caller commits only when ``report.ok``.

A file sent again imports nothing: a lot whose code the cooperative already has, and an
input or shipment already recorded, count as ``unchanged``.
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, Forbidden, ServiceError, ValidationFailed
from core.extensions import db
from registry.models import User
from registry.services.imports import ImportReport, RowError
from registry.services.spreadsheets import (
    Table,
    UnreadableFile,
    header_key,
    read_table,
)
from trace import names
from trace.event_schemas import EventInputSchema
from trace.models import Batch, BatchHousehold, BatchLink, EventKind, EventLine, TraceEvent
from trace.schemas import BatchInputSchema
from trace.services import batches, completeness, events, revisions
from trace.services import season_columns as columns
from trace.services.season_columns import INPUTS, LOTS, SHIPMENTS
from trace.services.season_sheet import (
    Record,
    Sheet,
    event_time,
    load,
    lots_by_code,
    map_columns,
    rows,
)

Progress = Callable[[Iterable], Iterable]
_CREATED, _UNCHANGED, _REFUSED = "created", "unchanged", "refused"


def import_season(
    user: User | None, kind: str, filename: str, data: bytes, progress: Progress | None = None
) -> ImportReport:
    """Record every lot, input or shipment (``kind``) of a CSV/XLSX file, or none if any row
    is bad; returns the report (flushed, not committed)."""
    if not may_import(user):
        raise Forbidden(_("Only a cooperative's staff record this."))
    progress = progress or (lambda items: items)
    report = ImportReport(kind)
    try:
        table = read_table(filename, data)
    except UnreadableFile as exc:
        report.errors.append(RowError(0, "", exc.message))
        return report
    report.total_rows = len(table.rows)
    sheet = Sheet(kind, user, table)
    map_columns(sheet)
    if sheet.errors:
        report.errors = sheet.errors
        return report
    records = _RECORDS[kind](sheet)
    bad = {error.row for error in sheet.errors}
    records = [record for record in records if bad.isdisjoint(record.rows)]
    fresh = _not_yet_recorded(sheet, records)
    report.unchanged = len(records) - len(fresh)
    with completeness.deferred_refresh(), revisions.deferred_revisions():
        for record in progress(fresh):
            outcome = _write(sheet, record)
            report.created += outcome == _CREATED
            report.unchanged += outcome == _UNCHANGED
    report.errors = sorted(sheet.errors, key=lambda error: error.row)
    if report.errors:
        report.created = report.unchanged = 0
    return report


def may_import(user: User | None) -> bool:
    """True for a cooperative's staff: they record its lots and events."""
    org = user.organization if user is not None and user.organization_id else None
    return org is not None and org.is_cooperative_kind and not user.is_department


def table_of(filename: str, data: bytes) -> Table:
    """The file's table (``UnreadableFile`` when it cannot be read)."""
    return read_table(filename, data)


# Lots with their harvest ---------------------------------------------------------------------


def _lot_records(sheet: Sheet) -> list[Record]:
    """One record per lot code; its households are its rows (one row per household)."""
    lots: dict[str, Record] = {}
    for number, values, ok in rows(sheet):
        code = values.get("lot_code")
        if code is None:
            if ok:
                sheet.fail(number, "lot_code", _("This field is required."))
            continue
        record = lots.setdefault(code, Record([]))
        record.rows.append(number)  # a bad row keeps its whole lot from being written
        if not ok:
            continue
        _merge_lot_fields(sheet, record, number, values)
        _add_household(sheet, record, number, values)
    return list(lots.values())


def _merge_lot_fields(sheet: Sheet, record: Record, number: int, values: dict) -> None:
    record.values.setdefault("lot_code", values["lot_code"])
    for name in columns.LOT_FIELDS:
        if name not in values:
            continue
        first = record.values.setdefault(name, values[name])
        if first != values[name]:
            message = _(
                "Lot %(lot)s has another value on row %(row)s.",
                lot=values["lot_code"],
                row=record.rows[0],
            )
            sheet.fail(number, name, message)


def _add_household(sheet: Sheet, record: Record, number: int, values: dict) -> None:
    member, share = values.get("household"), values.get("household_quantity")
    if member is None:
        sheet.fail(number, "household", _("This field is required."))
        return
    if share is None:
        sheet.fail(number, "household_quantity", _("This field is required."))
        return
    if member in record.household_rows:
        message = _("This household is already on row %(row)s.", row=record.household_rows[member])
        sheet.fail(number, "household", message)
        return
    record.household_rows[member] = number
    record.values.setdefault("households", []).append({"member_id": member, "quantity": share})


def _write_lot(sheet: Sheet, record: Record) -> None:
    values = record.values
    if "harvest_date" not in values:
        raise ValidationFailed.on_field("harvest_date", _("This field is required."))
    shares = values.get("households", [])
    quantity = values.get("quantity") or sum((s["quantity"] for s in shares), Decimal(0))
    body = {
        "product_id": values.get("product"),
        "lot_code": values["lot_code"],
        "quantity": str(quantity),
        "harvest_date": values["harvest_date"].isoformat(),
        "site_ids": [values["site"]] if "site" in values else [],
        "households": [{**s, "quantity": str(s["quantity"])} for s in shares],
    }
    lot = batches.create_batch(sheet.user, load(BatchInputSchema(), body))
    _check_unit(lot, values.get("unit"))
    harvest = {
        "kind": EventKind.HARVEST.value,
        "event_time": event_time(values["harvest_date"]),
        "site_id": values.get("site"),
        "lines": [{"batch_id": lot.id}],
    }
    events.record_event(sheet.user, load(EventInputSchema(), harvest))


def _check_unit(lot: Batch, unit: str | None) -> None:
    """A unit the file gives must be the product's (the lot is counted in it)."""
    if unit is None:
        return
    wanted = header_key(unit)
    label = names.UNIT_LABELS.get(lot.unit.value, lot.unit.value)
    if wanted not in {header_key(lot.unit.value), header_key(str(label))}:
        raise ValidationFailed.on_field(
            "unit",
            _("%(product)s is counted in %(unit)s.", product=lot.product.name, unit=label),
        )


# Inputs applied and shipments ------------------------------------------------------------------


def _event_records(sheet: Sheet) -> list[Record]:
    """One record per row; its lot is found by code among the cooperative's (one query)."""
    records = [Record([number], values) for number, values, ok in rows(sheet) if ok]
    codes = {r.values["lot_code"] for r in records if "lot_code" in r.values}
    found = lots_by_code(sheet.user.organization_id, codes)
    for record in records:
        code = record.values.get("lot_code")
        if code is None:
            if sheet.kind == SHIPMENTS or "site" not in record.values:
                sheet.fail(record.rows[0], "lot_code", _("Name a lot (or, for an input, a site)."))
        elif code not in found:
            sheet.fail(
                record.rows[0], "lot_code", _("No lot of yours has the code %(lot)s.", lot=code)
            )
        else:
            record.values["batch_id"] = found[code]
    return records


def _write_input(sheet: Sheet, record: Record) -> None:
    values = record.values
    body = {
        "kind": EventKind.INPUT_APPLIED.value,
        "event_time": event_time(values["date"]),
        "site_id": values.get("site"),
        "lines": [{"batch_id": values["batch_id"]}] if "batch_id" in values else [],
        "input_name": values.get("input_name"),
        "dose": str(values["dose"]) if "dose" in values else None,
        "dose_unit": values.get("dose_unit"),
        "pre_harvest_interval_days": values.get("pre_harvest_interval_days"),
    }
    events.record_event(sheet.user, load(EventInputSchema(), body))


def _write_shipment(sheet: Sheet, record: Record) -> None:
    values = record.values
    body = {
        "kind": EventKind.SHIPPING.value,
        "event_time": event_time(values["date"]),
        "destination_org_id": values["buyer"],
        "lines": [{"batch_id": values["batch_id"], "quantity": str(values["quantity"])}],
    }
    if "reference" in values:
        kind = header_key(values.get("reference_type") or "")
        body["reference"] = {
            "type": columns.REFERENCE_TYPES.get(kind, kind or "other"),
            "id": values["reference"],
        }
    events.record_event(sheet.user, load(EventInputSchema(), body))


# What every kind shares ------------------------------------------------------------------------


def _write(sheet: Sheet, record: Record) -> str:
    """Write a record in a savepoint; on a refusal undo it and report it."""
    savepoint = db.session.begin_nested()
    try:
        _WRITERS[sheet.kind](sheet, record)
        db.session.flush()
    except Conflict as exc:
        savepoint.rollback()
        if "event_hash" in (exc.errors or {}):
            return _UNCHANGED  # already recorded: not an error
        sheet.fail_service(record, exc)
        return _REFUSED
    except ServiceError as exc:
        savepoint.rollback()
        sheet.fail_service(record, exc)
        return _REFUSED
    savepoint.commit()
    _let_go()
    return _CREATED


def _let_go() -> None:
    """Drop the written record's rows from the session (they are flushed): a session that
    kept every lot of a long file would walk them all at each later flush."""
    session = db.session()
    for obj in list(session.identity_map.values()):
        if isinstance(obj, _WRITTEN) and obj in session:  # expunging a lot takes its shares
            session.expunge(obj)


def _not_yet_recorded(sheet: Sheet, records: list[Record]) -> list[Record]:
    """The records the cooperative does not have yet (a file sent twice adds nothing)."""
    if sheet.kind == LOTS:
        codes = {record.values["lot_code"] for record in records}
        there = lots_by_code(sheet.user.organization_id, codes)
        return [record for record in records if record.values["lot_code"] not in there]
    if sheet.kind == SHIPMENTS:
        there = _shipments_of({r.values["batch_id"] for r in records})
        return [r for r in records if _shipment_key(r) not in there]
    return records  # an input recorded twice has the same event hash: see ``_write``


def _shipments_of(batch_ids: set[int]) -> set[tuple]:
    keys: set[tuple] = set()
    ordered = sorted(batch_ids)
    for start in range(0, len(ordered), 900):
        rows = db.session.scalars(
            select(TraceEvent)
            .options(selectinload(TraceEvent.lines))
            .join(EventLine, EventLine.event_id == TraceEvent.id)
            .where(
                TraceEvent.kind == EventKind.SHIPPING,
                EventLine.batch_id.in_(ordered[start : start + 900]),
            )
        ).unique()
        for event in rows:
            for line in event.lines:
                moment = event.event_time.replace(tzinfo=None, microsecond=0)
                keys.add((line.batch_id, event.destination_org_id, moment, Decimal(line.quantity)))
    return keys


def _shipment_key(record: Record) -> tuple:
    moment = datetime.fromisoformat(event_time(record.values["date"]))
    utc = moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    values = record.values
    return (values["batch_id"], values["buyer"], utc, Decimal(values["quantity"]))


_WRITTEN = (Batch, BatchHousehold, BatchLink, EventLine, TraceEvent)
_RECORDS = {LOTS: _lot_records, INPUTS: _event_records, SHIPMENTS: _event_records}
_WRITERS = {LOTS: _write_lot, INPUTS: _write_input, SHIPMENTS: _write_shipment}
