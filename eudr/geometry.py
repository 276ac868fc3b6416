"""Plot geometry for the EUDR: GeoJSON points and polygons checked as the EU Information System
(TRACES) takes them, and their area on the WGS 84 ellipsoid.

A geometry is refused with the reason and, where there is one, the vertex at fault (ring and
vertex numbered from 1, as people count). Coordinates may come as ``Decimal`` (JSON parsed
with ``parse_float=Decimal``, which keeps the decimals typed) or as floats (KML, shapefiles),
whose shortest round-tripping form is counted instead.

Vietnam's outline is a bounding box (mainland and near islands), and each province served has
a box of its own: ``data/`` holds the administrative units without boundaries, so the boxes
are written here (approximate, with a small margin; from the provinces' published extents).
"""

import json
import math
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from pyproj import Geod
from shapely import LineString
from shapely import Point as ShapelyPoint
from shapely import Polygon as ShapelyPolygon
from shapely.geometry.polygon import orient
from shapely.validation import explain_validity

from core.numbers import number as locale_number

MIN_DECIMALS = 6
POINT_MAX_HA = Decimal(4)
# Past this many vertices a crossing is placed at the nearest vertex (a pairwise scan is slow).
MAX_CROSSING_SCAN = 400
# (west, south, east, north) in degrees.
VIETNAM_BOX = (102.14, 8.18, 109.47, 23.40)
PROVINCE_BOXES = {
    # Gia Lai since 1 July 2025: the old Gia Lai (107.45–108.92 E, 12.97–14.61 N) and the old
    # Bình Định (108.60–109.31 E, 13.50–14.71 N).
    "52": (107.40, 12.90, 109.40, 14.75),
}
_GEOD = Geod(ellps="WGS84")


class GeometryError(ValueError):
    """A geometry refused: the reason, with the ring and vertex at fault when there is one."""

    def __init__(
        self,
        message: str,
        ring: int | None = None,
        vertex: int | None = None,
        field: str = "geometry",
    ):
        super().__init__(message)
        self.message, self.ring, self.vertex, self.field = message, ring, vertex, field


@dataclass
class CheckedGeometry:
    """A geometry that passed: its canonical GeoJSON text, its type and its area in hectares."""

    text: str
    kind: str
    area_ha: float | None
    centroid: tuple[float, float]


def parse(text: str) -> dict:
    """GeoJSON text as data, its numbers as Decimal (so their decimals can be counted)."""
    try:
        value = json.loads(text, parse_float=Decimal)
    except ValueError as exc:
        raise GeometryError(_("This is not GeoJSON: %(why)s.", why=str(exc))) from exc
    if not isinstance(value, dict):
        raise GeometryError(_("A GeoJSON geometry is an object with a type and coordinates."))
    return value


def check(
    geometry: dict, declared_ha: Decimal | None, province_code: str | None
) -> CheckedGeometry:
    """Check a GeoJSON Point or Polygon for a plot; raises GeometryError naming what is wrong."""
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    kind = geometry.get("type")
    coordinates = geometry.get("coordinates")
    if kind == "Point":
        return _point(coordinates, declared_ha, province_code)
    if kind == "Polygon":
        return _polygon(coordinates, province_code)
    if kind == "MultiPolygon":
        raise GeometryError(_("One polygon is one plot: send each polygon as a plot of its own."))
    raise GeometryError(_("A plot is a GeoJSON Point or Polygon, not %(kind)s.", kind=kind))


def _point(coordinates, declared_ha: Decimal | None, province: str | None) -> CheckedGeometry:
    lon, lat = _position(coordinates, None, None)
    _inside((lon, lat), province, None, None)
    if declared_ha is None:
        raise GeometryError(
            _("A plot given as a point needs its declared area in hectares."),
            field="declared_area_ha",
        )
    if Decimal(str(declared_ha)) > POINT_MAX_HA:
        raise GeometryError(
            _(
                "A plot of more than 4 ha must be a polygon, not a point (declared: %(area)s ha).",
                area=locale_number(declared_ha),
            )
        )
    text = _compact({"type": "Point", "coordinates": [float(lon), float(lat)]})
    return CheckedGeometry(text, "Point", None, (float(lon), float(lat)))


def _polygon(coordinates, province: str | None) -> CheckedGeometry:
    if not isinstance(coordinates, list) or not coordinates:
        raise GeometryError(_("A polygon's coordinates are a list of rings."))
    rings = [_ring(ring, number, province) for number, ring in enumerate(coordinates, 1)]
    shape = ShapelyPolygon(rings[0], rings[1:])
    if not shape.is_valid:
        raise _invalid(shape, rings)
    # RFC 7946 and the EU: the outer ring counter-clockwise, holes clockwise.
    shape = orient(shape, 1.0)
    area_m2, _perimeter = _GEOD.geometry_area_perimeter(shape)
    text = _compact(
        {
            "type": "Polygon",
            "coordinates": [
                [list(xy) for xy in shape.exterior.coords],
                *[[list(xy) for xy in hole.coords] for hole in shape.interiors],
            ],
        }
    )
    centroid = shape.centroid
    return CheckedGeometry(text, "Polygon", abs(area_m2) / 10_000, (centroid.x, centroid.y))


def _compact(geometry: dict) -> str:
    return json.dumps(geometry, separators=(",", ":"))


def _ring(ring, number: int, province: str | None) -> list[tuple[float, float]]:
    if not isinstance(ring, list) or len(ring) < 4:
        raise GeometryError(
            _("Ring %(ring)s has fewer than 4 positions (a closed triangle needs 4).", ring=number),
            number,
        )
    points = [_position(position, number, index) for index, position in enumerate(ring, 1)]
    if points[0] != points[-1]:
        raise GeometryError(
            _(
                "Ring %(ring)s is not closed: its last vertex (%(vertex)s) must repeat the first.",
                ring=number,
                vertex=len(points),
            ),
            number,
            len(points),
        )
    for index, point in enumerate(points, 1):
        _inside(point, province, number, index)
    return [(float(lon), float(lat)) for lon, lat in points]


def _position(position, ring: int | None, vertex: int | None) -> tuple[Decimal, Decimal]:
    if (
        not isinstance(position, list)
        or len(position) not in (2, 3)
        or not all(_is_number(value) for value in position)
    ):
        raise GeometryError(
            _at(_("a position is [longitude, latitude]"), ring, vertex), ring, vertex
        )
    lon, lat = (Decimal(str(value)) for value in position[:2])
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise GeometryError(
            _at(_("longitude or latitude out of range (longitude comes first)"), ring, vertex),
            ring,
            vertex,
        )
    if min(_decimals(lon), _decimals(lat)) < MIN_DECIMALS:
        raise GeometryError(
            _at(_("give longitude and latitude with at least 6 decimals"), ring, vertex),
            ring,
            vertex,
        )
    return lon, lat


def _is_number(value) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return False
    return math.isfinite(value)


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _inside(point, province: str | None, ring: int | None, vertex: int | None) -> None:
    lon, lat = float(point[0]), float(point[1])
    if not _in_box(lon, lat, VIETNAM_BOX):
        raise GeometryError(_at(_("this point is outside Vietnam"), ring, vertex), ring, vertex)
    box = PROVINCE_BOXES.get(province or "")
    if box is not None and not _in_box(lon, lat, box):
        raise GeometryError(
            _at(_("this point is outside the province of the plot's commune"), ring, vertex),
            ring,
            vertex,
        )


def _in_box(lon: float, lat: float, box: tuple[float, float, float, float]) -> bool:
    west, south, east, north = box
    return west <= lon <= east and south <= lat <= north


def _invalid(shape: ShapelyPolygon, rings: list) -> GeometryError:
    """Why shapely finds the polygon invalid, at the vertex nearest to where it happens."""
    reason = explain_validity(shape)
    where = _location(reason)
    if where is None:
        return GeometryError(_("The polygon is not valid: %(why)s.", why=reason))
    ring, vertex = _nearest_vertex(rings, where)
    if "Self-intersection" in reason:
        ring, vertex = _first_crossing(rings) or (ring, vertex)
        message = _("the edge from this vertex crosses another edge of the ring")
    else:
        message = _("the polygon is not valid here (%(why)s)", why=reason.split("[")[0])
    return GeometryError(_at(message, ring, vertex), ring, vertex)


def _location(reason: str) -> tuple[float, float] | None:
    if "[" not in reason:
        return None
    try:
        x, y = reason.split("[", 1)[1].rstrip("]").split()[:2]
        return float(x), float(y)
    except ValueError:
        return None


def _first_crossing(rings: list) -> tuple[int, int] | None:
    """The first edge (by its starting vertex) that crosses an earlier, non-adjacent edge."""
    for number, ring in enumerate(rings, 1):
        if len(ring) > MAX_CROSSING_SCAN:
            continue
        edges = [LineString(ring[k : k + 2]) for k in range(len(ring) - 1)]
        last = len(edges) - 1
        for later in range(2, len(edges)):
            for earlier in range(later - 1):
                if earlier == 0 and later == last:
                    continue  # the closing edge meets the first at the first vertex
                if edges[later].intersects(edges[earlier]):
                    return number, later + 1
    return None


def _nearest_vertex(rings: list, where: tuple[float, float]) -> tuple[int, int]:
    best = min(
        (
            (ShapelyPoint(xy).distance(ShapelyPoint(where)), number, index)
            for number, ring in enumerate(rings, 1)
            for index, xy in enumerate(ring, 1)
        ),
    )
    return best[1], best[2]


def _at(reason: str, ring: int | None, vertex: int | None) -> str:
    if vertex is None:
        return reason[:1].upper() + reason[1:] + "."
    return _(
        "Ring %(ring)s, vertex %(vertex)s: %(reason)s.", ring=ring, vertex=vertex, reason=reason
    )
