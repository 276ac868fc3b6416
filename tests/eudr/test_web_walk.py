"""The EUDR web forms beyond adding a plot: a walked plot (corners from the phone's GPS with
their accuracy, refused above EUDR_WALK_MAX_ACCURACY_M), editing a plot's details, and a
household's consent to its name in the EU files."""

import json

from sqlalchemy import func, select

from core.extensions import db
from eudr.models import NameConsent, Plot
from tests.conftest import csrf_token
from tests.eudr.conftest import square


def _walk_form(web, site_id, accuracies, **extra):
    form = {
        "csrf_token": csrf_token(web, f"/eudr/sites/{site_id}/plots/walk"),
        "name": "Thửa đi bộ",
        "geometry": json.dumps(square()),
        "accuracies_m": accuracies,
        "production_since": "2016-03-01",
    }
    form.update(extra)
    return form


def _plot_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Plot.id)))


def test_a_walked_plot_keeps_each_corners_accuracy(app, farm, login, world):
    site = farm.site()
    web = login(world["users"]["coop_a"])
    page = web.get(f"/eudr/sites/{site['id']}/plots/walk").get_data(as_text=True)
    assert "cần bật JavaScript và cho phép trang dùng vị trí" in page
    assert f"/api/v1/eudr/sites/{site['id']}/plots/import" in page
    assert '<script src="/static/js/plot-walk.js" defer></script>' in page
    assert 'data-max-accuracy="10.0"' in page
    form = _walk_form(web, site["id"], "3,2.5,4,9.9", household_ids=str(world["member_a"]))
    saved = web.post(f"/eudr/sites/{site['id']}/plots/walk", data=form)
    assert saved.status_code == 302
    (plot,) = farm.get(f"/eudr/sites/{site['id']}/plots")
    assert plot["walk_accuracies_m"] == [3.0, 2.5, 4.0, 9.9]
    assert plot["geometry_type"] == "Polygon" and 4.5 < plot["area_ha"] < 5
    assert plot["household_ids"] == [world["member_a"]]
    html = web.get(f"/eudr/sites/{site['id']}/plots").get_data(as_text=True)
    assert "Đo bằng GPS; độ chính xác từng góc (m): 1: ±3, 2: ±2,5, 3: ±4, 4: ±9,9" in html


def test_a_walk_with_a_coarse_corner_is_refused_naming_it(app, farm, login, world):
    site = farm.site()
    web = login(world["users"]["coop_a"])
    refused = web.post(
        f"/eudr/sites/{site['id']}/plots/walk", data=_walk_form(web, site["id"], "3,3,25,3")
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Góc 3 chỉ định vị được với sai số 25 m, kém hơn mức 10 m cho phép" in html
    assert _plot_count(app) == 0
    app.config["EUDR_WALK_MAX_ACCURACY_M"] = 30
    try:
        form = _walk_form(web, site["id"], "3,3,25,3")
        assert web.post(f"/eudr/sites/{site['id']}/plots/walk", data=form).status_code == 302
    finally:
        app.config["EUDR_WALK_MAX_ACCURACY_M"] = 10.0
    assert _plot_count(app) == 1


def test_a_walk_is_checked_like_any_plot(app, farm, login, world):
    site = farm.site()
    web = login(world["users"]["coop_a"])
    url = f"/eudr/sites/{site['id']}/plots/walk"
    crossing = square()
    ring = crossing["coordinates"][0]
    ring[1], ring[2] = ring[2], ring[1]
    bow_tie = _walk_form(web, site["id"], "3,3,3,3", geometry=json.dumps(crossing))
    response = web.post(url, data=bow_tie)
    assert response.status_code == 422 and "vertex" not in response.get_data(as_text=True)
    assert "đỉnh" in response.get_data(as_text=True)
    short = _walk_form(web, site["id"], "3,3,3")
    response = web.post(url, data=short)
    assert response.status_code == 422
    assert "mỗi góc có một độ chính xác" in response.get_data(as_text=True)
    empty = _walk_form(web, site["id"], "")
    assert web.post(url, data=empty).status_code == 422
    coarse_number = _walk_form(web, site["id"], "3,abc,3,3")
    assert web.post(url, data=coarse_number).status_code == 422
    assert _plot_count(app) == 0


def test_only_the_cooperative_walks_its_areas(farm, login, world):
    site = farm.site()
    assert (
        login(world["users"]["coop_b"]).get(f"/eudr/sites/{site['id']}/plots/walk").status_code
        == 404
    )
    assert (
        login(world["users"]["ent_x"]).get(f"/eudr/sites/{site['id']}/plots/walk").status_code
        == 403
    )


def test_a_plots_details_are_edited_on_the_page(farm, plots, login, world):
    site = farm.site()
    plot = plots.add(site["id"], name="Thửa cũ", household_ids=[])
    web = login(world["users"]["coop_a"])
    html = web.get(f"/eudr/sites/{site['id']}/plots").get_data(as_text=True)
    assert f'href="/eudr/plots/{plot["id"]}/edit"' in html
    form = web.get(f"/eudr/plots/{plot['id']}/edit").get_data(as_text=True)
    assert 'value="Thửa cũ"' in form and 'value="2015-05-01"' in form
    token = csrf_token(web, f"/eudr/plots/{plot['id']}/edit")
    changed = {
        "csrf_token": token,
        "name": "Thửa mới đặt tên",
        "production_since": "2019-02-01",
        "land_document_number": "CS 01234",
        "household_ids": str(world["member_a"]),
    }
    assert web.post(f"/eudr/plots/{plot['id']}/edit", data=changed).status_code == 302
    (after,) = farm.get(f"/eudr/sites/{site['id']}/plots")
    assert after["name"] == "Thửa mới đặt tên" and after["production_since"] == "2019-02-01"
    assert after["land_document_number"] == "CS 01234"
    assert after["household_ids"] == [world["member_a"]]
    assert after["geometry"] == plot["geometry"] and after["area_ha"] == plot["area_ha"]
    bad = {**changed, "name": "", "production_since": "01/02/2019"}
    response = web.post(f"/eudr/plots/{plot['id']}/edit", data=bad)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="e-name"' in html and 'id="e-production_since"' in html
    other = {**changed, "household_ids": str(world["member_b"])}
    response = web.post(f"/eudr/plots/{plot['id']}/edit", data=other)
    assert response.status_code == 422 and str(world["member_b"]) in response.get_data(as_text=True)
    assert farm.get(f"/eudr/sites/{site['id']}/plots")[0]["name"] == "Thửa mới đặt tên"
    assert login(world["users"]["coop_b"]).get(f"/eudr/plots/{plot['id']}/edit").status_code == 404


def test_a_households_consent_is_recorded_beside_the_plot(app, farm, plots, login, world):
    site = farm.site()
    plots.add(site["id"])
    web = login(world["users"]["coop_a"])
    url = f"/eudr/sites/{site['id']}/plots"
    assert "tên trong hồ sơ gửi EU: chưa hỏi ý kiến" in web.get(url).get_data(as_text=True)
    token = csrf_token(web, url)
    member = world["member_a"]
    form = {"csrf_token": token, "site_id": site["id"], "agreed": "1", "decided_on": "2026-11-02"}
    response = web.post(f"/eudr/members/{member}/consent", data=form)
    assert response.status_code == 302 and response.location.endswith(url)
    assert "tên trong hồ sơ gửi EU: đồng ý ngày 02/11/2026" in web.get(url).get_data(as_text=True)
    form.update(agreed="0", decided_on="2026-12-01")
    assert web.post(f"/eudr/members/{member}/consent", data=form).status_code == 302
    assert "không đồng ý ngày 01/12/2026" in web.get(url).get_data(as_text=True)
    refused = web.post(f"/eudr/members/{member}/consent", data={**form, "decided_on": "hôm qua"})
    assert refused.status_code == 422
    assert "Ngày trả lời:" in refused.get_data(as_text=True)
    with app.app_context():
        consent = db.session.get(NameConsent, member)
        assert consent.agreed is False and consent.decided_on.isoformat() == "2026-12-01"
    other = login(world["users"]["coop_b"])
    token = csrf_token(other, "/trace/batches")
    response = other.post(f"/eudr/members/{member}/consent", data={**form, "csrf_token": token})
    assert response.status_code in (403, 404)


def test_a_new_geometry_drops_the_walked_accuracies(farm, login, world):
    site = farm.site()
    web = login(world["users"]["coop_a"])
    form = _walk_form(web, site["id"], "3,3,3,3")
    assert web.post(f"/eudr/sites/{site['id']}/plots/walk", data=form).status_code == 302
    (plot,) = farm.get(f"/eudr/sites/{site['id']}/plots")
    token = csrf_token(web, f"/eudr/plots/{plot['id']}/edit")
    details = {"csrf_token": token, "name": "Đổi tên", "production_since": "2016-03-01"}
    assert web.post(f"/eudr/plots/{plot['id']}/edit", data=details).status_code == 302
    assert farm.get(f"/eudr/sites/{site['id']}/plots")[0]["walk_accuracies_m"] == [3, 3, 3, 3]
    body = {"name": "Đổi tên", "geometry": square(side=0.003)}
    response = farm.client.put(f"/api/v1/eudr/plots/{plot['id']}", json=body, headers=farm.headers)
    assert response.status_code == 200, response.json
    assert response.json["walk_accuracies_m"] is None
