"""What an indicator is asked for: a date or a period, an area, a category, and who asks.

``parse_query`` turns raw request values (API query strings or web form fields) into an
``IndicatorQuery``, refusing bad values with ``ValidationFailed`` naming the field;
``scoped_query`` narrows it to what the caller may see (DESIGN.md section 9).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import Forbidden, ValidationFailed
from core.extensions import db
from registry.models import COOPERATIVE_KINDS, AdminUnit, Role, UnitLevel, User
from trace.models import ProductCategory

GROUP_BYS = ("commune", "legacy_district", "category", "month")
# "As of" a date, the traceability rate looks at the batches of the year up to that date.
WINDOW_DAYS = 365
EARLIEST = date(2000, 1, 1)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def local_today() -> date:
    """Today in Vietnam (the department's calendar)."""
    return datetime.now(VIETNAM).date()


@dataclass(frozen=True)
class IndicatorQuery:
    """The date or period, area and category an indicator is computed for.

    ``as_of`` and ``date_from``/``date_to`` exclude each other; with neither, today is the
    as-of date. ``admin_unit`` is a current province or commune code, or a legacy district
    code (history before July 2025, grouped through the old→new mapping). ``organization_id``
    narrows everything to one cooperative (set by ``scoped_query`` for a cooperative user).
    """

    as_of: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    admin_unit: str | None = None
    category: str | None = None
    organization_id: int | None = None

    @property
    def day(self) -> date:
        """The date the linkage rate is measured on: as_of, the period's end, or today."""
        return self.as_of or self.date_to or local_today()

    @property
    def period(self) -> tuple[date, date]:
        """First and last day of the batches the traceability rate looks at (inclusive).

        A period is taken as given (an open start means from the beginning); an as-of date
        means the 365 days ending on it.
        """
        if self.date_from or self.date_to:
            return self.date_from or EARLIEST, self.date_to or local_today()
        end = self.day
        return end - timedelta(days=WINDOW_DAYS - 1), end

    def with_period(self, start: date, end: date) -> "IndicatorQuery":
        """The same query for another period (the monthly series uses it)."""
        return replace(self, as_of=None, date_from=start, date_to=end)


def targets() -> dict[str, float]:
    """The targets the rates are compared with, from settings (DESIGN.md section 8)."""
    config = current_app.config
    return {
        "linkage": float(config["INDICATOR_TARGET_LINKAGE"]),
        "traceability": float(config["INDICATOR_TARGET_TRACEABILITY"]),
    }


def _date(args: Mapping, key: str) -> date | None:
    value = args.get(key)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed.on_field(key, _("Not a valid date (YYYY-MM-DD).")) from None


def _text(args: Mapping, key: str) -> str | None:
    value = args.get(key)
    return str(value).strip() or None if value is not None else None


def parse_query(args: Mapping) -> IndicatorQuery:
    """An ``IndicatorQuery`` from request values: as_of, from, to, admin_unit, category.

    Dates may be ISO strings or ``date`` objects. Raises ``ValidationFailed`` naming the
    field for a bad date, a period that ends before it starts, both an as-of date and a
    period, an unknown area or an unknown category.
    """
    as_of, start, end = _date(args, "as_of"), _date(args, "from"), _date(args, "to")
    if as_of and (start or end):
        raise ValidationFailed.on_field(
            "as_of", _("Give either an as-of date or a period (from, to), not both.")
        )
    if start and end and end < start:
        raise ValidationFailed.on_field("to", _("The period ends before it starts."))
    unit = _text(args, "admin_unit")
    if unit:
        resolve_unit(unit)
    category = _text(args, "category")
    if category and category not in {c.value for c in ProductCategory}:
        raise ValidationFailed.on_field(
            "category", _("Unknown product category: %(value)s.", value=category)
        )
    return IndicatorQuery(as_of, start, end, unit, category)


def parse_group_by(value: str | None) -> str | None:
    """``group_by`` checked against ``GROUP_BYS`` (None or "" for no grouping)."""
    if not value:
        return None
    if value not in GROUP_BYS:
        raise ValidationFailed.on_field(
            "group_by", _("Must be one of: %(values)s.", values=", ".join(GROUP_BYS))
        )
    return value


def resolve_unit(code: str, field: str = "admin_unit") -> AdminUnit:
    """The unit a code names: a current province or commune, else a legacy district."""
    units = list(
        db.session.scalars(
            select(AdminUnit)
            .where(AdminUnit.code == code)
            .order_by(AdminUnit.valid_to.is_not(None), AdminUnit.id)
        )
    )
    for unit in units:
        if unit.valid_to is None or unit.level == UnitLevel.DISTRICT:
            return unit
    raise ValidationFailed.on_field(
        field,
        _(
            "Unknown administrative unit: %(code)s (a province, commune or former district).",
            code=code,
        ),
    )


def scoped_query(user: User | None, query: IndicatorQuery) -> IndicatorQuery:
    """Narrow ``query`` to what ``user`` may see (DESIGN.md section 9).

    The department sees every figure; a cooperative only its own (the area and any other
    organization are ignored); an enterprise and anonymous callers none (``Forbidden``).
    """
    if user is not None and user.role == Role.DEPARTMENT_ADMIN:
        return query
    org = user.organization if user is not None else None
    if user is None or user.role != Role.COOPERATIVE or org is None:
        raise Forbidden(_("Only the department and cooperatives see these indicators."))
    if org.kind not in COOPERATIVE_KINDS:
        raise Forbidden(_("Only the department and cooperatives see these indicators."))
    return replace(query, admin_unit=None, organization_id=org.id)
