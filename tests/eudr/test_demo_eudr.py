"""The demo maps plots on the coffee growing areas, a few deliberately incomplete, and a coffee
lot shipped to an enterprise then has evidence to download."""

from sqlalchemy import select

from core.extensions import db
from eudr.models import Plot
from eudr.services import evidence
from registry.models import User
from trace.models import Batch, BatchHousehold, Product, ProductCategory, batch_sites


def _contributing(plots: list[Plot], lot_ids: list[int]) -> list[Plot]:
    """Counted by hand: a plot of a coffee lot's area counts unless the lot and the plot both
    name households and share none. (The demo's coffee lots are listed on their areas.)"""
    areas = db.session.execute(select(batch_sites).where(batch_sites.c.batch_id.in_(lot_ids)))
    by_area: dict[int, list[int]] = {}
    for lot_id, site_id in areas:
        by_area.setdefault(site_id, []).append(lot_id)
    households: dict[int, set[int]] = {}
    for row in db.session.scalars(
        select(BatchHousehold).where(BatchHousehold.batch_id.in_(lot_ids))
    ):
        households.setdefault(row.batch_id, set()).add(row.member_id)
    kept = []
    for plot in plots:
        farmers = {member.id for member in plot.households}
        lots = by_area.get(plot.site_id, [])
        if any(not farmers or not households.get(lot) or farmers & households[lot] for lot in lots):
            kept.append(plot)
    return kept


def test_the_demo_has_plots_some_incomplete(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "eudr (" in result.output
    with app.test_request_context():
        found = list(db.session.scalars(select(Plot)))
        assert len(found) >= 10
        lot_ids = list(
            db.session.scalars(
                select(Batch.id)
                .join(Product, Product.id == Batch.product_id)
                .where(Product.category == ProductCategory.COFFEE)
            )
        )
        department = db.session.scalar(select(User).where(User.role == "department_admin"))
        facts = evidence.summary(evidence.gather("demo", lot_ids))
        assert facts["plots"] == len(_contributing(found, lot_ids))
        assert 0 < len(facts["missing"]) < len(found)
        kinds = {item for entry in facts["missing"] for item in entry["items"]}
        assert {"production_since", "land_document"} <= kinds
        assert department is not None
        db.session.rollback()
