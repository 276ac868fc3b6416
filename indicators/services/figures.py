"""Figures beside the rates: the registry by commune, and one organization's own view."""

from dataclasses import replace

from sqlalchemy import and_, case, func, or_, select

from core.extensions import db
from indicators.services.areas import org_areas
from indicators.services.query import IndicatorQuery
from indicators.services.rates import linkage_rate, traceability_rate
from indicators.services.scope import (
    Commune,
    area_conditions,
    operating_on,
    with_area,
)
from linkage.models import Contract, ContractParty, ContractState
from registry.models import (
    COOPERATIVE_KINDS,
    MemberHousehold,
    Organization,
    OrgKind,
    OrgRating,
    Rating,
)
from trace.models import Batch, EventKind, EventLine, QuantityUnit, TraceEvent
from trace.services.completeness import local_date
from trace.services.quantities import not_erroneous

_KINDS = {
    OrgKind.COOPERATIVE: "cooperatives",
    OrgKind.COOPERATIVE_GROUP: "groups",
    OrgKind.COOPERATIVE_UNION: "unions",
}


def _members():
    """Active member households on record per organization."""
    return (
        select(MemberHousehold.organization_id.label("org_id"), func.count().label("members"))
        .where(MemberHousehold.left_on.is_(None))
        .group_by(MemberHousehold.organization_id)
        .subquery("members")
    )


def registry_figures(query: IndicatorQuery) -> dict:
    """Organizations and members by commune, and the latest year's ratings.

    Returns ``{"rows": [{key, label, cooperatives, groups, unions, members}...],
    "totals": {cooperatives, groups, unions, members}, "rating_year": int | None,
    "rated": int, "rated_good_or_fair": int, "good_or_fair_share": float | None}``.
    Counts cooperatives, groups and unions (every sector) operating on ``query.day`` in the
    query's area; members are the active member households on record, or the declared
    member count of an organization with none on record. Two SQL statements.
    """
    area = org_areas()
    members = _members()
    people = func.coalesce(func.nullif(members.c.members, 0), Organization.member_count, 0)
    columns = [
        func.count(case((Organization.kind == kind, 1))).label(name)
        for kind, name in _KINDS.items()
    ]
    stmt = (
        with_area(
            select(
                Commune.code.label("key"),
                func.min(Commune.full_name).label("label"),
                *columns,
                func.coalesce(func.sum(people), 0).label("members"),
            ),
            area,
        )
        .outerjoin(members, members.c.org_id == Organization.id)
        .where(
            Organization.kind.in_(COOPERATIVE_KINDS),
            operating_on(query.day),
            *area_conditions(query, area),
        )
        .group_by(Commune.code)
        .order_by(Commune.code)
    )
    rows = [dict(row._mapping) for row in db.session.execute(stmt)]
    totals = {name: sum(int(row[name]) for row in rows) for name in (*_KINDS.values(), "members")}
    return {"rows": rows, "totals": totals, **_ratings(query)}


def _ratings(query: IndicatorQuery) -> dict:
    area = org_areas()
    latest = select(func.max(OrgRating.year)).scalar_subquery()
    good = OrgRating.rating.in_([Rating.GOOD, Rating.FAIR])
    stmt = with_area(
        select(
            func.min(OrgRating.year).label("year"),
            func.count().label("rated"),
            func.count(case((good, 1))).label("good"),
        )
        .select_from(OrgRating)
        .join(Organization, Organization.id == OrgRating.organization_id),
        area,
    ).where(
        OrgRating.year == latest,
        Organization.kind == OrgKind.COOPERATIVE,
        operating_on(query.day),
        *area_conditions(query, area),
    )
    row = db.session.execute(stmt).one()
    return {
        "rating_year": row.year,
        "rated": row.rated,
        "rated_good_or_fair": row.good,
        "good_or_fair_share": row.good / row.rated if row.rated else None,
    }


def _status(day):
    """SQL mirror of linkage.services.lifecycle.status_on."""
    ended = or_(Contract.ended_on.is_(None), Contract.ended_on <= day)
    return case(
        (Contract.state == ContractState.DRAFT, "draft"),
        (and_(Contract.state == ContractState.COMPLETED, ended), "completed"),
        (and_(Contract.state == ContractState.TERMINATED, ended), "terminated"),
        (Contract.effective_from > day, "signed"),
        (Contract.effective_to < day, "expired"),
        else_="active",
    )


def _contract_counts(org_id: int, day) -> dict[str, int]:
    status = _status(day)
    rows = db.session.execute(
        select(status.label("status"), func.count())
        .join(ContractParty, ContractParty.contract_id == Contract.id)
        .where(ContractParty.organization_id == org_id, Contract.superseded_at.is_(None))
        .group_by(status)
    ).all()
    counts = dict.fromkeys(("draft", "signed", "active", "expired", "completed", "terminated"), 0)
    counts.update(dict(rows))
    return counts


def organization_figures(org: Organization, query: IndicatorQuery | None = None) -> dict:
    """What one organization sees of the indicators (DESIGN.md section 9).

    A cooperative (or group, union): ``{"kind": "cooperative", "traceability":
    TraceabilityRow (its own products), "linked": bool, "contracts": {status: count}}``
    with statuses draft, signed, active, expired, completed, terminated on ``query.day``.
    An enterprise: ``{"kind": "enterprise", "batches", "traced_batches", "batch_rate",
    "quantity_kg", "traced_quantity_kg", "quantity_rate", "suppliers"}`` over the lots
    shipped to it in ``query.period`` (shipments later declared erroneous left out).
    """
    query = query or IndicatorQuery()
    if org.kind == OrgKind.ENTERPRISE:
        return {"kind": "enterprise", **_received(org.id, query)}
    own = replace(query, admin_unit=None, category=None, organization_id=org.id)
    (trace,) = traceability_rate(own)
    (link,) = linkage_rate(own)
    return {
        "kind": "cooperative",
        "traceability": trace,
        "linked": link.numerator + link.groups_linked + link.unions_linked > 0,
        "contracts": _contract_counts(org.id, query.day),
    }


def _received(org_id: int, query: IndicatorQuery) -> dict:
    start, end = query.period
    line_kg = _line_kg()
    shipped = (
        select(
            EventLine.batch_id.label("batch_id"),
            func.max(TraceEvent.organization_id).label("supplier"),
            func.max(case((Batch.traced.is_(True), 1), else_=0)).label("traced"),
            func.sum(line_kg).label("kg"),
        )
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .join(Batch, Batch.id == EventLine.batch_id)
        .where(
            TraceEvent.kind == EventKind.SHIPPING,
            TraceEvent.destination_org_id == org_id,
            local_date(TraceEvent.event_time).between(start, end),
            not_erroneous(),
        )
        .group_by(EventLine.batch_id)
        .subquery("received")
    )
    row = db.session.execute(
        select(
            func.count().label("batches"),
            func.coalesce(func.sum(shipped.c.traced), 0).label("traced"),
            func.coalesce(func.sum(shipped.c.kg), 0).label("kg"),
            func.coalesce(func.sum(case((shipped.c.traced == 1, shipped.c.kg))), 0).label("tkg"),
            func.count(func.distinct(shipped.c.supplier)).label("suppliers"),
        )
    ).one()
    kg_total, traced_kg = float(row.kg), float(row.tkg)
    return {
        "batches": row.batches,
        "traced_batches": int(row.traced),
        "batch_rate": int(row.traced) / row.batches if row.batches else None,
        "quantity_kg": kg_total,
        "traced_quantity_kg": traced_kg,
        "quantity_rate": traced_kg / kg_total if kg_total else None,
        "suppliers": row.suppliers,
    }


def _line_kg():
    """A shipped line's quantity in kilograms (the whole lot when the line names none)."""
    quantity = func.coalesce(EventLine.quantity, Batch.quantity)
    return case(
        (Batch.unit == QuantityUnit.KG, quantity),
        (Batch.unit == QuantityUnit.TONNE, quantity * 1000),
        (Batch.unit == QuantityUnit.GRAM, quantity / 1000),
        else_=None,
    )
