"""EUDR pages: a growing area's plots with SVG outlines and the add form, the evidence page
and the one-click download from the lot page; and a contract delivery's evidence."""

import io
import json
import zipfile

from tests.conftest import csrf_token
from tests.eudr.conftest import point
from tests.linkage_helpers import TODAY


def test_the_plots_page_draws_outlines_and_adds_a_plot(farm, plots, login, world):
    site = farm.site()
    plots.add(site["id"], name="Thửa vuông")
    plots.add(site["id"], name="Thửa điểm", geometry=point(), declared_area_ha=2)
    web = login(world["users"]["coop_a"])
    html = web.get(f"/trace/sites/{site['id']}").get_data(as_text=True)
    assert f"/eudr/sites/{site['id']}/plots" in html
    html = web.get(f"/eudr/sites/{site['id']}/plots").get_data(as_text=True)
    assert html.count('class="plot-outline"') == 2
    assert '<path d="M' in html and "<circle" in html
    assert "Thửa vuông" in html and "Thửa điểm" in html
    token = csrf_token(web, f"/eudr/sites/{site['id']}/plots")
    form = {
        "csrf_token": token,
        "name": "Thửa mới",
        "geometry": json.dumps(point()),
        "declared_area_ha": "7,5",
        "household_ids": str(world["member_a"]),
    }
    refused = web.post(f"/eudr/sites/{site['id']}/plots", data=form)
    assert refused.status_code == 422
    assert "đa giác" in refused.get_data(as_text=True)
    form["declared_area_ha"] = "1,25"
    saved = web.post(f"/eudr/sites/{site['id']}/plots", data=form)
    assert saved.status_code == 302
    areas = {plot["name"]: plot["area_ha"] for plot in farm.get(f"/eudr/sites/{site['id']}/plots")}
    assert len(areas) == 3 and areas["Thửa mới"] == 1.25


def test_others_may_not_add_plots_on_the_page(farm, login, world):
    site = farm.site()
    web = login(world["users"]["coop_b"])
    assert web.get(f"/eudr/sites/{site['id']}/plots").status_code == 404
    buyer = login(world["users"]["ent_x"])
    token = csrf_token(buyer, "/trace/batches")
    response = buyer.post(f"/eudr/sites/{site['id']}/plots", data={"csrf_token": token})
    assert response.status_code == 403


def test_one_click_on_the_lot_page_downloads_the_evidence(farm, plots, login, world):
    site = farm.site()
    plots.add(site["id"])
    product = farm.product()
    lot = farm.batch(product["id"], 100)
    farm.harvest(lot["id"], site["id"])
    farm.ship(lot["id"], 100, world["ent_x"])
    web = login(world["users"]["ent_x"])
    html = web.get(f"/trace/batches/{lot['id']}").get_data(as_text=True)
    assert f'href="/eudr/lots/{lot["id"]}/evidence.zip"' in html
    page = web.get(f"/eudr/lots/{lot['id']}/evidence").get_data(as_text=True)
    assert 'id="plot-count">1<' in page
    assert '<svg class="plot-outline"' in page and '<path d="M' in page  # the plot's outline
    response = web.get(f"/eudr/lots/{lot['id']}/evidence.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(names) == ["cover.pdf", "plots.geojson", "summary.json"]
    assert login(world["users"]["ent_y"]).get(f"/eudr/lots/{lot['id']}/evidence").status_code == 404


def test_a_contract_delivery_has_its_evidence(linkage, farm, plots, buyer, login, world):
    site = farm.site()
    plots.add(site["id"])
    plots.add(site["id"], name="Thửa 2", geometry=point(), declared_area_ha=3)
    product = farm.product()
    lot = farm.batch(product["id"], 1000)
    farm.harvest(lot["id"], site["id"])
    contract = linkage.signed_contract()
    delivery = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.ent,
        {
            "delivered_on": TODAY.isoformat(),
            "lines": [{"batch_id": lot["id"], "quantity": 600, "accepted_quantity": 600}],
        },
        expect=201,
    ).json
    summary = buyer.get(f"/eudr/deliveries/{delivery['id']}/evidence")
    assert summary["plots"] == 2 and summary["lots"] == 1
    response = buyer.client.get(
        f"/api/v1/eudr/deliveries/{delivery['id']}/evidence.zip", headers=buyer.headers
    )
    assert response.status_code == 200
    collection = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("plots.geojson"))
    assert len(collection["features"]) == 2
    other = linkage.call("get", f"/eudr/deliveries/{delivery['id']}/evidence", linkage.dept)
    assert other.status_code == 200
    # On the web: from the contract's page, the delivery's evidence and its download.
    web = login(world["users"]["ent_x"])
    contract_page = web.get(f"/linkage/contracts/{contract['id']}").get_data(as_text=True)
    assert f'href="/eudr/deliveries/{delivery["id"]}/evidence"' in contract_page
    page = web.get(f"/eudr/deliveries/{delivery['id']}/evidence").get_data(as_text=True)
    assert 'id="plot-count">2<' in page
    response = web.get(f"/eudr/deliveries/{delivery['id']}/evidence.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    collection = json.loads(zipfile.ZipFile(io.BytesIO(response.data)).read("plots.geojson"))
    assert len(collection["features"]) == 2
    assert (
        login(world["users"]["ent_y"])
        .get(f"/eudr/deliveries/{delivery['id']}/evidence")
        .status_code
        == 404
    )
