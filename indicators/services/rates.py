"""The two rates of DESIGN.md section 8, each one grouped SQL statement.

- Linkage rate = active agricultural cooperatives with at least one contract with an
  enterprise, signed by every party and in force on the date ÷ active agricultural
  cooperatives on the date. Cooperative groups and unions are counted beside it
  (``groups``/``groups_linked``, ``unions``/``unions_linked``), never mixed in.
- Traceability rate = active agricultural products of those cooperatives that have at least
  one batch in the period and every batch of the period traced ÷ active agricultural
  products of those cooperatives. Beside it: traced batches ÷ batches of the period, and
  traced quantity ÷ quantity, in kilograms (kg, t and g converted; batches counted in
  litres, pieces, boxes or bags are in the batch counts but not in the quantity). These two
  count each kilogram once: only batches that enter the chain (no parent lot), not those
  made from other batches; the product rate still judges every batch of a product.

A batch is "traced" when every check of trace.services.completeness passes; the stored
``Batch.traced`` flag (kept exact by that module) is what the statements read.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, select, union_all
from sqlalchemy.orm import aliased

from core.errors import ValidationFailed
from core.extensions import db
from indicators.services.areas import day_literal, month_of, org_areas
from indicators.services.query import IndicatorQuery
from indicators.services.scope import (
    active_on,
    area_conditions,
    area_joins,
    area_org_ids,
    batch_day,
    batch_kg,
    group_columns,
    in_period,
    linked_on,
    linked_set,
    products_in_scope,
    scope_label,
    with_area,
)
from registry.models import AdminUnit, Organization, OrgKind
from trace.models import Batch, BatchLink, Product
from trace.names import CATEGORY_LABELS

DEFINITIONS = {
    "linkage": _l(
        "Linkage rate: active agricultural cooperatives that have at least one contract with "
        "an enterprise, signed by every party and in force on the date, divided by the active "
        "agricultural cooperatives on the date. Cooperative groups and unions are shown "
        "beside it, not counted in it."
    ),
    "traceability": _l(
        "Traceability rate: active agricultural products of the cooperatives in scope that "
        "have at least one batch in the period and every batch of the period traced (all "
        "items of the traceability checklist present), divided by all active agricultural "
        "products of those cooperatives. Beside it: traced batches divided by batches, and "
        "traced quantity divided by quantity (in kilograms; batches counted in other units "
        "are left out of the quantity). Each kilogram is counted once: the batch and "
        "quantity figures count the batches that enter the chain (harvested, produced or "
        "bought in), not batches made from other batches by packing, splitting or "
        "processing."
    ),
}


def definitions() -> dict[str, str]:
    """The written definitions of both rates, in the user's language (shown with them)."""
    return {key: str(text) for key, text in DEFINITIONS.items()}


@dataclass
class LinkageRow:
    """One line of the linkage rate: the whole scope, a commune, a district, a category or
    a month (``key`` is the code, category value or "YYYY-MM"; None for the whole scope)."""

    key: str | None
    label: str
    numerator: int
    denominator: int
    rate: float | None
    groups: int = 0
    groups_linked: int = 0
    unions: int = 0
    unions_linked: int = 0


@dataclass
class TraceabilityRow:
    """One line of the traceability rate, with the batch and quantity shares beside it."""

    key: str | None
    label: str
    numerator: int
    denominator: int
    rate: float | None
    products_with_batches: int = 0
    batches: int = 0
    traced_batches: int = 0
    batch_rate: float | None = None
    quantity_kg: float = 0.0
    traced_quantity_kg: float = 0.0
    quantity_rate: float | None = None


def _rate(numerator, denominator) -> float | None:
    # PostgreSQL sums numeric columns to Decimal; the rates are plain floats on both engines.
    return None if not denominator else float(numerator) / float(denominator)


def _label(group_by: str | None, key, label) -> str:
    if group_by == "category" and key is not None:
        return str(CATEGORY_LABELS.get(key, key))
    if group_by == "legacy_district" and key is None:
        return _("No former district")
    return label or ""


def linkage_rate(query: IndicatorQuery, group_by: str | None = None) -> list[LinkageRow]:
    """The linkage rate on ``query.day`` for ``query``'s area, category and organization.

    ``group_by``: None (one row for the whole scope), "commune", "legacy_district",
    "category" or "month" (the rate on the last day of each month of the period, as
    ``monthly_series``). Rows come ordered by key; one SQL statement.
    """
    if group_by == "month":
        start, end = query.period
        return monthly_series("linkage", query.with_period(start, end), months=_months(start, end))
    rows = db.session.execute(linkage_statement(query, query.day, group_by)).all()
    return [_linkage_row(group_by, row) for row in rows] or _empty_linkage(query, group_by)


def linkage_statement(query: IndicatorQuery, day, group_by: str | None, days=None):
    """The grouped SELECT behind ``linkage_rate``; ``days`` (a subquery of day, month) makes
    it count each organization on each of those days instead (the monthly series)."""
    area = org_areas()
    categories = None
    category = query.category
    if group_by == "category" or category:
        categories = (
            select(Product.organization_id, Product.category)
            .where(Product.active.is_(True), Product.is_agricultural.is_(True))
            .distinct()
            .subquery("org_category")
        )
        category = categories.c.category
    key, label, join = group_columns(group_by, area, category)
    if days is not None:
        day, key, label = days.c.day, days.c.month, days.c.month
    kinds = (OrgKind.COOPERATIVE, OrgKind.COOPERATIVE_GROUP, OrgKind.COOPERATIVE_UNION)
    if days is not None:
        # One probe per (organization, day) through the parties index: a join of the days
        # with the contracts is misestimated by the planner and can run away.
        flag = case((linked_on(day, category), 1), else_=0)
        linked = None
    else:
        # On one day the linked organizations are found once, then joined.
        linked = linked_set(
            day, by_category=categories is not None, orgs=area_org_ids(query)
        ).alias("linked")
        flag = case((linked.c.organization_id.is_not(None), 1), else_=0)
    inner = with_area(
        select(
            (key if key is not None else literal(None)).label("key"),
            (label if label is not None else literal(None)).label("label"),
            Organization.kind.label("kind"),
            flag.label("linked"),
        ),
        area,
    )
    if days is not None:
        inner = inner.join(days, literal(True))
    if join is not None:
        inner = inner.outerjoin(*join)
    if categories is not None:
        inner = inner.join(categories, categories.c.organization_id == Organization.id)
        if query.category:
            inner = inner.where(categories.c.category == query.category)
    if linked is not None:
        on_linked = [linked.c.organization_id == Organization.id]
        if categories is not None:
            on_linked.append(linked.c.category == category)
        inner = inner.outerjoin(linked, and_(*on_linked))
    inner = inner.where(
        Organization.kind.in_(kinds), active_on(day), *area_conditions(query, area)
    ).subquery("counted")
    return _linkage_totals(inner)


def _linkage_totals(inner):
    def count(kind, linked=False):
        condition = inner.c.kind == kind
        if linked:
            condition = and_(condition, inner.c.linked == 1)
        return func.count(case((condition, 1)))

    return (
        select(
            inner.c.key,
            func.min(inner.c.label).label("label"),
            count(OrgKind.COOPERATIVE, True).label("numerator"),
            count(OrgKind.COOPERATIVE).label("denominator"),
            count(OrgKind.COOPERATIVE_GROUP).label("groups"),
            count(OrgKind.COOPERATIVE_GROUP, True).label("groups_linked"),
            count(OrgKind.COOPERATIVE_UNION).label("unions"),
            count(OrgKind.COOPERATIVE_UNION, True).label("unions_linked"),
        )
        .group_by(inner.c.key)
        .order_by(inner.c.key)
    )


def _linkage_row(group_by, row) -> LinkageRow:
    return LinkageRow(
        key=row.key,
        label=_label(group_by, row.key, row.label),
        numerator=row.numerator,
        denominator=row.denominator,
        rate=_rate(row.numerator, row.denominator),
        groups=row.groups,
        groups_linked=row.groups_linked,
        unions=row.unions,
        unions_linked=row.unions_linked,
    )


def _empty_linkage(query, group_by) -> list[LinkageRow]:
    if group_by is not None:
        return []
    return [LinkageRow(None, scope_label(query), 0, 0, None)]


def traceability_rate(query: IndicatorQuery, group_by: str | None = None) -> list[TraceabilityRow]:
    """The traceability rate over ``query.period``, grouped as ``linkage_rate`` is.

    ``group_by="month"`` gives one row per calendar month of the period that has batches
    (each month's batches judged on their own, over the same products). One SQL statement.
    """
    rows = db.session.execute(traceability_statement(query, group_by)).all()
    result = [_traceability_row(group_by, row) for row in rows]
    if not result and group_by is None:
        return [TraceabilityRow(None, scope_label(query), 0, 0, None)]
    if group_by is None:
        result[0].label = scope_label(query)
    return result


def _batch_counts(query: IndicatorQuery, by_month: bool, orgs):
    """Batches of the period summed per product (and month) before any join: the one pass
    over the big table, which PostgreSQL runs in parallel workers from one index."""
    start, end = query.period
    traced = Batch.traced.is_(True)
    entering = ~exists(select(BatchLink.id).where(BatchLink.child_id == Batch.id))
    month = month_of(batch_day).label("month")
    stmt = select(
        Batch.product_id.label("product_id"),
        *([month] if by_month else []),
        # Every lot of the product judges whether the product is fully traced...
        func.count().label("all_batches"),
        func.count(case((traced, 1))).label("all_traced"),
        # ...but the lot and quantity figures count each kilogram once: only the lots that
        # enter the chain (harvested, produced or bought in), not those made from other lots.
        func.count(case((entering, 1))).label("batches"),
        func.count(case((and_(traced, entering), 1))).label("traced"),
        # Stored as double precision: several times faster to sum than NUMERIC.
        func.coalesce(func.sum(case((entering, batch_kg))), 0).label("kg"),
        func.coalesce(func.sum(case((and_(traced, entering), batch_kg))), 0).label("traced_kg"),
    ).where(in_period(start, end))
    if orgs is not None:
        stmt = stmt.where(Batch.organization_id.in_(orgs))
    group = [Batch.product_id, month] if by_month else [Batch.product_id]
    return stmt.group_by(*group).subquery("batch_counts")


def _products_in_scope(query: IndicatorQuery, group_by: str | None, area):
    """The counted products, one row each: its id and the key it is grouped by (the id of
    its commune or former district, its category, or none; by month the key comes from
    the batches instead).

    A CTE, read twice: once to count the products of each key (the denominator), once to
    place the products that have batches. So the products are joined to their producers
    and areas once, only the products with batches meet the batch counts, and names and
    codes are joined to the few grouped rows, not to every product.
    """
    keys = {
        "commune": area.commune_id,
        "legacy_district": area.district_id,
        "category": Product.category,
    }
    key = keys.get(group_by, literal(None))
    joins = area_joins(query, by_district=group_by == "legacy_district")
    stmt = with_area(
        select(Product.id.label("product_id"), key.label("key"))
        .select_from(Product)
        .join(Organization, Organization.id == Product.organization_id),
        area,
        **joins,
    )
    return stmt.where(*products_in_scope(query), *area_conditions(query, area)).cte("in_scope")


def _named(key, group_by: str | None):
    """(key, label, join) of a grouped row: a commune's or former district's code and name
    for its id; a category is its own key (its label is filled in Python)."""
    if group_by in ("commune", "legacy_district"):
        unit = aliased(AdminUnit, name="key_unit")
        return unit.code, unit.full_name, (unit, unit.id == key)
    return key, key, None


def _counted_by_key(counts, scope, key):
    """The products with batches in the period, summed per key: how many, how many with
    every batch traced, and their batch and kilogram sums."""
    complete = case((counts.c.all_batches == counts.c.all_traced, 1))
    return (
        select(
            key.label("key"),
            func.count(complete).label("complete"),
            func.count().label("with_batches"),
            func.sum(counts.c.batches).label("batches"),
            func.sum(counts.c.traced).label("traced"),
            func.sum(counts.c.kg).label("kg"),
            func.sum(counts.c.traced_kg).label("traced_kg"),
        )
        .select_from(counts)
        .join(scope, scope.c.product_id == counts.c.product_id)
        .group_by(key)
        .subquery("counted")
    )


def _same_key(left, right, group_by: str | None):
    # One row on each side when nothing is grouped; a former district can be none at all.
    if group_by is None:
        return literal(True)
    if group_by == "legacy_district":
        return left.is_not_distinct_from(right)
    return left == right


def traceability_statement(query: IndicatorQuery, group_by: str | None):
    """The grouped SELECT behind ``traceability_rate``: the products in scope counted per
    key, beside the products with batches summed per key."""
    scope = _products_in_scope(query, group_by, org_areas())
    counts = _batch_counts(query, group_by == "month", area_org_ids(query))
    by_month = group_by == "month"
    counted = _counted_by_key(counts, scope, counts.c.month if by_month else scope.c.key)
    sums = [
        func.coalesce(counted.c.complete, 0).label("numerator"),
        func.coalesce(counted.c.with_batches, 0).label("products_with_batches"),
        func.coalesce(counted.c.batches, 0).label("batches"),
        func.coalesce(counted.c.traced, 0).label("traced_batches"),
        func.coalesce(counted.c.kg, 0).label("kg"),
        func.coalesce(counted.c.traced_kg, 0).label("traced_kg"),
    ]
    if by_month:
        # Each month's products are judged over the same denominator: every product in scope.
        products = select(func.count()).select_from(scope).scalar_subquery()
        return select(
            counted.c.key, counted.c.key.label("label"), products.label("denominator"), *sums
        ).order_by(counted.c.key)
    in_scope = (
        select(scope.c.key, func.count().label("products"))
        .group_by(scope.c.key)
        .subquery("products")
    )
    key, label, names = _named(in_scope.c.key, group_by)
    stmt = select(
        key.label("key"), label.label("label"), in_scope.c.products.label("denominator"), *sums
    ).select_from(in_scope)
    if names is not None:
        stmt = stmt.outerjoin(*names)
    stmt = stmt.outerjoin(counted, _same_key(counted.c.key, in_scope.c.key, group_by))
    return stmt.order_by(key)


def _traceability_row(group_by, row) -> TraceabilityRow:
    kg, traced_kg = float(row.kg or 0), float(row.traced_kg or 0)
    return TraceabilityRow(
        key=row.key,
        label=_label(group_by, row.key, row.label),
        numerator=row.numerator,
        denominator=row.denominator,
        rate=_rate(row.numerator, row.denominator),
        products_with_batches=row.products_with_batches,
        batches=int(row.batches),
        traced_batches=int(row.traced_batches),
        batch_rate=_rate(int(row.traced_batches), int(row.batches)),
        quantity_kg=kg,
        traced_quantity_kg=traced_kg,
        quantity_rate=_rate(traced_kg, kg),
    )


def _months(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


def _month_starts(end: date, months: int) -> list[date]:
    first = date(end.year, end.month, 1)
    starts = []
    for back in range(months - 1, -1, -1):
        index = first.year * 12 + first.month - 1 - back
        starts.append(date(index // 12, index % 12 + 1, 1))
    return starts


def _month_end(start: date) -> date:
    index = start.year * 12 + start.month
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def monthly_series(kind: str, query: IndicatorQuery, months: int = 24) -> list:
    """The last ``months`` calendar months up to ``query.day``, oldest first.

    ``kind`` is "linkage" (the rate on each month's last day, or on ``query.day`` for its
    own month) or "traceability" (each month's batches). Returns LinkageRow or
    TraceabilityRow items keyed "YYYY-MM"; months with no data are present with zeros and
    no rate (a chart draws them as gaps, not as 0%). One SQL statement.
    """
    if kind not in ("linkage", "traceability"):
        raise ValidationFailed.on_field("kind", _("Must be linkage or traceability."))
    months = max(1, min(int(months), 120))
    end = query.day
    starts = _month_starts(end, months)
    keys = [f"{start:%Y-%m}" for start in starts]
    if kind == "linkage":
        days = union_all(
            *(
                select(day_literal(min(_month_end(s), end)).label("day"), literal(k).label("month"))
                for s, k in zip(starts, keys, strict=True)
            )
        ).subquery("series_days")
        rows = db.session.execute(linkage_statement(query, end, None, days=days)).all()
        found = {row.key: _linkage_row("month", row) for row in rows}
        return [found.get(k) or LinkageRow(k, k, 0, 0, None) for k in keys]
    period = query.with_period(starts[0], end)
    rows = db.session.execute(traceability_statement(period, "month")).all()
    found = {row.key: _traceability_row("month", row) for row in rows}
    denominator = next(iter(found.values())).denominator if found else None
    if denominator is None:
        denominator = traceability_rate(period)[0].denominator
    return [found.get(k) or TraceabilityRow(k, k, 0, denominator or 0, None) for k in keys]
