"""Where an organization counts: its commune, its province and its former district, in SQL.

Organizations are registered in current (post-July 2025) communes; one registered in a
former commune is counted in the commune the old→new mapping names. The former district
of a current commune is the district most of its former communes belonged to (only
former Gia Lai, code 64, has district records), so history before July 2025 can be
grouped by the old districts.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, String, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import FunctionElement

from registry.models import AdminUnit, AdminUnitMapping, Organization


class month_of(FunctionElement):  # noqa: N801 - a SQL function, named like one
    """ "YYYY-MM" of a date."""

    type = String()
    inherit_cache = True


@compiles(month_of)
def _month_default(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_of, "postgresql")
def _month_pg(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def day_literal(day: date):
    """A date as a bound SQL value both dialects compare correctly with Date columns."""
    return literal(day, Date)


def _new_commune_of_old():
    """old unit id → one new commune id (the mapping gives one for each former commune)."""
    return (
        select(
            AdminUnitMapping.old_unit_id.label("old_id"),
            func.min(AdminUnitMapping.new_unit_id).label("new_id"),
        )
        .where(AdminUnitMapping.old_unit_id.is_not(None))
        .group_by(AdminUnitMapping.old_unit_id)
        .subquery("old_to_new")
    )


def _district_of_new():
    """new commune id → the former district most of its former communes were in."""
    old = aliased(AdminUnit)
    counted = (
        select(
            AdminUnitMapping.new_unit_id.label("new_id"),
            old.parent_id.label("district_id"),
            func.row_number()
            .over(
                partition_by=AdminUnitMapping.new_unit_id,
                order_by=(func.count().desc(), old.parent_id),
            )
            .label("rank"),
        )
        .join(old, old.id == AdminUnitMapping.old_unit_id)
        .where(old.parent_id.is_not(None))
        .group_by(AdminUnitMapping.new_unit_id, old.parent_id)
        .subquery("district_votes")
    )
    return (
        select(counted.c.new_id, counted.c.district_id)
        .where(counted.c.rank == 1)
        .subquery("new_to_district")
    )


@dataclass
class Area:
    """The look-ups that place an organization: its current commune and former district.

    ``commune_id`` and ``district_id`` are SQL expressions over ``Organization`` once
    ``scope.with_area`` has joined the two small mapping subqueries.
    """

    old_to_new: object
    new_to_district: object

    @property
    def commune_id(self):
        """SQL: the organization's current commune (its own, or the one its old one became)."""
        return func.coalesce(self.old_to_new.c.new_id, Organization.admin_unit_id)

    @property
    def district_id(self):
        """SQL: the former district of that commune (None outside former Gia Lai)."""
        return self.new_to_district.c.district_id


def org_areas() -> Area:
    """The area look-ups for one statement (each statement needs its own subqueries)."""
    return Area(_new_commune_of_old(), _district_of_new())
