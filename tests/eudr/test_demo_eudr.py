"""The demo maps plots on the coffee growing areas, a few deliberately incomplete, and a coffee
lot shipped to an enterprise then has evidence to download."""

from sqlalchemy import select

from core.extensions import db
from eudr.models import Plot
from eudr.services import evidence
from registry.models import User
from trace.models import Batch, Product, ProductCategory


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
        assert facts["plots"] == len(found)
        assert 0 < len(facts["missing"]) < len(found)
        kinds = {item for entry in facts["missing"] for item in entry["items"]}
        assert {"production_since", "land_document"} <= kinds
        assert department is not None
        db.session.rollback()
