"""Place names for public pages, from a per-process cache of the administrative units.

Administrative units are reference data (loaded from ``data/`` by ``flask setup``,
never edited by users), and every consumer page names two or three of them, so
joining them into each query would only add planning time. The cache holds the
full name and parent of every unit, is filled on first use, and is filled again
when asked for a unit it does not know (a unit loaded after the process started).
It is kept per database, so two apps of one process never mix their units.
"""

from flask import current_app
from sqlalchemy import select

from core.extensions import db
from registry.models import AdminUnit

_UNITS: dict[str, dict[int, tuple[str, int | None]]] = {}


def _units(unit_id: int) -> dict[int, tuple[str, int | None]]:
    key = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    units = _UNITS.get(key)
    if units is None or unit_id not in units:
        rows = db.session.execute(select(AdminUnit.id, AdminUnit.full_name, AdminUnit.parent_id))
        units = _UNITS[key] = {row.id: (row.full_name, row.parent_id) for row in rows}
    return units


def place_name(unit_id: int | None) -> str:
    """A unit and its parent as people write them ("Xã Đak Đoa, Tỉnh Gia Lai")."""
    if unit_id is None:
        return ""
    units = _units(unit_id)
    if unit_id not in units:
        return ""
    name, parent_id = units[unit_id]
    if parent_id in units:
        return f"{name}, {units[parent_id][0]}"
    return name
