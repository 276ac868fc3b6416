"""EUDR readiness: coffee lots (and their volume) whose plots are all complete, counted in SQL
through the backward trace, by commune and cooperative, with what each cooperative lacks."""

import pytest

from core.extensions import db
from eudr.services import readiness
from registry.models import User
from tests.eudr.conftest import LAT, LON, square


def _outputs(event):
    return [line["batch_id"] for line in event["lines"] if line["role"] == "output"]


@pytest.fixture
def lots(farm, plots, world):
    """Harvests on a complete area (1000 kg), an area missing a document (500 kg) and an
    unmapped area (250 kg); the first processed into 800 kg shipped to enterprise X."""
    coffee = farm.product()
    complete, lacking, unmapped = (farm.site(name=n) for n in ("Đủ", "Thiếu", "Chưa đo"))
    plots.document(plots.add(complete["id"])["id"])
    plots.add(lacking["id"])
    found = {}
    for name, site, kg in (("a", complete, 1000), ("b", lacking, 500), ("c", unmapped, 250)):
        lot = farm.batch(coffee["id"], kg)
        farm.harvest(lot["id"], site["id"], days_ago=20)
        found[name] = lot["id"]
    made = farm.transform(
        [(found["a"], 1000)], [{"product_id": coffee["id"], "quantity": 800}], days_ago=10
    )
    (found["green"],) = _outputs(made)
    farm.ship(found["green"], 800, world["ent_x"], days_ago=5)
    return found


def _rows(app, user_id):
    with app.test_request_context():
        rows = readiness.readiness(db.session.get(User, user_id))
        total = readiness.totals(rows)
        db.session.rollback()
        return rows, total


def test_the_department_counts_every_cooperatives_coffee_lots(app, lots, world):
    rows, total = _rows(app, world["users"]["department"])
    (row,) = rows
    assert (row.lots, row.ready_lots) == (4, 2)  # a and the green coffee made from it
    assert row.kg == 2550 and row.ready_kg == 1800
    assert total.lot_share == 0.5
    assert row.missing == {"land_document": 1, "areas_without_plots": 1}
    assert row.commune == "Xã Đak Đoa"


def test_an_enterprise_counts_the_lots_shipped_to_it(app, lots, world):
    rows, total = _rows(app, world["users"]["ent_x"])
    assert (total.lots, total.ready_lots) == (1, 1)
    other, none = _rows(app, world["users"]["ent_y"])
    assert other == [] and none.lot_share is None


def test_the_readiness_page(login, lots, world):
    html = login(world["users"]["department"]).get("/eudr/readiness").get_data(as_text=True)
    assert 'id="lot-share">50' in html
    assert "HTX Cà phê Đăk Đoa" in html
    # By commune, with what the cooperative still lacks (in Vietnamese, the default).
    assert "Xã Đak Đoa" in html
    assert "1 × giấy chứng nhận quyền sử dụng đất" in html
    assert "1 × vùng trồng chưa có thửa đất nào" in html
    dashboard = login(world["users"]["department"]).get("/indicators/")
    assert "/eudr/readiness" in dashboard.get_data(as_text=True)


def test_only_the_plots_of_the_households_that_harvested_count(
    app, farm, plots, world, make_member
):
    """An incomplete plot farmed only by another household does not hold a lot back; an area
    where none of the lot's households has a plot does."""
    coffee = farm.product()
    area = farm.site(name="Hai hộ")
    other = make_member(world["coop_a"], "Trần Văn Bình")
    plots.document(plots.add(area["id"], name="Thửa hộ An")["id"])  # complete, member_a's
    plots.add(
        area["id"], name="Thửa hộ Bình", geometry=square(LON + 0.003, LAT), household_ids=[other]
    )
    by_an = farm.batch(coffee["id"], 600)  # member_a's harvest
    farm.harvest(by_an["id"], area["id"], days_ago=10)
    by_binh = farm.batch(coffee["id"], 400, households=[{"member_id": other, "quantity": 400}])
    farm.harvest(by_binh["id"], area["id"], days_ago=9)
    rows, _total = _rows(app, world["users"]["coop_a"])
    (row,) = rows
    assert (row.lots, row.ready_lots) == (2, 1)
    assert (row.kg, row.ready_kg) == (1000, 600)

    elsewhere = farm.site(name="Chỉ hộ Bình")
    plots.document(plots.add(elsewhere["id"], name="Thửa Bình 2", household_ids=[other])["id"])
    by_an_there = farm.batch(coffee["id"], 300)  # member_a has no plot on this area
    farm.harvest(by_an_there["id"], elsewhere["id"], days_ago=8)
    rows, _total = _rows(app, world["users"]["coop_a"])
    assert (rows[0].lots, rows[0].ready_lots) == (3, 1)
