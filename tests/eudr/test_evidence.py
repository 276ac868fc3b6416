"""The evidence for a shipment: the plots of its backward trace, in the EU Information System's
GeoJSON (RFC 7946), with a summary, a cover sheet, and nothing a buyer's lots do not trace to."""

import io
import json
import zipfile
from datetime import date, timedelta

import jsonschema
import pytest

from core.extensions import db
from eudr.services import evidence
from tests.eudr.conftest import LAT, LON, point, square

# RFC 7946's shapes for what the export holds: a FeatureCollection of Features whose geometry
# is a Point or a Polygon of closed rings of [longitude, latitude] positions.
POSITION = {
    "type": "array",
    "minItems": 2,
    "maxItems": 3,
    "items": {"type": "number"},
    "prefixItems": [
        {"type": "number", "minimum": -180, "maximum": 180},
        {"type": "number", "minimum": -90, "maximum": 90},
    ],
}
RFC7946_SUBSET = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "geometry", "properties"],
                "additionalProperties": False,
                "properties": {
                    "type": {"const": "Feature"},
                    "geometry": {
                        "oneOf": [
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"const": "Point"},
                                    "coordinates": POSITION,
                                },
                            },
                            {
                                "type": "object",
                                "required": ["type", "coordinates"],
                                "properties": {
                                    "type": {"const": "Polygon"},
                                    "coordinates": {
                                        "type": "array",
                                        "minItems": 1,
                                        "items": {
                                            "type": "array",
                                            "minItems": 4,
                                            "items": POSITION,
                                        },
                                    },
                                },
                            },
                        ]
                    },
                    # The EU Information System's properties, exactly.
                    "properties": {
                        "type": "object",
                        "required": ["ProducerCountry", "Area"],
                        "additionalProperties": False,
                        "properties": {
                            "ProducerCountry": {"const": "VN"},
                            "Area": {"type": "number", "exclusiveMinimum": 0},
                            "ProductionPlace": {"type": "string"},
                            "ProducerName": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}


def _outputs(event):
    return [line["batch_id"] for line in event["lines"] if line["role"] == "output"]


@pytest.fixture
def chain(farm, plots, world, make_member):
    """Two harvests on two growing areas (3 plots), processed together into green coffee,
    split in two; one half shipped to enterprise X. A third area's harvest stays apart."""
    cherry = farm.product(name="Cà phê quả tươi")
    green = farm.product(name="Cà phê nhân xanh")
    area_1 = farm.site(name="Vùng Làng Kon")
    area_2 = farm.site(name="Vùng Ia Băng")
    area_3 = farm.site(name="Vùng khác")
    area_4 = farm.site(name="Vùng chưa đo")
    second = make_member(world["coop_a"], "Lê Thị Cúc")
    p1 = plots.add(area_1["id"], name="Thửa 1")
    p2 = plots.add(
        area_1["id"],
        name="Thửa 2",
        geometry=square(LON + 0.003, LAT),
        production_since="2022-03-01",
        household_ids=[second],
    )
    p3 = plots.add(area_2["id"], name="Thửa 3", geometry=point(), declared_area_ha=1.5)
    p4 = plots.add(area_3["id"], name="Thửa ngoài", geometry=square(LON + 0.006, LAT))
    for plot in (p1, p3):
        plots.check(plot["id"])
    plots.document(p1["id"])
    both = [
        {"member_id": world["member_a"], "quantity": 2000},
        {"member_id": second, "quantity": 1000},
    ]
    harvest_1 = farm.batch(cherry["id"], 3000, households=both)
    farm.harvest(harvest_1["id"], area_1["id"], days_ago=30)
    harvest_2 = farm.batch(cherry["id"], 2000, site_ids=[area_2["id"], area_4["id"]])
    farm.harvest(harvest_2["id"], area_2["id"], days_ago=29)
    apart = farm.batch(cherry["id"], 500)
    farm.harvest(apart["id"], area_3["id"], days_ago=29)
    processing = farm.transform(
        [(harvest_1["id"], 3000), (harvest_2["id"], 2000)],
        [{"product_id": green["id"], "quantity": 1000}],
        days_ago=20,
    )
    (green_id,) = _outputs(processing)
    split = farm.transform(
        [(green_id, 1000)],
        [
            {"product_id": green["id"], "quantity": 600},
            {"product_id": green["id"], "quantity": 400},
        ],
        how="splitting",
        days_ago=15,
    )
    half_a, half_b = _outputs(split)
    farm.ship(half_a, 600, world["ent_x"], days_ago=5)
    return {
        "plots": {"p1": p1, "p2": p2, "p3": p3, "p4": p4},
        "lots": {"shipped": half_a, "kept": half_b, "green": green_id, "apart": apart["id"]},
        "area_4": area_4,
        "second": second,
    }


def test_the_plots_are_those_of_the_hand_counted_backward_trace(buyer, chain):
    summary = buyer.get(f"/eudr/lots/{chain['lots']['shipped']}/evidence")
    # half_a ← green ← (harvest_1 on area 1 by both households: p1, p2; harvest_2 on area 2:
    # p3, and area 4).
    assert summary["lots"] == 4
    assert summary["plots"] == 3
    assert summary["points"] == 1 and summary["polygons"] == 2
    assert summary["households"] == 2
    assert summary["growing_areas_without_plots"] == [
        {"id": chain["area_4"]["id"], "name": "Vùng chưa đo"}
    ]
    expected_area = sum(chain["plots"][k]["area_ha"] for k in ("p1", "p2", "p3"))
    assert summary["total_area_ha"] == pytest.approx(expected_area, abs=1e-3)
    assert summary["production_since"]["earliest"] == "2015-05-01"
    assert summary["production_since"]["after_cut_off"] == 1
    missing = {item["plot"]: item["items"] for item in summary["missing"]}
    assert missing == {
        "Thửa 2": ["after_cut_off", "land_document", "deforestation_check"],
        "Thửa 3": ["land_document"],
    }
    assert summary["complete"] is False


def _zip(client, url, headers):
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.data[:300]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name) for name in archive.namelist()}


def test_the_zip_holds_rfc7946_geojson_with_the_eu_properties(client, buyer, chain):
    files = _zip(
        client, f"/api/v1/eudr/lots/{chain['lots']['shipped']}/evidence.zip", buyer.headers
    )
    assert set(files) == {"plots.geojson", "summary.json", "cover.pdf"}
    collection = json.loads(files["plots.geojson"])
    jsonschema.validate(collection, RFC7946_SUBSET)
    by_place = {f["properties"]["ProductionPlace"].split(",")[0]: f for f in collection["features"]}
    assert set(by_place) == {"Thửa 1", "Thửa 2", "Thửa 3"}
    for feature in collection["features"]:
        properties = feature["properties"]
        assert properties["ProducerCountry"] == "VN"
        assert isinstance(properties["Area"], float | int)
        assert "ProducerName" not in properties  # nobody has consented yet
        if feature["geometry"]["type"] == "Polygon":
            ring = feature["geometry"]["coordinates"][0]
            assert ring[0] == ring[-1]
            assert _signed_area(ring) > 0  # counter-clockwise
    assert by_place["Thửa 3"]["properties"]["Area"] == 1.5
    assert by_place["Thửa 1"]["geometry"]["coordinates"][0][0] == [LON, LAT]
    assert files["cover.pdf"].startswith(b"%PDF-")
    assert json.loads(files["summary.json"])["plots"] == 3


def _signed_area(ring):
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False)) / 2


def test_only_the_plots_of_the_households_that_harvested(farm, plots, world, make_member):
    """A harvest by one household of an area leaves out the plot farmed only by another; a
    plot with no household named, and a harvest with none named, keep the whole area."""
    cherry = farm.product(name="Cà phê quả tươi")
    area = farm.site(name="Vùng hai hộ")
    other = make_member(world["coop_a"], "Trần Văn Bình")
    mine = plots.add(area["id"], name="Thửa hộ An")
    plots.add(
        area["id"], name="Thửa hộ Bình", geometry=square(LON + 0.003, LAT), household_ids=[other]
    )
    unnamed = plots.add(
        area["id"], name="Thửa chưa rõ hộ", geometry=square(LON + 0.006, LAT), household_ids=[]
    )
    by_an = farm.batch(cherry["id"], 800)  # member_a's harvest only
    farm.harvest(by_an["id"], area["id"], days_ago=10)
    found = farm.get(f"/eudr/lots/{by_an['id']}/evidence")
    assert found["plots"] == 2
    assert found["total_area_ha"] == pytest.approx(mine["area_ha"] + unnamed["area_ha"], abs=1e-3)

    by_both = farm.batch(
        cherry["id"],
        900,
        households=[
            {"member_id": world["member_a"], "quantity": 400},
            {"member_id": other, "quantity": 500},
        ],
    )
    farm.harvest(by_both["id"], area["id"], days_ago=9)
    assert farm.get(f"/eudr/lots/{by_both['id']}/evidence")["plots"] == 3


def test_producer_name_only_with_the_households_consent(client, farm, buyer, chain, world):
    consent = {"agreed": True, "decided_on": "2026-11-02"}
    response = client.put(
        f"/api/v1/eudr/households/{world['member_a']}/consent", json=consent, headers=farm.headers
    )
    assert response.status_code == 200, response.json
    refusal = {"agreed": False, "decided_on": "2026-11-02"}
    response = client.put(
        f"/api/v1/eudr/households/{chain['second']}/consent", json=refusal, headers=farm.headers
    )
    assert response.status_code == 200
    files = _zip(
        client, f"/api/v1/eudr/lots/{chain['lots']['shipped']}/evidence.zip", buyer.headers
    )
    names = {
        f["properties"]["ProductionPlace"].split(",")[0]: f["properties"].get("ProducerName")
        for f in json.loads(files["plots.geojson"])["features"]
    }
    assert names == {"Thửa 1": "Nguyễn Văn An", "Thửa 2": None, "Thửa 3": "Nguyễn Văn An"}
    # Another cooperative's household is not this one's to answer for.
    response = client.put(
        f"/api/v1/eudr/households/{world['member_b']}/consent", json=consent, headers=farm.headers
    )
    assert response.status_code == 404


def test_a_buyer_sees_only_what_its_lots_trace_to(client, buyer, farm, chain, token_for, world):
    lots = chain["lots"]
    for lot in (lots["kept"], lots["green"], lots["apart"]):
        assert (
            client.get(f"/api/v1/eudr/lots/{lot}/evidence", headers=buyer.headers).status_code
            == 404
        )
    other = token_for(world["users"]["ent_y"])
    url = f"/api/v1/eudr/lots/{lots['shipped']}/evidence.zip"
    assert client.get(url, headers=other).status_code == 404
    # The cooperative sees the same for its own lots: the kept half traces to the same plots.
    assert farm.get(f"/eudr/lots/{lots['kept']}/evidence")["plots"] == 3
    assert farm.get(f"/eudr/lots/{lots['apart']}/evidence")["plots"] == 1


def test_a_date_range_of_shipments(buyer, farm, chain):
    summary = buyer.get("/eudr/shipments/evidence?shipped_from=2026-01-01&shipped_to=2026-12-31")
    assert summary["plots"] == 3
    assert (
        farm.get("/eudr/shipments/evidence?shipped_from=2026-01-01&shipped_to=2026-12-31")["plots"]
        == 3
    )
    empty = buyer.get("/eudr/shipments/evidence?shipped_from=2020-01-01&shipped_to=2020-12-31")
    assert empty["plots"] == 0 and empty["complete"] is False
    refused = buyer.get(
        "/eudr/shipments/evidence?shipped_from=2026-12-31&shipped_to=2026-01-01", expect=422
    )
    assert "shipped_to" in refused["errors"]


def test_files_are_split_below_the_limit(app, chain):
    with app.test_request_context():
        found = evidence.gather("x", [chain["lots"]["shipped"]], max_bytes=400)
        assert len(found.files) == 3
        assert all(len(text.encode()) <= 400 for text in found.files)
        features = [f for text in found.files for f in json.loads(text)["features"]]
        assert len(features) == 3
        names = [evidence.file_name(i, 3) for i in (1, 2, 3)]
        assert names[0] == "plots-1-of-3.geojson"
        db.session.rollback()


def test_one_geojson_part_and_a_wrong_part(client, buyer, chain):
    url = f"/api/v1/eudr/lots/{chain['lots']['shipped']}/evidence.geojson"
    response = client.get(url, headers=buyer.headers)
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    assert len(json.loads(response.data)["features"]) == 3
    response.close()
    response = client.get(url + "?part=2", headers=buyer.headers)
    assert response.status_code == 422 and "part" in response.json["errors"]


def test_a_date_range_on_the_web_with_its_download(login, world, chain):
    web = login(world["users"]["ent_x"])
    assert 'id="range-evidence"' in web.get("/eudr/readiness").get_data(as_text=True)
    assert web.get("/eudr/shipments/evidence").status_code == 200
    today = date.today()
    query = {"shipped_from": (today - timedelta(days=30)).isoformat()}
    query["shipped_to"] = (today + timedelta(days=1)).isoformat()
    page = web.get("/eudr/shipments/evidence", query_string=query).get_data(as_text=True)
    assert 'id="plot-count">3<' in page
    download = web.get("/eudr/shipments/evidence.zip", query_string=query)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    collection = json.loads(zipfile.ZipFile(io.BytesIO(download.data)).read("plots.geojson"))
    assert len(collection["features"]) == 3
    backwards = {"shipped_from": query["shipped_to"], "shipped_to": query["shipped_from"]}
    refused = web.get("/eudr/shipments/evidence", query_string=backwards)
    assert refused.status_code == 422
    assert 'id="e-shipped_to"' in refused.get_data(as_text=True)
    assert web.get("/eudr/shipments/evidence.zip", query_string={}).status_code == 422
