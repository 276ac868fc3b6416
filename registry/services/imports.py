"""All-or-nothing import of organizations and member households (hộ thành viên) from CSV/XLSX.

Every row goes through the API's input schema and the services' own rule checks
(``units.current_communes``, ``organizations.find_conflicts``,
``members.check_member_values``), run for the whole file at once, before anything is
written. A row naming a record already there (an organization by kind and registration
code, a household by ``members.HouseholdIndex``) updates it instead of adding one. If any
row is bad nothing is written and the report lists every bad row, numbered as the
spreadsheet shows it (the header is row 1). Headers and choice values
may be the API's field names or the Vietnamese a department spreadsheet uses, with or
without diacritics. The service adds and flushes; the caller commits when ``report.ok``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from flask_babel import gettext as _
from marshmallow import Schema, fields

from core.errors import NotFound
from core.extensions import db
from core.inputs import UNSET
from core.validation import load_or_errors
from registry.inputs import MemberInput, MemberPatch, OrganizationInput, OrganizationPatch
from registry.models import AdminUnit, MemberHousehold, Organization, User
from registry.schemas import MemberInputSchema, OrganizationInputSchema
from registry.services import import_guide, members, organizations, units
from registry.services.import_columns import (
    CHOICE_KEYS,
    DIGITS,
    MEMBER_HEADERS,
    ORG_HEADERS,
    ROW_NUMBER_HEADERS,
)
from registry.services.scoping import require_department
from registry.services.spreadsheets import (
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    Table,
    UnreadableFile,
    cell_date,
    cell_decimal,
    cell_integer,
    cell_text,
    header_key,
    is_blank,
    read_table,
    write_csv,
    write_xlsx,
)

Progress = Callable[[Iterable], Iterable]
# Rows are added and flushed this many at a time: few round trips, and a progress bar
# that moves while the database works.
_FLUSH_EVERY = 2_000


@dataclass
class RowError:
    """One problem in a file.

    ``row`` is numbered as the spreadsheet shows it (the header is row 1; 0 means the
    file as a whole), ``column`` is the header as the user wrote it ("" when none).
    """

    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    """What an import did: data rows read, rows created, rows that matched a record already
    there and changed it (updated) or not (unchanged), all 0 unless ok; every error found."""

    kind: str
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was wrong: the caller may commit."""
        return not self.errors


class _Column(NamedTuple):
    index: int
    label: str


@dataclass
class _Row:
    """A data row: its input (a patch of its valid fields when some are bad), its errors."""

    number: int
    values: OrganizationInput | OrganizationPatch | MemberInput | MemberPatch
    errors: dict[str, list[str]]
    unit: AdminUnit | None = None

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def fail_all(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.fail(name, message)


@dataclass
class _Spec:
    kind: str
    title: str
    schema: type[Schema]
    headers: dict[str, str]
    check: Callable[[list[_Row]], None]
    fields_by_header: dict[str, str] = field(init=False)

    def __post_init__(self):
        self.fields_by_header = {
            header_key(label): name
            for name, labels in self.headers.items()
            for label in (name, *labels.split("|"))
        }

    def template_label(self, name: str) -> str:
        """The header the template gives a field."""
        return self.headers[name].split("|")[0]


def import_organizations(
    user: User | None, filename: str, data: bytes, progress: Progress | None = None
) -> ImportReport:
    """Register every organization of a CSV/XLSX file, or none if any row is bad (department).

    A row naming an organization already registered (its kind and registration code)
    updates the columns the file has, or leaves it as it is; its status is never changed
    by an import. Importing the same file twice adds nothing.
    """
    require_department(user)
    return _import(
        _ORGANIZATIONS,
        filename,
        data,
        progress,
        organizations.build_organization,
        _OrganizationMatcher(),
    )


def import_members(
    user: User | None, org_id: int, filename: str, data: bytes, progress: Progress | None = None
) -> ImportReport:
    """Add every household of a CSV/XLSX file to a cooperative, or none if any row is bad.

    A row naming a household the cooperative already has (its head's name, commune and
    phone: ``members.HouseholdIndex``) updates the columns the file has, or is left as it
    is: importing the same file twice adds nothing.
    """
    org = members.member_org(user, org_id)
    return _import(
        _MEMBERS,
        filename,
        data,
        progress,
        lambda values, unit: members.build_member(org, values, unit),
        _MemberMatcher(org.id),
    )


def template_file(kind: str, fmt: str) -> tuple[bytes, str, str]:
    """An empty file to fill in: (content, mimetype, download filename); fmt "csv" or "xlsx"."""
    spec = _SPECS.get(kind)
    if spec is None or fmt not in ("csv", "xlsx"):
        raise NotFound(_("No such template."))
    labels = {name: spec.template_label(name) for name in spec.headers}
    header = list(labels.values())
    if fmt == "csv":
        return write_csv(header), CSV_MIMETYPE, f"{kind}-template.csv"
    text_columns = {spec.template_label(name) for name in (*DIGITS, "gln") if name in spec.headers}
    notes, sheets = import_guide.guide_sheets(kind, spec.schema(), labels)
    content = write_xlsx(header, text_columns, spec.title, notes, sheets)
    return content, XLSX_MIMETYPE, f"{kind}-template.xlsx"


def _import(spec: _Spec, filename: str, data: bytes, progress, build, matcher=None) -> ImportReport:
    progress = progress or (lambda rows: rows)
    report = ImportReport(spec.kind)
    try:
        table = read_table(filename, data)
    except UnreadableFile as exc:
        report.errors.append(RowError(0, "", exc.message))
        return report
    report.total_rows = len(table.rows)
    columns, report.errors = _map_columns(spec, table)
    if report.errors:
        return report
    rows = _check_rows(spec, table, columns, progress)
    if matcher is not None:
        matcher.check(rows)
    report.errors = [error for row in rows for error in _row_errors(row, columns)]
    if report.errors:
        return report
    if matcher is not None:
        rows = matcher.apply(rows, set(columns), report)
    report.created = _create_rows(rows, build, progress)
    return report


def _map_columns(spec: _Spec, table: Table) -> tuple[dict[str, _Column], list[RowError]]:
    columns: dict[str, _Column] = {}
    errors = []
    for index, label in enumerate(table.header):
        if not label or _is_row_number(label):
            continue
        name = spec.fields_by_header.get(header_key(label))
        if name is None:
            message = _("Unknown column: %(name)s.", name=label)
        elif name in columns:
            message = _("Column %(name)s repeats %(other)s.", name=label, other=columns[name].label)
        else:
            columns[name] = _Column(index, label)
            continue
        errors.append(RowError(table.header_row, label, message))
    for name, schema_field in spec.schema().fields.items():
        if schema_field.required and name not in columns:
            label = spec.template_label(name)
            message = _("Missing required column: %(name)s.", name=label)
            errors.append(RowError(table.header_row, label, message))
    return columns, errors


def _is_row_number(label: str) -> bool:
    """A "STT" (số thứ tự) column numbers the rows; it is not data, so it is skipped."""
    return header_key(label) in ROW_NUMBER_HEADERS


def _check_rows(spec: _Spec, table: Table, columns: dict[str, _Column], progress) -> list[_Row]:
    schema = spec.schema()
    used = {column.index for column in columns.values()} | {
        index for index, label in enumerate(table.header) if _is_row_number(label)
    }
    dates = {name for name, kind in schema.fields.items() if isinstance(kind, fields.Date)}
    rows = []
    for number, cells in progress(table.rows):
        raw = {
            name: _convert(name, schema.fields[name], cells[column.index])
            for name, column in columns.items()
            if column.index < len(cells) and not is_blank(cells[column.index])
        }
        values, errors = load_or_errors(schema, raw)
        errors.update({name: [_bad_date()] for name in errors if name in dates})
        row = _Row(number, values if values is not None else _salvage(schema, raw, errors), errors)
        if any(not is_blank(cell) for i, cell in enumerate(cells) if i not in used):
            row.fail("", _("This row has a value in a column that is not imported."))
        rows.append(row)
    _check_units(rows)
    spec.check(rows)
    return rows


def _bad_date() -> str:
    """A date cell the import cannot read, naming the formats ``cell_date`` reads."""
    return _("Not a valid date: write %(formats)s.", formats=import_guide.day_formats())


def _salvage(schema: Schema, raw: dict, errors: dict):
    """The values that passed, loaded as a patch, so a bad row is still checked by the rules."""
    # Each field was valid on its own and the schema has no cross-field rule: this loads.
    return schema.load({name: raw[name] for name in raw if name not in errors}, partial=True)


def _row_errors(row: _Row, columns: dict[str, _Column]) -> list[RowError]:
    return [
        RowError(row.number, columns[name].label if name in columns else "", message)
        for name, messages in row.errors.items()
        for message in messages
    ]


def _create_rows(rows: list[_Row], build, progress) -> int:
    """Build every row's object (its rules have passed) and add them, flushing in chunks."""
    chunk = []
    for row in progress(rows):
        chunk.append(build(row.values, row.unit))
        if len(chunk) == _FLUSH_EVERY:
            _save(chunk)
            chunk = []
    _save(chunk)
    return len(rows)


def _save(objects: list) -> None:
    db.session.add_all(objects)
    db.session.flush()


def _convert(name: str, schema_field: fields.Field, value):
    """A cell as the schema expects it: Vietnamese choices, dd/mm/yyyy, decimal commas."""
    if isinstance(schema_field, fields.Date):
        return cell_date(value)
    if isinstance(schema_field, fields.Float):
        return cell_decimal(value)
    if isinstance(schema_field, fields.Integer):
        return cell_integer(value)
    text = cell_text(value, DIGITS.get(name, 0))
    return CHOICE_KEYS[name].get(header_key(text), text) if name in CHOICE_KEYS else text


def _check_units(rows: list[_Row]) -> None:
    """Each row's commune, by the rule of units.current_commune, all fetched in one query."""
    given = {row.values.admin_unit for row in rows if row.values.admin_unit}
    # A commune may be named instead of coded: "Xã Ia Hrú" (or "Ia Hru") for its code.
    named, refused = units.commune_codes_by_name({text for text in given if not text.isdigit()})
    codes = {named.get(text, text) for text in given if text not in refused}
    communes, unknown = units.current_communes(codes)
    for row in rows:
        text = row.values.admin_unit or None
        code = named.get(text, text)
        if text in refused or code in unknown:
            row.fail("admin_unit", refused.get(text) or unknown[code])
        row.unit = communes.get(code)


def _check_organizations(rows: list[_Row]) -> None:
    """None that needs no database: the registry's clashes depend on which organizations the
    rows update, so ``_OrganizationMatcher.check`` finds those first, then the clashes."""


def _check_members(rows: list[_Row]) -> None:
    """The household rules that need no database (joining date)."""
    for row in rows:
        row.fail_all(members.check_member_values(row.values))


class _Matcher:
    """What the import matchers share: the rows whose record is already there (``found``,
    by row number) update it through ``merge``; the others are created."""

    found: dict
    merge: Callable

    def apply(self, rows: list[_Row], columns: set[str], report: ImportReport) -> list[_Row]:
        """Update the records found (the file's columns only); return the rows to create."""
        new_rows = []
        for row in rows:
            record = self.found.get(row.number)
            if record is None:
                new_rows.append(row)
            elif self.merge(record, row.values, row.unit, columns):
                report.updated += 1
            else:
                report.unchanged += 1
        db.session.flush()
        return new_rows


class _MemberMatcher(_Matcher):
    """Finds the file's households among the cooperative's own (one query) by their natural
    key, refuses a household named twice in the file, and updates those found."""

    def __init__(self, org_id: int):
        self.existing = members.HouseholdIndex(org_id)
        self.found: dict[int, MemberHousehold] = {}

    def check(self, rows: list[_Row]) -> None:
        """A household twice in the file is an error on its second row."""
        first: dict[tuple, int] = {}
        claimed: dict[int, int] = {}
        for row in rows:
            if row.unit is None or row.values.head_name in (None, UNSET):
                continue
            key = members.household_key(row.values.head_name, row.unit.id, row.values.phone)
            if key in first:
                message = _("This household repeats row %(row)s.", row=first[key])
                row.fail("head_name", message)
                continue
            first[key] = row.number
            member = self.existing.find(key)
            if member is None:
                continue
            if member.id in claimed:
                message = _(
                    "This row and row %(row)s name the same household.", row=claimed[member.id]
                )
                row.fail("head_name", message)
                continue
            claimed[member.id] = row.number
            self.found[row.number] = member

    merge = staticmethod(members.merge_member)


class _OrganizationMatcher(_Matcher):
    """Finds the file's organizations in the registry by kind + registration code (one
    query), checks the clashes of every row knowing which organization it updates (a GLN
    of another organization is still refused), and updates those found."""

    def __init__(self):
        self.found: dict[int, Organization] = {}

    def check(self, rows: list[_Row]) -> None:
        """Registration codes and GLNs clash neither with another organization of the
        registry nor within the file."""
        values = {row.number: row.values for row in rows}
        self.found = organizations.find_registered(values)
        updates = {number: org.id for number, org in self.found.items()}
        conflicts = organizations.find_conflicts(values, updates=updates)
        for row in rows:
            row.fail_all(conflicts.get(row.number, {}))

    merge = staticmethod(organizations.merge_organization)


_ORGANIZATIONS = _Spec(
    "organizations", "Tổ chức", OrganizationInputSchema, ORG_HEADERS, _check_organizations
)
_MEMBERS = _Spec("members", "Hộ thành viên", MemberInputSchema, MEMBER_HEADERS, _check_members)
_SPECS = {spec.kind: spec for spec in (_ORGANIZATIONS, _MEMBERS)}
