"""Plots in and out of the files people already have: GeoJSON, KML and zipped shapefiles.

An import is all or nothing, like the registry's: every feature is read and checked (the
plot schema, then the geometry rules) before anything is written; one bad feature and
nothing is created, and the report names every bad feature (numbered from 1 in file order)
with the field and reason. Each feature goes to the growing area its ``growing_area``
attribute names (the area's code or planting-area code) or, without one, to the area the
import was started on. Attributes: ``name``, ``declared_area_ha``, ``production_since``,
``land_document_number``. Exports write the same attributes (and ``plot_id``), so a file
exported here comes back unchanged.
"""

import io
import json
import warnings
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape

import shapefile
from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import ValidationFailed
from core.extensions import db
from core.numbers import number
from core.validation import load_or_errors
from eudr.models import Plot
from eudr.schemas import PlotInputSchema
from eudr.services import plots
from registry.models import User
from trace.models import Site, SiteKind

with warnings.catch_warnings():
    # fastkml warns that lxml (pretty printing) is missing: the standard parser does.
    warnings.simplefilter("ignore")
    from fastkml import Placemark, kml
    from fastkml.utils import find_all

FORMATS = ("geojson", "kml", "shp")
MIMETYPES = {
    "geojson": "application/geo+json",
    "kml": "application/vnd.google-earth.kml+xml",
    "shp": "application/zip",
}
ATTRIBUTES = ("name", "declared_area_ha", "production_since", "land_document_number")
MAX_FEATURES = 50_000
# WGS 84, as shapefiles name it in their .prj.
WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)


@dataclass
class FeatureError:
    """A problem with one feature (0: the file as a whole)."""

    feature: int
    field: str
    message: str


@dataclass
class PlotImportReport:
    """What an import read, created (0 unless ok) and found wrong."""

    total: int = 0
    created: int = 0
    errors: list[FeatureError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing was wrong: the caller may commit."""
        return not self.errors


@dataclass
class _Feature:
    geometry: dict
    attributes: dict


def import_plots(user: User, site_id: int, fmt: str, data: bytes) -> PlotImportReport:
    """Read a file of plots for the caller's cooperative; create them all or none."""
    default_site = plots.own_growing_area(user, site_id)
    report = PlotImportReport()
    try:
        features = _read(fmt, data)
    except (
        ValueError,
        KeyError,
        # fastkml parses with lxml when it is installed, else ElementTree: both parsers' errors
        # are SyntaxErrors.
        SyntaxError,
        zipfile.BadZipFile,
        shapefile.ShapefileException,
    ) as exc:
        report.errors.append(FeatureError(0, "file", _("Unreadable file: %(why)s", why=exc)))
        return report
    report.total = len(features)
    if len(features) > MAX_FEATURES:
        report.errors.append(
            FeatureError(0, "file", _("At most %(n)s plots a file.", n=number(MAX_FEATURES)))
        )
        return report
    sites = _sites_by_code(default_site.organization_id)
    checked = [_check(n, f, default_site, sites, report) for n, f in enumerate(features, 1)]
    if report.errors:
        return report
    for site, values in checked:
        plots.create_plot(user, site.id, values)
    report.created = len(checked)
    return report


def _check(number: int, feature: _Feature, default: Site, sites: dict, report) -> tuple:
    attributes = {k: v for k, v in feature.attributes.items() if k in ATTRIBUTES}
    attributes = {k: str(v) for k, v in attributes.items() if v not in (None, "")}
    code = str(feature.attributes.get("growing_area") or "").strip()
    site = sites.get(code.upper()) if code else default
    if site is None:
        report.errors.append(
            FeatureError(number, "growing_area", _("No growing area %(code)s.", code=code))
        )
        return default, {}
    values, errors = load_or_errors(PlotInputSchema(), {**attributes, "geometry": {}})
    for name, messages in (errors or {}).items():
        report.errors += [FeatureError(number, name, message) for message in messages]
    if values is None:
        return site, {}
    values["geometry"] = feature.geometry
    try:
        plots.checked_geometry(feature.geometry, values.get("declared_area_ha"), site)
    except ValidationFailed as exc:
        for name, messages in exc.errors.items():
            report.errors += [FeatureError(number, name, message) for message in messages]
    return site, values


def _sites_by_code(org_id: int) -> dict[str, Site]:
    rows = db.session.scalars(
        select(Site).where(Site.organization_id == org_id, Site.kind == SiteKind.GROWING_AREA)
    )
    found = {}
    for site in rows:
        found[site.code.upper()] = site
        if site.planting_area_code:
            found[site.planting_area_code.upper()] = site
    return found


def _read(fmt: str, data: bytes) -> list[_Feature]:
    if fmt == "geojson":
        return _read_geojson(data)
    if fmt == "kml":
        return _read_kml(data)
    if fmt == "shp":
        return _read_shapefile(data)
    raise ValueError(_("Use GeoJSON, KML or a zipped shapefile."))


def _read_geojson(data: bytes) -> list[_Feature]:
    document = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise ValueError(_("a GeoJSON FeatureCollection is expected"))
    features = document.get("features")
    if not isinstance(features, list):
        raise ValueError(_("a GeoJSON FeatureCollection is expected"))
    return [
        _Feature(
            feature.get("geometry") or {} if isinstance(feature, dict) else {},
            (feature.get("properties") or {}) if isinstance(feature, dict) else {},
        )
        for feature in features
    ]


def _read_kml(data: bytes) -> list[_Feature]:
    document = kml.KML.from_string(data)
    found = []
    for placemark in find_all(document, of_type=Placemark):
        attributes = {"name": placemark.name}
        if placemark.extended_data is not None:
            for element in placemark.extended_data.elements:
                attributes[element.name] = element.value
        geometry = placemark.geometry.__geo_interface__ if placemark.geometry else {}
        found.append(_Feature(_lists(geometry), attributes))
    return found


def _read_shapefile(data: bytes) -> list[_Feature]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = {name.rsplit(".", 1)[-1].lower(): name for name in archive.namelist()}
        stems = sorted({name.rsplit(".", 1)[0] for name in archive.namelist() if "." in name})
        found = []
        for stem in stems:
            parts = {ext: f"{stem}.{ext}" for ext in ("shp", "shx", "dbf")}
            if not all(part in archive.namelist() for part in parts.values()):
                continue
            streams = {ext: io.BytesIO(archive.read(name)) for ext, name in parts.items()}
            with shapefile.Reader(**streams, encoding="utf-8") as reader:
                for item in reader.iterShapeRecords():
                    geometry = _lists(item.shape.__geo_interface__)
                    record = item.record.as_dict()
                    attributes = {SHAPEFILE_NAMES.get(k, k): v for k, v in record.items()}
                    found.append(_Feature(geometry, attributes))
        if not found and "shp" not in names:
            raise ValueError(_("the ZIP holds no .shp, .shx and .dbf"))
        return found


def _lists(value):
    """GeoJSON-like data with tuples as lists (the geometry checks read JSON's shapes)."""
    if isinstance(value, dict):
        return {key: _lists(item) for key, item in value.items() if key != "bbox"}
    if isinstance(value, tuple | list):
        return [_lists(item) for item in value]
    return value


def export_plots(user: User, fmt: str, site_id: int | None = None) -> tuple[bytes, str, str]:
    """The caller's plots (of one growing area, or all) as (bytes, mimetype, file name)."""
    rows = list(db.session.scalars(plots.plots_query(user, site_id)))
    codes = _site_codes(rows)
    stem = f"plots-{site_id}" if site_id else "plots"
    if fmt == "geojson":
        return _geojson(rows, codes), MIMETYPES[fmt], f"{stem}.geojson"
    if fmt == "kml":
        return _kml(rows, codes), MIMETYPES[fmt], f"{stem}.kml"
    if fmt == "shp":
        return _shapefile(rows, codes), MIMETYPES[fmt], f"{stem}-shp.zip"
    raise ValidationFailed.on_field("format", _("Use GeoJSON, KML or a zipped shapefile."))


def _site_codes(rows: list[Plot]) -> dict[int, str]:
    ids = {plot.site_id for plot in rows}
    if not ids:
        return {}
    pairs = db.session.execute(select(Site.id, Site.code).where(Site.id.in_(ids)))
    return dict(pairs.all())


def _attributes(plot: Plot, codes: dict[int, str]) -> dict:
    return {
        "plot_id": plot.id,
        "name": plot.name,
        "growing_area": codes[plot.site_id],
        "area_ha": round(plot.area_ha, 4),
        "declared_area_ha": plot.declared_area_ha,
        "production_since": plot.production_since.isoformat() if plot.production_since else None,
        "land_document_number": plot.land_document_number,
    }


def _geojson(rows: list[Plot], codes: dict[int, str]) -> bytes:
    features = ",".join(
        f'{{"type":"Feature","geometry":{plot.geometry},"properties":'
        f"{json.dumps(_attributes(plot, codes), ensure_ascii=False)}}}"
        for plot in rows
    )
    return ('{"type":"FeatureCollection","features":[' + features + "]}").encode()


def _kml(rows: list[Plot], codes: dict[int, str]) -> bytes:
    placemarks = []
    for plot in rows:
        attributes = _attributes(plot, codes)
        data = "".join(
            f'<Data name="{key}"><value>{escape(str(value))}</value></Data>'
            for key, value in attributes.items()
            if key != "name" and value is not None
        )
        placemarks.append(
            f"<Placemark><name>{escape(plot.name)}</name><ExtendedData>{data}</ExtendedData>"
            f"{_kml_geometry(json.loads(plot.geometry))}</Placemark>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Plots</name>'
        + "".join(placemarks)
        + "</Document></kml>"
    ).encode()


def _kml_geometry(geometry: dict) -> str:
    if geometry["type"] == "Point":
        lon, lat = geometry["coordinates"][:2]
        return f"<Point><coordinates>{lon!r},{lat!r}</coordinates></Point>"
    rings = [
        " ".join(f"{lon!r},{lat!r}" for lon, lat, *_rest in ring)
        for ring in geometry["coordinates"]
    ]
    boundaries = "".join(
        f"<{where}BoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing>"
        f"</{where}BoundaryIs>"
        for where, ring in zip(["outer"] + ["inner"] * (len(rings) - 1), rings, strict=True)
    )
    return f"<Polygon>{boundaries}</Polygon>"


def _shapefile(rows: list[Plot], codes: dict[int, str]) -> bytes:
    """A ZIP with one shapefile of the polygons and one of the points (one type per file)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for kind, stem in (("Polygon", "plots_polygons"), ("Point", "plots_points")):
            chosen = [plot for plot in rows if plot.geometry_type == kind]
            if not chosen:
                continue
            for ext, content in _one_shapefile(kind, chosen, codes).items():
                archive.writestr(f"{stem}.{ext}", content)
            archive.writestr(f"{stem}.prj", WGS84_PRJ)
    return buffer.getvalue()


def _one_shapefile(kind: str, rows: list[Plot], codes: dict[int, str]) -> dict[str, bytes]:
    streams = {ext: io.BytesIO() for ext in ("shp", "shx", "dbf")}
    shape_type = shapefile.POLYGON if kind == "Polygon" else shapefile.POINT
    with shapefile.Writer(**streams, shapeType=shape_type, encoding="utf-8") as writer:
        writer.field("plot_id", "N", 10)
        writer.field("name", "C", 120)
        writer.field("growing_ar", "C", 16)
        writer.field("area_ha", "N", 14, 4)
        writer.field("declared_a", "N", 14, 4)
        writer.field("productio", "C", 10)
        writer.field("land_docum", "C", 80)
        for plot in rows:
            geometry = json.loads(plot.geometry)
            if kind == "Polygon":
                # Shapefiles turn GeoJSON's orientation round: outer rings clockwise.
                writer.poly([ring[::-1] for ring in geometry["coordinates"]])
            else:
                writer.point(*geometry["coordinates"][:2])
            attributes = _attributes(plot, codes)
            # pyshp writes None into a text field as "None": blank it.
            writer.record(
                *[
                    "" if attributes[key] is None and key in _TEXT_KEYS else attributes[key]
                    for key in _SHAPEFILE_KEYS
                ]
            )
    return {ext: stream.getvalue() for ext, stream in streams.items()}


_SHAPEFILE_KEYS = (
    "plot_id",
    "name",
    "growing_area",
    "area_ha",
    "declared_area_ha",
    "production_since",
    "land_document_number",
)
_TEXT_KEYS = {"name", "growing_area", "production_since", "land_document_number"}
# dBASE field names are at most 10 characters: the shapefile's names, read back.
SHAPEFILE_NAMES = {
    "growing_ar": "growing_area",
    "declared_a": "declared_area_ha",
    "productio": "production_since",
    "land_docum": "land_document_number",
}
