"""All-or-nothing import of organizations and member households (hộ thành viên) from CSV/XLSX.

Every row goes through the API's input schema and the registry's rules before anything
is written; if any row is bad nothing is created and the report lists every bad row,
numbered as the spreadsheet shows it (the header is row 1). Headers and choice values
may be the API's field names or the Vietnamese a department spreadsheet uses, with or
without diacritics. The service adds and flushes; the caller commits when ``report.ok``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from flask_babel import gettext as _
from marshmallow import Schema, fields
from sqlalchemy import select

from core.errors import NotFound, ServiceError
from core.extensions import db
from core.text import clean
from core.validation import load_or_errors
from registry.models import AdminUnit, Organization, User
from registry.schemas import MemberInputSchema, OrganizationInputSchema
from registry.services import members, organizations
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
from registry.services.units import COMMUNE_LEVELS

Progress = Callable[[Iterable], Iterable]

_UNIT_LABELS = "Mã xã|Mã đơn vị hành chính|Mã ĐVHC|Mã xã/phường"
_PHONE_LABELS = "Điện thoại|Số điện thoại|SĐT|ĐT"
# Field -> the headers a department spreadsheet uses, "|"-separated; the first is the
# template's. The field's own name is accepted too; case and diacritics do not matter.
_ORG_HEADERS = {
    "kind": "Loại hình|Loại hình tổ chức|Loại",
    "name": "Tên|Tên HTX|Tên tổ chức|Tên đơn vị|Tên hợp tác xã|Tên doanh nghiệp",
    "short_name": "Tên viết tắt|Tên ngắn",
    "registration_code": "Mã số đăng ký|Mã số|Mã số HTX|Mã số doanh nghiệp|Số đăng ký|Mã số ĐKKD",
    "tax_code": "Mã số thuế|MST",
    "admin_unit": _UNIT_LABELS,
    "address": "Địa chỉ|Địa chỉ trụ sở|Trụ sở",
    "latitude": "Vĩ độ",
    "longitude": "Kinh độ",
    "sector": "Lĩnh vực|Ngành",
    "main_products": "Sản phẩm chính|Sản phẩm",
    "representative": "Người đại diện|Người đại diện theo pháp luật|Đại diện",
    "phone": _PHONE_LABELS,
    "email": "Email|E-mail|Thư điện tử",
    "gln": "GLN|Mã GLN|Mã địa điểm toàn cầu",
    "status": "Trạng thái|Tình trạng|Tình trạng hoạt động",
    "status_since": "Trạng thái từ ngày|Ngày chuyển trạng thái",
    "established_on": "Ngày thành lập",
    "member_count": "Số thành viên",
    "rating_year": "Năm xếp loại|Năm đánh giá",
    "rating": "Xếp loại|Kết quả xếp loại|Đánh giá",
}
_MEMBER_HEADERS = {
    "head_name": "Họ tên chủ hộ|Chủ hộ|Tên chủ hộ|Họ và tên chủ hộ|Họ tên|Họ và tên",
    "admin_unit": _UNIT_LABELS,
    "village": "Thôn, làng|Thôn|Làng|Buôn|Thôn, buôn|Tổ dân phố",
    "phone": _PHONE_LABELS,
    "planted_area_ha": "Diện tích (ha)|Diện tích|Diện tích canh tác (ha)",
    "member_type": "Loại thành viên|Loại",
    "joined_on": "Ngày vào|Ngày gia nhập|Ngày tham gia",
}
_ROW_NUMBER_HEADERS = {"stt", "tt", "so tt", "so thu tu"}
# Choice value -> its Vietnamese names; the value itself is accepted too.
_CHOICES = {
    "kind": {
        "cooperative": "HTX|Hợp tác xã",
        "cooperative_group": "THT|Tổ hợp tác",
        "cooperative_union": "Liên hiệp HTX|Liên hiệp hợp tác xã",
        "enterprise": "Doanh nghiệp|DN|Công ty",
        "agency": "Cơ quan|Cơ quan nhà nước",
    },
    "sector": {"agricultural": "Nông nghiệp", "non_agricultural": "Phi nông nghiệp"},
    "status": {
        "active": "Đang hoạt động|Hoạt động",
        "suspended": "Tạm ngừng|Tạm ngừng hoạt động",
        "dissolved": "Giải thể|Đã giải thể",
    },
    "rating": {"good": "Tốt", "fair": "Khá", "average": "Trung bình", "weak": "Yếu"},
    "member_type": {
        "official": "Chính thức|Thành viên chính thức",
        "associate": "Liên kết|Thành viên liên kết",
    },
}
_CHOICE_KEYS = {
    name: {
        header_key(alias): value
        for value, names in table.items()
        for alias in (value, *names.split("|"))
    }
    for name, table in _CHOICES.items()
}
# Excel turns codes typed as numbers into numbers and drops their leading zeros.
_DIGITS = {"admin_unit": 5, "tax_code": 10, "registration_code": 10, "phone": 10}


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
    """What an import did: data rows read, rows created (0 unless ok), every error found."""

    kind: str
    total_rows: int = 0
    created: int = 0
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
    number: int
    values: dict
    errors: dict[str, list[str]]

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


@dataclass
class _Spec:
    kind: str
    title: str
    schema: type[Schema]
    headers: dict[str, str]
    rules: tuple[Callable[[list[_Row]], None], ...]
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
    """Register every organization of a CSV/XLSX file, or none if any row is bad (department)."""
    require_department(user)
    return _import(
        _ORGANIZATIONS,
        filename,
        data,
        progress,
        lambda values: organizations.create_organization(user, values),
    )


def import_members(
    user: User | None, org_id: int, filename: str, data: bytes, progress: Progress | None = None
) -> ImportReport:
    """Add every household of a CSV/XLSX file to a cooperative, or none if any row is bad."""
    members.member_org(user, org_id)
    return _import(
        _MEMBERS, filename, data, progress, lambda values: members.add_member(user, org_id, values)
    )


def template_file(kind: str, fmt: str) -> tuple[bytes, str, str]:
    """An empty file to fill in: (content, mimetype, download filename); fmt "csv" or "xlsx"."""
    spec = _SPECS.get(kind)
    if spec is None or fmt not in ("csv", "xlsx"):
        raise NotFound(_("No such template."))
    header = [spec.template_label(name) for name in spec.headers]
    if fmt == "csv":
        return write_csv(header), CSV_MIMETYPE, f"{kind}-template.csv"
    text_columns = {spec.template_label(name) for name in (*_DIGITS, "gln") if name in spec.headers}
    return write_xlsx(header, text_columns, spec.title), XLSX_MIMETYPE, f"{kind}-template.xlsx"


def _import(spec: _Spec, filename: str, data: bytes, progress, create) -> ImportReport:
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
    report.errors = [error for row in rows for error in _row_errors(row, columns)]
    if report.errors:
        return report
    report.created = _create_rows(rows, columns, create, progress, report.errors)
    if report.errors:
        report.created = 0
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
    return header_key(label) in _ROW_NUMBER_HEADERS


def _check_rows(spec: _Spec, table: Table, columns: dict[str, _Column], progress) -> list[_Row]:
    schema = spec.schema()
    used = {column.index for column in columns.values()} | {
        index for index, label in enumerate(table.header) if _is_row_number(label)
    }
    rows = []
    for number, cells in progress(table.rows):
        raw = {
            name: _convert(name, schema.fields[name], cells[column.index])
            for name, column in columns.items()
            if column.index < len(cells) and not is_blank(cells[column.index])
        }
        values, errors = load_or_errors(schema, raw)
        row = _Row(number, values if values is not None else _salvage(raw, errors), errors)
        if any(not is_blank(cell) for i, cell in enumerate(cells) if i not in used):
            row.fail("", _("This row has a value in a column that is not imported."))
        rows.append(row)
    _check_units(rows)
    for rule in spec.rules:
        rule(rows)
    return rows


def _salvage(raw: dict, errors: dict) -> dict:
    """The values that passed, so a bad row is still checked against the other rules."""
    return {
        name: clean(value) if isinstance(value, str) else value
        for name, value in raw.items()
        if name not in errors
    }


def _row_errors(row: _Row, columns: dict[str, _Column]) -> list[RowError]:
    return [
        RowError(row.number, columns[name].label if name in columns else "", message)
        for name, messages in row.errors.items()
        for message in messages
    ]


def _create_rows(rows: list[_Row], columns, create, progress, errors: list[RowError]) -> int:
    """Create through the services; a rule only they enforce still becomes a row error."""
    created = 0
    for row in progress(rows):
        try:
            create(row.values)
        except ServiceError as exc:
            row.errors = exc.errors or {"": [exc.message]}
            errors.extend(_row_errors(row, columns))
        else:
            created += 1
    return created


def _convert(name: str, schema_field: fields.Field, value):
    """A cell as the schema expects it: Vietnamese choices, dd/mm/yyyy, decimal commas."""
    if isinstance(schema_field, fields.Date):
        return cell_date(value)
    if isinstance(schema_field, fields.Float):
        return cell_decimal(value)
    if isinstance(schema_field, fields.Integer):
        return cell_integer(value)
    text = cell_text(value, _DIGITS.get(name, 0))
    return _CHOICE_KEYS[name].get(header_key(text), text) if name in _CHOICE_KEYS else text


def _check_units(rows: list[_Row]) -> None:
    """The rule of units.current_commune, with every unit of the file fetched at once."""
    codes = {row.values["admin_unit"] for row in rows if row.values.get("admin_unit")}
    if not codes:
        return
    units = {
        unit.code: unit
        for unit in db.session.scalars(
            select(AdminUnit).where(AdminUnit.code.in_(list(codes)), AdminUnit.valid_to.is_(None))
        )
    }
    for row in rows:
        code = row.values.get("admin_unit")
        unit = units.get(code)
        if code and unit is None:
            row.fail("admin_unit", _("Unknown administrative unit: %(code)s.", code=code))
        elif code and unit.level not in COMMUNE_LEVELS:
            row.fail("admin_unit", _("%(name)s is not a commune or ward.", name=unit.full_name))


def _first_rows(rows: list[_Row], name: str, key_of, repeated: Callable[[str, int], str]) -> dict:
    """Each key's first row; a later row with the same key fails with ``repeated(value, row)``."""
    first: dict = {}
    for row in rows:
        key = key_of(row.values)
        if key is None:
            continue
        if key in first:
            row.fail(name, repeated(row.values[name], first[key].number))
        else:
            first[key] = row
    return first


def _kind_and_code(values: dict) -> tuple[str, str] | None:
    kind, code = values.get("kind"), values.get("registration_code")
    return (kind, code) if kind and code else None


def _check_registration_codes(rows: list[_Row]) -> None:
    """Kind + registration code is unique in the file and in the registry."""
    first = _first_rows(
        rows,
        "registration_code",
        _kind_and_code,
        lambda code, row: _(
            "Registration code %(code)s also appears in row %(row)s.", code=code, row=row
        ),
    )
    if not first:
        return
    clashes = db.session.execute(
        select(
            Organization.kind, Organization.registration_code, Organization.name, Organization.id
        ).where(Organization.registration_code.in_([code for _kind, code in first]))
    )
    for kind, code, name, org_id in clashes:
        if row := first.get((kind.value, code)):
            message = _(
                "Registration code %(code)s is already used by %(name)s (id %(id)s).",
                code=code,
                name=name,
                id=org_id,
            )
            row.fail("registration_code", message)


def _check_glns(rows: list[_Row]) -> None:
    """A GLN belongs to one organization, in the file and in the registry."""
    first = _first_rows(
        rows,
        "gln",
        lambda values: values.get("gln"),
        lambda gln, row: _("GLN %(gln)s also appears in row %(row)s.", gln=gln, row=row),
    )
    if not first:
        return
    clashes = db.session.execute(
        select(Organization.gln, Organization.name).where(Organization.gln.in_(list(first)))
    )
    for gln, name in clashes:
        first[gln].fail("gln", _("GLN %(gln)s is already used by %(name)s.", gln=gln, name=name))


def _check_joined_on(rows: list[_Row]) -> None:
    """The rule of members.add_member, checked here so that every bad row is reported."""
    for row in rows:
        joined_on = row.values.get("joined_on")
        if isinstance(joined_on, date) and joined_on > date.today():
            row.fail("joined_on", _("The joining date is in the future."))


_ORGANIZATIONS = _Spec(
    "organizations",
    "Tổ chức",
    OrganizationInputSchema,
    _ORG_HEADERS,
    (_check_registration_codes, _check_glns),
)
_MEMBERS = _Spec(
    "members", "Hộ thành viên", MemberInputSchema, _MEMBER_HEADERS, (_check_joined_on,)
)
_SPECS = {spec.kind: spec for spec in (_ORGANIZATIONS, _MEMBERS)}
