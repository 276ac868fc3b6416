"""A plot's outline as SVG coordinates (no map tiles): the polygon scaled into a square, east
to the right and north up, with longitudes shrunk by the cosine of the latitude so that the
shape keeps its proportions."""

import json
import math

PAD = 4


def outline(geometry_text: str | dict, size: int = 96) -> dict:
    """``{"kind": "polygon", "rings": ["x,y x,y …", …]}`` or ``{"kind": "point"}`` in a
    ``size``-square viewBox (from GeoJSON text or data)."""
    geometry = json.loads(geometry_text) if isinstance(geometry_text, str) else geometry_text
    if geometry["type"] != "Polygon":
        return {"kind": "point", "size": size}
    rings = geometry["coordinates"]
    lons = [lon for lon, _lat, *_rest in rings[0]]
    lats = [lat for _lon, lat, *_rest in rings[0]]
    shrink = math.cos(math.radians(sum(lats) / len(lats)))
    width = (max(lons) - min(lons)) * shrink
    height = max(lats) - min(lats)
    scale = (size - 2 * PAD) / max(width, height, 1e-12)
    x0 = PAD + ((size - 2 * PAD) - width * scale) / 2
    y0 = PAD + ((size - 2 * PAD) - height * scale) / 2

    def point(lon: float, lat: float) -> str:
        x = x0 + (lon - min(lons)) * shrink * scale
        y = y0 + (max(lats) - lat) * scale
        return f"{x:.1f},{y:.1f}"

    return {
        "kind": "polygon",
        "size": size,
        "rings": [" ".join(point(lon, lat) for lon, lat, *_rest in ring) for ring in rings],
    }


def feature_outline(feature_text: str, size: int = 48) -> dict:
    """The outline of a stored EU feature's geometry."""
    return outline(json.loads(feature_text)["geometry"], size)
