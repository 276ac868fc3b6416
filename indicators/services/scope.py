"""The building blocks every indicator statement shares: which organizations, products and
batches are in scope, and the expressions they are grouped and summed by."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from indicators.services.areas import org_areas
from indicators.services.query import IndicatorQuery, resolve_unit
from linkage.models import Contract, ContractItem, ContractParty, PartyRole
from linkage.services.lifecycle import in_force_on
from registry.models import AdminUnit, Organization, OrgKind, OrgStatus, Sector, UnitLevel
from trace.models import Batch, Product

Commune = aliased(AdminUnit, name="commune_unit")
District = aliased(AdminUnit, name="district_unit")
LeadOrg = aliased(Organization, name="lead_org")

# Stored with the traced flag (trace.services.completeness): the lot's day (None for a
# draft) and its kilograms (None when counted in other units).
batch_day = Batch.counted_on
batch_kg = Batch.quantity_kg


def operating_on(day):
    """SQL: the organization operates on ``day`` (a date or a column): established by then,
    and active, or suspended or dissolved only after it."""
    return and_(
        or_(Organization.established_on.is_(None), Organization.established_on <= day),
        or_(
            Organization.status == OrgStatus.ACTIVE,
            and_(Organization.status_since.is_not(None), Organization.status_since > day),
        ),
    )


def active_on(day):
    """SQL: an agricultural organization operating on ``day`` (what both rates count)."""
    return and_(Organization.sector == Sector.AGRICULTURAL, operating_on(day))


def linked_on(day, category=None):
    """SQL: the organization is a cooperative party to a contract with an enterprise, signed
    by every party and in force on ``day``; with ``category``, covering that category."""
    stmt = (
        select(ContractParty.id)
        .join(Contract, Contract.id == ContractParty.contract_id)
        .join(LeadOrg, LeadOrg.id == Contract.lead_org_id)
        .where(
            ContractParty.organization_id == Organization.id,
            ContractParty.role == PartyRole.COOPERATIVE,
            ContractParty.confirmed_at.is_not(None),
            LeadOrg.kind == OrgKind.ENTERPRISE,
            in_force_on(day),
        )
    )
    if category is not None:
        stmt = stmt.where(
            exists(
                select(ContractItem.id).where(
                    ContractItem.contract_id == Contract.id, ContractItem.category == category
                )
            )
        )
    return exists(stmt)


def linked_set(day, by_category: bool = False, days=None, orgs=None):
    """A subquery of the organizations ``linked_on`` the day (distinct organization_id; with
    ``by_category`` also each category the contract covers; with ``days`` (a subquery of
    day, month) one set per day, with its ``day``); ``orgs`` (a select of ids) narrows it."""
    when = days.c.day if days is not None else day
    columns = [ContractParty.organization_id.label("organization_id")]
    if by_category:
        columns.append(ContractItem.category.label("category"))
    if days is not None:
        columns.append(days.c.day.label("day"))
    stmt = (
        select(*columns)
        .select_from(ContractParty)
        .join(Contract, Contract.id == ContractParty.contract_id)
        .join(LeadOrg, LeadOrg.id == Contract.lead_org_id)
    )
    if by_category:
        stmt = stmt.join(ContractItem, ContractItem.contract_id == Contract.id)
    if days is not None:
        stmt = stmt.join(days, in_force_on(when))
    if orgs is not None:
        stmt = stmt.where(ContractParty.organization_id.in_(orgs))
    return (
        stmt.where(
            ContractParty.role == PartyRole.COOPERATIVE,
            ContractParty.confirmed_at.is_not(None),
            LeadOrg.kind == OrgKind.ENTERPRISE,
            in_force_on(when),
        )
        .distinct()
        .subquery("linked")
    )


def with_area(stmt, area, commune: bool = True, district: bool = True):
    """Join ``stmt`` (over Organization) to its area: always the old→new mapping (so
    ``area.commune_id`` can be read), and unless told not to, the current commune's row
    (``Commune``) and its former district (``area.district_id``)."""
    stmt = stmt.outerjoin(area.old_to_new, area.old_to_new.c.old_id == Organization.admin_unit_id)
    if commune:
        stmt = stmt.join(Commune, Commune.id == area.commune_id)
    if district:
        stmt = stmt.outerjoin(
            area.new_to_district, area.new_to_district.c.new_id == area.commune_id
        )
    return stmt


def area_joins(query: IndicatorQuery, by_district: bool = False) -> dict[str, bool]:
    """Which of ``with_area``'s optional joins a statement needs: the commune's row for a
    province's area (``area_conditions``), the former district for a district's area or
    when the statement is grouped by former district."""
    level = resolve_unit(query.admin_unit).level if query.admin_unit else None
    return {
        "commune": level == UnitLevel.PROVINCE,
        "district": level == UnitLevel.DISTRICT or by_district,
    }


def area_conditions(query: IndicatorQuery, area) -> list:
    """Conditions narrowing organizations (joined ``with_area``) to the query's area."""
    conditions = []
    if query.organization_id is not None:
        conditions.append(Organization.id == query.organization_id)
    if query.admin_unit:
        unit = resolve_unit(query.admin_unit)
        if unit.level == UnitLevel.DISTRICT:
            conditions.append(area.district_id == unit.id)
        elif unit.level == UnitLevel.PROVINCE:
            conditions.append(Commune.parent_id == unit.id)
        else:
            conditions.append(area.commune_id == unit.id)
    return conditions


def group_columns(group_by: str | None, area, category_column):
    """(key, label, extra joins) for a grouping; labels of categories are filled in Python."""
    if group_by == "commune":
        return Commune.code, Commune.full_name, None
    if group_by == "legacy_district":
        return District.code, District.full_name, (District, District.id == area.district_id)
    if group_by == "category":
        return category_column, category_column, None
    return None, None, None


def scope_label(query: IndicatorQuery) -> str:
    """What the whole-scope row is called: the area's name, or the country."""
    if query.admin_unit:
        return resolve_unit(query.admin_unit).full_name
    if query.organization_id is not None:
        return _("Own figures")
    return _("All areas")


def in_period(start: date, end: date):
    """SQL: a batch of the period (drafts have no day: they are not yet real lots)."""
    return Batch.counted_on.between(start, end)


def counted_products(query: IndicatorQuery) -> list:
    """SQL conditions on Product alone: active, agricultural, of the query's category."""
    conditions = [Product.active.is_(True), Product.is_agricultural.is_(True)]
    if query.category:
        conditions.append(Product.category == query.category)
    return conditions


def counted_producers(query: IndicatorQuery) -> list:
    """SQL conditions on Organization: the cooperatives whose products are counted
    (operating agricultural cooperatives at the end of the period)."""
    conditions = [active_on(query.period[1])]
    if query.organization_id is None:
        conditions.append(Organization.kind == OrgKind.COOPERATIVE)
    return conditions


def products_in_scope(query: IndicatorQuery):
    """SQL conditions on Product (joined to its Organization): the active agricultural
    products of the cooperatives counted."""
    return [*counted_products(query), *counted_producers(query)]


def area_org_ids(query: IndicatorQuery):
    """A select of the ids of the organizations in the query's area, or None for all."""
    if query.organization_id is None and not query.admin_unit:
        return None
    area = org_areas()
    return with_area(select(Organization.id), area).where(*area_conditions(query, area))
