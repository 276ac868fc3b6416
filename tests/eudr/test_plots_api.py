"""Plots through the API: added, refused whole with the field and vertex, scoped like sites."""

from eudr.models import Plot
from tests.conftest import row_count
from tests.eudr.conftest import point, square


def test_a_plot_is_saved_with_its_computed_area(farm, plots, world):
    site = farm.site()
    plot = plots.add(site["id"], declared_area_ha=4.5)
    assert plot["geometry_type"] == "Polygon"
    assert 4.7 < plot["area_ha"] < 4.85
    assert plot["declared_area_ha"] == 4.5
    assert plot["household_ids"] == [world["member_a"]]
    assert plot["geometry"]["coordinates"][0][0] == [108.123457, 14.123457]
    assert farm.get(f"/eudr/sites/{site['id']}/plots") == [plot]


def test_a_5_ha_point_is_refused_and_nothing_is_written(app, farm, plots):
    site = farm.site()
    refused = plots.add(site["id"], expect=422, geometry=point(), declared_area_ha=5)
    assert "geometry" in refused["errors"]
    assert "4 ha" in refused["errors"]["geometry"][0]
    with app.app_context():
        assert row_count(Plot) == 0


def test_a_self_intersecting_ring_is_refused_with_its_vertex(farm, plots):
    site = farm.site()
    bow_tie = square()
    ring = bow_tie["coordinates"][0]
    ring[2], ring[3] = ring[3], ring[2]
    refused = plots.add(site["id"], expect=422, geometry=bow_tie)
    assert "Vòng 1, đỉnh 4" in refused["errors"]["geometry"][0]


def test_six_decimals_with_a_trailing_zero_are_read_as_typed(client, farm, world):
    site = farm.site()
    body = (
        '{"name": "Thửa điểm", "declared_area_ha": 1.2, '
        '"geometry": {"type": "Point", "coordinates": [108.123450, 14.123400]}}'
    )
    response = client.post(
        f"/api/v1/eudr/sites/{site['id']}/plots",
        data=body,
        content_type="application/json",
        headers=farm.headers,
    )
    assert response.status_code == 201, response.json
    assert response.json["area_ha"] == 1.2


def test_vietnamese_refusal(client, farm):
    site = farm.site()
    response = client.post(
        f"/api/v1/eudr/sites/{site['id']}/plots",
        json={"name": "Thửa", "geometry": point(), "declared_area_ha": 6},
        headers={**farm.headers, "Accept-Language": "vi"},
    )
    assert response.status_code == 422
    assert "đa giác" in response.json["errors"]["geometry"][0]


def test_other_organizations_neither_see_nor_change_plots(client, farm, plots, token_for, world):
    site = farm.site()
    plot = plots.add(site["id"])
    other = token_for(world["users"]["coop_b"])
    buyer = token_for(world["users"]["ent_x"])
    assert client.get(f"/api/v1/eudr/plots/{plot['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/eudr/plots", headers=buyer).json == []
    body = {"name": "x", "geometry": square()}
    response = client.put(f"/api/v1/eudr/plots/{plot['id']}", json=body, headers=other)
    assert response.status_code == 404
    response = client.post(f"/api/v1/eudr/sites/{site['id']}/plots", json=body, headers=other)
    assert response.status_code == 404
    department = token_for(world["users"]["department"])
    assert client.get(f"/api/v1/eudr/plots/{plot['id']}", headers=department).status_code == 200


def test_a_plot_is_replaced_and_deleted(client, farm, plots):
    site = farm.site()
    plot = plots.add(site["id"])
    body = {"name": "Thửa 1 (đo lại)", "geometry": point(), "declared_area_ha": 2}
    response = client.put(f"/api/v1/eudr/plots/{plot['id']}", json=body, headers=farm.headers)
    assert response.status_code == 200, response.json
    assert response.json["geometry_type"] == "Point" and response.json["area_ha"] == 2
    assert response.json["household_ids"] == []
    response = client.delete(f"/api/v1/eudr/plots/{plot['id']}", headers=farm.headers)
    assert response.status_code == 204
    assert client.get(f"/api/v1/eudr/plots/{plot['id']}", headers=farm.headers).status_code == 404


def test_households_of_another_cooperative_are_refused(farm, plots, world):
    site = farm.site()
    refused = plots.add(site["id"], expect=422, household_ids=[world["member_b"]])
    assert "household_ids" in refused["errors"]


def test_plots_belong_to_growing_areas_only(farm, plots):
    facility = farm.site(kind="facility", name="Xưởng sơ chế")
    refused = plots.add(facility["id"], expect=422)
    assert "site_id" in refused["errors"]


def test_land_document_and_check(client, app, farm, plots):
    site = farm.site()
    plot = plots.add(site["id"])
    assert plots.document(plot["id"])["has_land_document"] is True
    response = client.get(f"/api/v1/eudr/plots/{plot['id']}/document", headers=farm.headers)
    assert response.status_code == 200 and response.data.startswith(b"%PDF-")
    response.close()
    refused = plots.document(plot["id"], data=b"MZ not a document", expect=422)
    assert "document" in refused["errors"]
    check = plots.check(plot["id"])
    assert check["tool"] == "Global Forest Watch" and check["passed"] is True
    assert farm.get(f"/eudr/plots/{plot['id']}")["checks"] == [check]


def test_bad_json_geometry_names_the_field(client, farm):
    site = farm.site()
    for geometry in ("not json", 12, [1, 2]):
        response = client.post(
            f"/api/v1/eudr/sites/{site['id']}/plots",
            json={"name": "x", "geometry": geometry},
            headers=farm.headers,
        )
        assert response.status_code == 422, geometry
        assert "geometry" in response.json["errors"]
    with client.application.app_context():
        assert row_count(Plot) == 0
