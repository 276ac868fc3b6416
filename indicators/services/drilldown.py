"""The lists behind each number: who is not linked yet, what is not traced yet and why.

Each function returns a ``select()`` of labelled columns, scoped and filtered like the
rates; ``page`` fetches one page of it (with the total) and ``all_rows`` every row (exports).
Rows are plain dicts.
"""

import enum
from dataclasses import dataclass

from sqlalchemy import case, exists, func, or_, select

from core.extensions import db
from indicators.services.areas import org_areas
from indicators.services.query import IndicatorQuery
from indicators.services.scope import (
    Commune,
    LeadOrg,
    active_on,
    area_conditions,
    batch_day,
    in_period,
    linked_on,
    products_in_scope,
    with_area,
)
from linkage.models import Contract, ContractParty, PartyRole
from linkage.services.lifecycle import in_force_on
from registry.models import Organization, OrgKind
from trace.models import Batch, Product
from trace.services.completeness import checks

CHECK_PREFIX = "ok_"


@dataclass
class Page:
    """One page of a drill-down list."""

    rows: list[dict]
    total: int
    page: int
    page_size: int


def _cooperatives(query: IndicatorQuery, linked: bool):
    area = org_areas()
    day = query.day
    products = (
        select(func.aggregate_strings(Product.name, ", "))
        .where(
            Product.organization_id == Organization.id,
            Product.active.is_(True),
            Product.is_agricultural.is_(True),
        )
        .scalar_subquery()
    )
    stmt = with_area(
        select(
            Organization.id.label("id"),
            Organization.name.label("name"),
            Commune.code.label("commune_code"),
            Commune.full_name.label("commune"),
            Organization.phone.label("phone"),
            Organization.main_products.label("main_products"),
            products.label("products"),
        ),
        area,
    ).where(
        Organization.kind == OrgKind.COOPERATIVE,
        active_on(day),
        *area_conditions(query, area),
        linked_on(day, query.category) if linked else ~linked_on(day, query.category),
    )
    if query.category:
        stmt = stmt.where(
            exists(
                select(Product.id).where(
                    Product.organization_id == Organization.id,
                    Product.active.is_(True),
                    Product.is_agricultural.is_(True),
                    Product.category == query.category,
                )
            )
        )
    return stmt.order_by(Commune.full_name, Organization.name, Organization.id)


def unlinked_cooperatives(query: IndicatorQuery):
    """Active agricultural cooperatives of the scope with no contract in force on the date.

    Columns: id, name, commune_code, commune, phone, main_products, products (names of its
    active agricultural products, comma-separated). Ordered by commune, name.
    """
    return _cooperatives(query, linked=False)


def linked_cooperatives(query: IndicatorQuery):
    """The linked ones, with their enterprise partners (for the printed report).

    Columns: id, name, commune_code, commune, phone, main_products, products, contracts
    (in force on the date), partners (enterprise names, comma-separated).
    """
    parties = (
        select(ContractParty.id)
        .join(Contract, Contract.id == ContractParty.contract_id)
        .join(LeadOrg, LeadOrg.id == Contract.lead_org_id)
        .where(
            ContractParty.organization_id == Organization.id,
            ContractParty.role == PartyRole.COOPERATIVE,
            ContractParty.confirmed_at.is_not(None),
            LeadOrg.kind == OrgKind.ENTERPRISE,
            in_force_on(query.day),
        )
        .correlate(Organization)
    )
    contracts = parties.with_only_columns(func.count(Contract.id)).scalar_subquery()
    partners = parties.with_only_columns(
        func.aggregate_strings(LeadOrg.name, ", ")
    ).scalar_subquery()
    return _cooperatives(query, linked=True).add_columns(
        contracts.label("contracts"), partners.label("partners")
    )


def _product_batches(query: IndicatorQuery):
    start, end = query.period
    return (
        select(
            Batch.product_id.label("product_id"),
            func.count().label("batches"),
            func.count(case((Batch.traced.is_(False), 1))).label("untraced"),
        )
        .where(in_period(start, end))
        .group_by(Batch.product_id)
        .subquery("product_batches")
    )


def untraced_products(query: IndicatorQuery):
    """Active agricultural products of the scope's cooperatives not counted as traced.

    Columns: id, name, category, organization_id, cooperative, commune_code, commune,
    batches, untraced_batches, reason ("no_batch": no batch in the period;
    "untraced_batches": some batch of the period lacks data).
    """
    area = org_areas()
    counts = _product_batches(query)
    batches = func.coalesce(counts.c.batches, 0)
    untraced = func.coalesce(counts.c.untraced, 0)
    stmt = with_area(
        select(
            Product.id.label("id"),
            Product.name.label("name"),
            Product.category.label("category"),
            Organization.id.label("organization_id"),
            Organization.name.label("cooperative"),
            Commune.code.label("commune_code"),
            Commune.full_name.label("commune"),
            batches.label("batches"),
            untraced.label("untraced_batches"),
            case((batches == 0, "no_batch"), else_="untraced_batches").label("reason"),
        )
        .select_from(Product)
        .join(Organization, Organization.id == Product.organization_id),
        area,
    )
    stmt = stmt.outerjoin(counts, counts.c.product_id == Product.id).where(
        *products_in_scope(query), *area_conditions(query, area), or_(batches == 0, untraced > 0)
    )
    return stmt.order_by(Commune.full_name, Organization.name, Product.name, Product.id)


def untraced_batches(query: IndicatorQuery):
    """Batches of the period (of the scope's products) that are not traced, with what each
    lacks. Columns: id, lot_code, product_id, product, category, organization_id,
    cooperative, commune, day, quantity, unit; after ``page``/``all_rows`` also ``missing``
    (labels) and ``missing_keys``: the failed checks of trace.services.completeness, in
    checklist order.
    """
    area = org_areas()
    start, end = query.period
    stmt = with_area(
        select(
            Batch.id.label("id"),
            Batch.lot_code.label("lot_code"),
            Product.id.label("product_id"),
            Product.name.label("product"),
            Product.category.label("category"),
            Organization.id.label("organization_id"),
            Organization.name.label("cooperative"),
            Commune.code.label("commune_code"),
            Commune.full_name.label("commune"),
            batch_day.label("day"),
            Batch.quantity.label("quantity"),
            Batch.unit.label("unit"),
            *(condition.label(CHECK_PREFIX + key) for key, _label, condition in checks()),
        )
        .select_from(Batch)
        .join(Product, Product.id == Batch.product_id)
        .join(Organization, Organization.id == Batch.organization_id),
        area,
    )
    return stmt.where(
        Batch.traced.is_(False),
        in_period(start, end),
        *products_in_scope(query),
        *area_conditions(query, area),
    ).order_by(Commune.full_name, Organization.name, Batch.id)


def _as_dict(row) -> dict:
    values = dict(row._mapping)
    if any(key.startswith(CHECK_PREFIX) for key in values):
        labels = {key: str(label) for key, label, _condition in checks()}
        failed = [
            key[len(CHECK_PREFIX) :]
            for key in list(values)
            if key.startswith(CHECK_PREFIX) and not values.pop(key)
        ]
        values["missing_keys"] = failed
        values["missing"] = [labels[key] for key in failed]
    for key, value in values.items():
        if isinstance(value, enum.Enum):
            values[key] = value.value
    return values


def page(stmt, page: int = 1, page_size: int = 50) -> Page:
    """One page (1-based, at most 200 rows) of a drill-down select, and the total count."""
    page = max(1, int(page))
    page_size = max(1, min(int(page_size), 200))
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.execute(stmt.limit(page_size).offset((page - 1) * page_size)).all()
    return Page([_as_dict(row) for row in rows], total, page, page_size)


def all_rows(stmt, limit: int | None = None) -> list[dict]:
    """Every row of a drill-down select (for CSV/XLSX/PDF exports), up to ``limit``."""
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_as_dict(row) for row in db.session.execute(stmt)]
