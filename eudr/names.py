"""Display names of the EUDR side's codes (missing evidence, geometry types)."""

from flask_babel import lazy_gettext as _l

MISSING_LABELS = {
    "production_since": _l("date it came into production"),
    "after_cut_off": _l("in production after 31 December 2020"),
    "land_document": _l("land-use right document"),
    "deforestation_check": _l("deforestation check"),
}
GEOMETRY_LABELS = {"Point": _l("Point"), "Polygon": _l("Polygon")}


def missing_label(code: str) -> str:
    """The display name of a missing item."""
    return str(MISSING_LABELS.get(code, code))


def template_labels() -> dict:
    """The names the EUDR templates use."""
    return {"missing_labels": MISSING_LABELS, "geometry_labels": GEOMETRY_LABELS}
