"""Indicator services against the province counted by hand in ``tests.indicators_helpers``."""

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import Forbidden, ValidationFailed
from core.extensions import db
from indicators.services import (
    IndicatorQuery,
    all_rows,
    linkage_rate,
    linked_cooperatives,
    monthly_series,
    page,
    parse_query,
    scoped_query,
    traceability_rate,
    unlinked_cooperatives,
    untraced_batches,
    untraced_products,
)
from indicators.services.query import resolve_unit
from registry.models import AdminUnit, AdminUnitMapping, User
from tests.indicators_helpers import C1, C2

JUNE = date(2026, 6, 15)
PERIOD = {"date_from": date(2026, 1, 1), "date_to": date(2026, 6, 30)}


def _by_key(rows):
    return {row.key: row for row in rows}


def _legacy_district(commune_code: str) -> str:
    """The former district of a commune, read from the mapping (as the service must)."""
    new = resolve_unit(commune_code)
    old_ids = select(AdminUnitMapping.old_unit_id).where(AdminUnitMapping.new_unit_id == new.id)
    parents = db.session.scalars(select(AdminUnit.parent_id).where(AdminUnit.id.in_(old_ids))).all()
    district = max(set(parents), key=lambda p: (parents.count(p), -p))
    return db.session.get(AdminUnit, district).code


def test_linkage_rate_by_area(app, paper, ctx):
    province = IndicatorQuery(as_of=JUNE, admin_unit="52")
    (total,) = linkage_rate(province)
    assert (total.numerator, total.denominator, total.rate) == (1, 4, 0.25)
    assert (total.groups, total.groups_linked) == (1, 1)
    (country,) = linkage_rate(IndicatorQuery(as_of=JUNE))
    assert (country.numerator, country.denominator) == (1, 5)
    communes = _by_key(linkage_rate(province, "commune"))
    assert set(communes) == {C1, C2}
    assert (communes[C1].numerator, communes[C1].denominator, communes[C1].groups) == (1, 2, 1)
    assert (communes[C2].numerator, communes[C2].denominator) == (0, 2)
    (one,) = linkage_rate(IndicatorQuery(as_of=JUNE, admin_unit=C2))
    assert (one.numerator, one.denominator) == (0, 2)
    (feb,) = linkage_rate(IndicatorQuery(as_of=date(2026, 2, 15), admin_unit=C2))
    assert (feb.numerator, feb.denominator) == (0, 3)  # D not yet suspended
    (before,) = linkage_rate(IndicatorQuery(as_of=date(2025, 6, 30), admin_unit="52"))
    assert (before.numerator, before.denominator) == (1, 5)  # C's contract, since expired


def test_linkage_by_legacy_district_and_category(app, paper, ctx):
    province = IndicatorQuery(as_of=JUNE, admin_unit="52")
    d1, d2 = _legacy_district(C1), _legacy_district(C2)
    assert d1 != d2
    districts = _by_key(linkage_rate(province, "legacy_district"))
    assert (districts[d1].numerator, districts[d1].denominator) == (1, 2)
    assert (districts[d2].numerator, districts[d2].denominator) == (0, 2)
    (old,) = linkage_rate(IndicatorQuery(as_of=JUNE, admin_unit=d1))
    assert (old.numerator, old.denominator) == (1, 2)
    # Producing coffee: A B C (F grows rice); A's contract covers coffee.
    categories = _by_key(linkage_rate(province, "category"))
    assert (categories["coffee"].numerator, categories["coffee"].denominator) == (1, 3)
    assert (categories["rice"].numerator, categories["rice"].denominator) == (0, 1)


def test_linkage_monthly_series(app, paper, ctx):
    series = monthly_series("linkage", IndicatorQuery(as_of=JUNE, admin_unit="52"), months=24)
    assert len(series) == 24 and series[-1].key == "2026-06" and series[0].key == "2024-07"
    months = _by_key(series)
    assert (months["2025-06"].numerator, months["2025-06"].denominator) == (1, 5)
    assert (months["2026-02"].numerator, months["2026-02"].denominator) == (1, 5)
    assert (months["2026-03"].numerator, months["2026-03"].denominator) == (1, 4)  # D suspended
    assert (months["2026-06"].numerator, months["2026-06"].denominator) == (1, 4)


def test_traceability_rate_by_area(app, paper, ctx):
    province = IndicatorQuery(admin_unit="52", **PERIOD)
    (total,) = traceability_rate(province)
    assert (total.numerator, total.denominator) == (2, 6)
    assert (total.batches, total.traced_batches) == (6, 4)
    assert (total.quantity_kg, total.traced_quantity_kg) == (4000, 3300)
    assert total.products_with_batches == 4
    communes = _by_key(traceability_rate(province, "commune"))
    c1, c2 = communes[C1], communes[C2]
    assert (c1.numerator, c1.denominator, c1.batches, c1.traced_batches) == (1, 4, 5, 3)
    assert (c1.quantity_kg, c1.traced_quantity_kg) == (4000, 3300)
    assert (c2.numerator, c2.denominator, c2.batches, c2.traced_batches) == (1, 2, 1, 1)
    assert c2.quantity_kg == 0 and c2.quantity_rate is None
    (country,) = traceability_rate(IndicatorQuery(**PERIOD))
    assert (country.numerator, country.denominator) == (3, 7)
    assert (country.batches, country.traced_batches) == (7, 5)
    assert (country.quantity_kg, country.traced_quantity_kg) == (4050, 3350)


def test_traceability_by_category_district_and_month(app, paper, ctx):
    province = IndicatorQuery(admin_unit="52", **PERIOD)
    categories = _by_key(traceability_rate(province, "category"))
    assert {k: (r.numerator, r.denominator) for k, r in categories.items()} == {
        "coffee": (2, 3),
        "pepper": (0, 1),
        "durian": (0, 1),
        "rice": (0, 1),
    }
    (coffee,) = traceability_rate(IndicatorQuery(admin_unit="52", category="coffee", **PERIOD))
    assert (coffee.numerator, coffee.denominator, coffee.batches) == (2, 3, 5)  # b1 b2 b4 b5 b7
    districts = _by_key(traceability_rate(province, "legacy_district"))
    assert districts[_legacy_district(C1)].denominator == 4
    # Every product lands in one district row, the one of no former district included.
    assert sum(r.numerator for r in districts.values()) == 2
    assert sum(r.denominator for r in districts.values()) == 6
    assert sum(r.batches for r in districts.values()) == 6
    assert sum(r.traced_batches for r in districts.values()) == 4
    # The Hanoi ward has no former district: its product is counted in the row of none.
    nowhere = _by_key(traceability_rate(IndicatorQuery(**PERIOD), "legacy_district"))[None]
    assert (nowhere.numerator, nowhere.denominator, nowhere.batches) == (1, 1, 1)
    assert nowhere.traced_batches == 1 and nowhere.label
    months = _by_key(traceability_rate(province, "month"))
    assert {
        k: (r.numerator, r.denominator, r.batches, r.traced_batches) for k, r in months.items()
    } == {
        "2026-02": (1, 6, 1, 1),
        "2026-03": (1, 6, 2, 1),
        "2026-04": (0, 6, 2, 1),
        "2026-05": (1, 6, 1, 1),
    }
    series = _by_key(monthly_series("traceability", IndicatorQuery(as_of=JUNE, admin_unit="52")))
    assert len(series) == 24
    assert (series["2026-03"].numerator, series["2026-03"].batches) == (1, 2)
    assert (series["2026-01"].numerator, series["2026-01"].denominator) == (0, 6)


def test_drill_downs(app, paper, ctx):
    province = IndicatorQuery(as_of=JUNE, admin_unit="52")
    unlinked = all_rows(unlinked_cooperatives(province))
    assert {row["name"] for row in unlinked} == {"HTX B", "HTX C", "HTX F"}
    first = page(unlinked_cooperatives(province), page=1, page_size=2)
    assert (first.total, len(first.rows)) == (3, 2)
    assert first.rows[0]["commune_code"] == C2 or first.rows[0]["commune_code"] == C1
    (linked,) = all_rows(linked_cooperatives(province))
    assert (linked["name"], linked["partners"], linked["contracts"]) == ("HTX A", "Công ty E", 1)
    assert linked["products"] and "Cà phê A" in linked["products"]
    period = IndicatorQuery(admin_unit="52", **PERIOD)
    products = {row["id"]: row for row in all_rows(untraced_products(period))}
    assert set(products) == {paper.P2, paper.P3, paper.P4, paper.P7}
    assert products[paper.P3]["reason"] == "no_batch"
    assert products[paper.P4]["reason"] == "untraced_batches"
    assert (products[paper.P4]["batches"], products[paper.P4]["untraced_batches"]) == (2, 1)
    lots = {row["id"]: row for row in all_rows(untraced_batches(period))}
    assert set(lots) == {paper.b3, paper.b5}
    assert lots[paper.b3]["missing_keys"] == ["product_image"]
    assert lots[paper.b5]["missing_keys"] == ["label"]


def test_query_parsing_and_scoping(app, paper, ctx):
    query = parse_query({"from": "2026-01-01", "to": "2026-06-30", "admin_unit": "52"})
    assert query.period == (date(2026, 1, 1), date(2026, 6, 30))
    for args, field in [
        ({"as_of": "2026-13-01"}, "as_of"),
        ({"as_of": "2026-01-01", "from": "2025-01-01"}, "as_of"),
        ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
        ({"admin_unit": "99999"}, "admin_unit"),
        ({"category": "gold"}, "category"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            parse_query(args)
        assert field in refused.value.errors
    coop_user = db.session.get(User, paper.users[paper.A])
    own = scoped_query(coop_user, IndicatorQuery(admin_unit="52", **PERIOD))
    assert own.organization_id == paper.A and own.admin_unit is None
    (mine,) = traceability_rate(own)
    assert (mine.numerator, mine.denominator, mine.batches) == (1, 3, 3)
    with pytest.raises(Forbidden):
        scoped_query(db.session.get(User, paper.users[paper.E]), IndicatorQuery())


def test_registry_and_organization_figures(app, paper, ctx):
    from datetime import UTC, datetime
    from decimal import Decimal

    from indicators.services import organization_figures, registry_figures
    from registry.models import Organization, OrgRating, Rating
    from trace.inputs import LineInput, ShippingInput
    from trace.services import events

    db.session.add_all(
        [
            OrgRating(organization_id=paper.A, year=2025, rating=Rating.GOOD),
            OrgRating(organization_id=paper.B, year=2025, rating=Rating.WEAK),
            OrgRating(organization_id=paper.C, year=2024, rating=Rating.WEAK),
        ]
    )
    db.session.flush()
    figures = registry_figures(IndicatorQuery(as_of=JUNE, admin_unit="52"))
    rows = {row["key"]: row for row in figures["rows"]}
    # C1: A B H (every sector) and group G; C2: C F (D suspended). One household each.
    assert (rows[C1]["cooperatives"], rows[C1]["groups"], rows[C1]["members"]) == (3, 1, 4)
    assert (rows[C2]["cooperatives"], rows[C2]["members"]) == (2, 2)
    assert figures["totals"]["cooperatives"] == 5
    assert (figures["rating_year"], figures["rated"], figures["rated_good_or_fair"]) == (2025, 2, 1)
    assert figures["good_or_fair_share"] == 0.5

    a = organization_figures(db.session.get(Organization, paper.A), IndicatorQuery(as_of=JUNE))
    assert a["linked"] and a["contracts"]["active"] == 1
    assert (a["traceability"].numerator, a["traceability"].denominator) == (1, 3)
    b = organization_figures(db.session.get(Organization, paper.B), IndicatorQuery(as_of=JUNE))
    assert not b["linked"] and b["contracts"]["draft"] == 1
    c = organization_figures(db.session.get(Organization, paper.C), IndicatorQuery(as_of=JUNE))
    assert c["contracts"]["expired"] == 1 and not c["linked"]

    seller = db.session.get(User, paper.users[paper.A])
    for lot, quantity in ((paper.b1, 400), (paper.b3, 100)):
        events.record_event(
            seller,
            ShippingInput(
                event_time=datetime(2026, 4, 2, 3, tzinfo=UTC),
                destination_org_id=paper.E,
                lines=[LineInput(batch_id=lot, quantity=Decimal(quantity))],
            ),
        )
    e = organization_figures(db.session.get(Organization, paper.E), IndicatorQuery(as_of=JUNE))
    assert (e["batches"], e["traced_batches"], e["suppliers"]) == (2, 1, 1)
    assert (e["quantity_kg"], e["traced_quantity_kg"]) == (500, 400)


def test_open_data_has_no_names(app, paper, ctx):
    from indicators.services import open_data

    data = open_data(JUNE)
    assert data["province"]["linkage"]["rate"] == 0.25
    assert data["province"]["traceability"]["denominator"] == 6
    assert {c["code"] for c in data["communes"]} == {C1, C2}
    assert "HTX" not in repr(data)
