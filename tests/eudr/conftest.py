"""EUDR fixtures: plots on a cooperative's growing areas in Đak Đoa (Gia Lai), via the API."""

import pytest

# Near Đak Đoa, Gia Lai; each coordinate ends in 7 so that it always shows its 6 decimals.
LON, LAT = 108.123457, 14.123457


def square(lon: float = LON, lat: float = LAT, side: float = 0.002) -> dict:
    """A counter-clockwise square polygon with its south-west corner at (lon, lat)."""
    ring = [
        [round(lon, 6), round(lat, 6)],
        [round(lon + side, 6), round(lat, 6)],
        [round(lon + side, 6), round(lat + side, 6)],
        [round(lon, 6), round(lat + side, 6)],
        [round(lon, 6), round(lat, 6)],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def point(lon: float = LON, lat: float = LAT) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}


class Plots:
    """A cooperative's API client for plots."""

    def __init__(self, farm):
        self.farm = farm

    def add(self, site_id, expect=201, **values):
        body = {
            "name": "Thửa 1",
            "geometry": square(),
            "production_since": "2015-05-01",
            "household_ids": [self.farm.world["member_a"]],
        }
        body.update(values)
        return self.farm.post(f"/eudr/sites/{site_id}/plots", body, expect=expect)

    def check(self, plot_id, passed=True):
        body = {"tool": "Global Forest Watch", "checked_on": "2026-11-20", "passed": passed}
        return self.farm.post(f"/eudr/plots/{plot_id}/checks", body)

    def document(self, plot_id, data=b"%PDF-1.4 so do\n", expect=200):
        response = self.farm.client.put(
            f"/api/v1/eudr/plots/{plot_id}/document",
            data={"document": (__import__("io").BytesIO(data), "so-do.pdf")},
            headers=self.farm.headers,
            content_type="multipart/form-data",
        )
        assert response.status_code == expect, response.json
        return response.json


@pytest.fixture
def plots(farm):
    return Plots(farm)
