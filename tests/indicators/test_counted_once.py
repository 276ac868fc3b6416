"""Each kilogram counted once: the traceability indicator's lot and quantity figures count the
lots that enter the chain, not the lots made from them by splitting, processing or packing."""

from datetime import date

from core.extensions import db
from indicators.services.query import IndicatorQuery
from indicators.services.rates import traceability_rate


def _outputs(event):
    return [line["batch_id"] for line in event["lines"] if line["role"] == "output"]


def _figures(app, org_id):
    with app.test_request_context():
        query = IndicatorQuery(
            date_from=date(2026, 1, 1), date_to=date(2026, 12, 31), organization_id=org_id
        )
        (row,) = traceability_rate(query)
        db.session.rollback()
        return row


def test_a_split_a_processing_and_a_packing_count_the_harvest_once(app, client, farm, world):
    cherry = farm.product(name="Cà phê quả tươi")
    green = farm.product(name="Cà phê nhân")
    site = farm.site()
    harvest = farm.batch(cherry["id"], 2000)["id"]
    farm.harvest(harvest, site["id"], days_ago=30)
    other = farm.batch(cherry["id"], 500)["id"]
    farm.harvest(other, site["id"], days_ago=29)
    split = farm.transform(
        [(harvest, 2000)],
        [{"product_id": cherry["id"], "quantity": q} for q in (1200, 800)],
        how="splitting",
        days_ago=25,
    )
    big, _small = _outputs(split)
    processed = farm.transform(
        [(big, 1200)], [{"product_id": green["id"], "quantity": 1000}], days_ago=20
    )
    (green_lot,) = _outputs(processed)
    packed = farm.transform(
        [(green_lot, 1000)],
        [{"product_id": green["id"], "quantity": 500} for _ in range(2)],
        how="packing",
        days_ago=15,
    )
    assert len(_outputs(packed)) == 2

    row = _figures(app, world["coop_a"])
    # Counted by hand: the two harvests enter the chain (2,000 + 500 kg); the two split
    # halves, the green coffee and its two packs are made from them and are not counted again.
    assert row.batches == 2
    assert row.quantity_kg == 2500
    # Both products had lots in the period: green coffee is judged on its own lots.
    assert row.products_with_batches == 2
    assert row.denominator == 2


def test_the_counting_rule_is_written_with_the_rate(client, farm):
    for language, words in (("en", "counted once"), ("vi", "tính một lần")):
        headers = {**farm.headers, "Accept-Language": language}
        response = client.get("/api/v1/indicators/traceability", headers=headers)
        assert response.status_code == 200, response.json
        assert words in response.json["definition"]
