"""Plot geometry: the EU Information System's rules, each refusal naming the reason and vertex."""

from decimal import Decimal

import pytest

from eudr import geometry
from tests.eudr.conftest import LAT, LON, point, square


def typed(data: dict) -> dict:
    """The geometry as the API reads it: numbers as Decimal, decimals kept."""
    import json

    return geometry.parse(json.dumps(data))


def test_a_square_has_its_ellipsoidal_area(ctx):
    checked = geometry.check(typed(square()), None, "52")
    # 0.002° × 0.002° at 14.12° N: 215.9 m × 221.2 m on WGS 84.
    assert checked.kind == "Polygon"
    assert checked.area_ha == pytest.approx(4.776, abs=0.01)


def test_a_clockwise_ring_is_stored_counter_clockwise(ctx):
    data = square()
    data["coordinates"][0].reverse()
    checked = geometry.check(typed(data), None, "52")
    import json

    from shapely.geometry import shape

    assert shape(json.loads(checked.text)).exterior.is_ccw


def test_a_point_of_5_ha_is_refused(ctx):
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check(typed(point()), Decimal("5"), "52")
    assert "4 ha" in refused.value.message
    assert refused.value.field == "geometry"


def test_a_point_of_4_ha_is_taken(ctx):
    checked = geometry.check(typed(point()), Decimal("4"), "52")
    assert checked.kind == "Point" and checked.area_ha is None


def test_a_point_needs_its_declared_area(ctx):
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check(typed(point()), None, "52")
    assert refused.value.field == "declared_area_ha"


def test_a_self_intersecting_ring_is_refused_at_the_crossing_edge(ctx):
    bow_tie = square()
    ring = bow_tie["coordinates"][0]
    ring[2], ring[3] = ring[3], ring[2]  # SW, SE, NW, NE, SW: edges 2 and 4 cross
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check(typed(bow_tie), None, "52")
    assert (refused.value.ring, refused.value.vertex) == (1, 4)
    assert "đỉnh 4" in refused.value.message


def test_an_open_ring_is_refused_at_its_last_vertex(ctx):
    data = square()
    data["coordinates"][0][-1] = [LON + 0.001001, LAT]
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check(typed(data), None, "52")
    assert refused.value.vertex == 5


def test_five_decimals_are_refused_at_the_vertex(ctx):
    data = square()
    data["coordinates"][0][2] = [108.12545, 14.125457]
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check(typed(data), None, "52")
    assert (refused.value.ring, refused.value.vertex) == (1, 3)
    assert "6" in refused.value.message


def test_trailing_zeros_typed_count_as_decimals(ctx):
    text = '{"type": "Point", "coordinates": [108.123450, 14.123400]}'
    assert geometry.check(geometry.parse(text), Decimal("1"), "52").kind == "Point"


def test_outside_vietnam_is_refused(ctx):
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check(typed(point(lon=2.352222, lat=48.856613)), Decimal("1"), None)
    assert "Việt Nam" in refused.value.message


def test_outside_the_province_is_refused(ctx):
    hanoi = point(lon=105.834167, lat=21.027764)
    with pytest.raises(geometry.GeometryError) as refused:
        geometry.check(typed(hanoi), Decimal("1"), "52")
    assert "tỉnh" in refused.value.message
    assert geometry.check(typed(hanoi), Decimal("1"), "01").kind == "Point"


def test_latitude_first_is_refused(ctx):
    swapped = {"type": "Point", "coordinates": [LAT, LON]}
    with pytest.raises(geometry.GeometryError):
        geometry.check(typed(swapped), Decimal("1"), "52")


@pytest.mark.parametrize(
    "data",
    [
        {"type": "LineString", "coordinates": [[LON, LAT], [LON + 0.001001, LAT]]},
        {"type": "MultiPolygon", "coordinates": [square()["coordinates"]]},
        {"type": "Polygon", "coordinates": [[[LON, LAT], [LON, LAT]]]},
        {"type": "Polygon", "coordinates": "x"},
        {"type": "Point", "coordinates": ["108.123457", 14.123457]},
        {"type": "Point", "coordinates": [True, 14.123457]},
    ],
)
def test_other_shapes_are_refused(ctx, data):
    with pytest.raises(geometry.GeometryError):
        geometry.check(typed(data), Decimal("1"), "52")
