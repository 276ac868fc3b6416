"""The ``indicators`` blueprint and the helpers its views share: the filter form, the
pager, the table exports and the formats of a share.

Views are thin: the filter form's values go through the indicator services'
``parse_query`` (one validation path with the API) and ``scoped_query`` (what the
caller may see); a bad value is shown beside its field and the page falls back
to the default (today, the whole province).
"""

import io
from collections.abc import Iterable, Sequence
from datetime import date

from babel.numbers import format_decimal, format_percent
from flask import Blueprint, request, send_file, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from core.errors import ValidationFailed
from core.exports import table_file
from core.extensions import db, login_manager
from indicators.services import IndicatorQuery, parse_query, scoped_query
from linkage.names import CONTRACT_STATUS_LABELS
from registry.models import AdminUnit, UnitLevel
from registry.services.scoping import require_department
from registry.services.units import communes_of, default_province_code
from trace.names import CATEGORY_LABELS

bp = Blueprint("indicators", __name__, url_prefix="/indicators")

PER_PAGE = 25
FILTER_FIELDS = ("as_of", "from", "to", "admin_unit", "category")
LEGACY_PROVINCE = "64"  # Gia Lai before the merger of 1 July 2025


@bp.before_request
def _require_login():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.context_processor
def _template_names() -> dict:
    return {
        "category_labels": CATEGORY_LABELS,
        "contract_status_labels": CONTRACT_STATUS_LABELS,
        "pct": pct,
        "num": num,
        "show": show,
        "export_links": export_links,
    }


def pct(value: float | None) -> str:
    """A share as a percentage in the user's locale (``42,9 %``); "—" when undefined."""
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.0%", locale=get_locale())


def num(value) -> str:
    """A count or quantity in the user's locale (``1.234,5``); "—" when undefined."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.###", locale=get_locale())


def show(value, numeric: bool = False) -> str:
    """A table cell as the page shows it: numbers and dates in the user's locale."""
    if value is None:
        return "—"
    if numeric:
        return num(value)
    if isinstance(value, date):
        return format_date(value, "dd/MM/yyyy" if str(get_locale()) == "vi" else "medium")
    return str(value)


def filters() -> tuple[IndicatorQuery, dict[str, str], dict[str, list[str]]]:
    """The department's query from the filter form, the values to show back, and errors."""
    require_department(current_user)
    raw = {key: request.args.get(key, "").strip() for key in FILTER_FIELDS}
    try:
        query = parse_query(raw)
    except ValidationFailed as exc:
        return IndicatorQuery(), raw, exc.errors or {"_schema": [exc.message]}
    return scoped_query(current_user, query), raw, {}


def filter_args(raw: dict[str, str]) -> dict[str, str]:
    """The filter values set, for links that keep the filter (drill-down, exports, pager)."""
    return {key: value for key, value in raw.items() if value}


def unit_options() -> list[tuple[str, str]]:
    """(code, name) of the areas the filter offers: communes, then former districts."""
    communes = [(unit.code, unit.full_name) for unit in communes_of()]
    legacy = [
        (code, _("%(name)s (former district, before 7/2025)", name=name))
        for code, name in _legacy_districts()
    ]
    return communes + legacy


def _legacy_districts() -> list[tuple[str, str]]:
    province = (
        select(AdminUnit.id)
        .where(AdminUnit.code == LEGACY_PROVINCE, AdminUnit.valid_to.is_not(None))
        .scalar_subquery()
    )
    stmt = (
        select(AdminUnit.code, AdminUnit.full_name)
        .where(AdminUnit.level == UnitLevel.DISTRICT, AdminUnit.parent_id == province)
        .order_by(AdminUnit.full_name)
    )
    return [tuple(row) for row in db.session.execute(stmt)]


def category_options() -> list[tuple[str, str]]:
    """(code, name) of the product categories."""
    return [(code, str(name)) for code, name in CATEGORY_LABELS.items()]


def area_name(code: str | None) -> str:
    """The name of the filtered area, the province when none."""
    return _unit_name(code or default_province_code())


def _unit_name(code: str) -> str:
    stmt = (
        select(AdminUnit.full_name)
        .where(AdminUnit.code == code)
        .order_by(AdminUnit.valid_to.is_not(None), AdminUnit.id)
        .limit(1)
    )
    return db.session.scalar(stmt) or code


def export_links(endpoint: str, **values) -> dict[str, str]:
    """The CSV and XLSX download links of a table (``values``: its name and the filter)."""
    return {fmt: url_for(endpoint, fmt=fmt, **values) for fmt in ("csv", "xlsx")}


def export(
    fmt: str,
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence],
    title: str,
):
    """A table as a CSV or XLSX download (``fmt``: "csv" or "xlsx")."""
    content, mimetype, filename = table_file(header, rows, fmt, name, title)
    return send_file(
        io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )
