"""Administrative units: look-ups and loading the shipped reference data."""

import csv
import unicodedata
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select

from core.db import vietnamese
from core.errors import ValidationFailed
from core.extensions import db
from core.text import fold
from registry.models import AdminUnit, AdminUnitMapping, UnitLevel

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
REFORM_DATE = date(2025, 7, 1)
LEGACY_FROM = date(1900, 1, 1)
COMMUNE_LEVELS = (UnitLevel.COMMUNE, UnitLevel.WARD, UnitLevel.SPECIAL_ZONE)


def default_province_code() -> str:
    """The province this deployment serves (Gia Lai, 52, unless configured)."""
    return current_app.config["PROVINCE_CODE"]


def current_unit(code: str, field: str = "admin_unit") -> AdminUnit:
    """The current (post-2025) unit with this code, or a 422 naming ``field``."""
    unit = db.session.scalar(
        select(AdminUnit).where(AdminUnit.code == code, AdminUnit.valid_to.is_(None))
    )
    if unit is None:
        raise ValidationFailed.on_field(
            field, _("Unknown administrative unit: %(code)s.", code=code)
        )
    return unit


def current_commune(code: str, field: str = "admin_unit") -> AdminUnit:
    """A current commune, ward or special zone with this code, or a 422 naming ``field``."""
    communes, refused = current_communes({code})
    if code in refused:
        raise ValidationFailed.on_field(field, refused[code])
    return communes[code]


def current_communes(codes: set[str]) -> tuple[dict[str, AdminUnit], dict[str, str]]:
    """The current communes, wards and special zones with these codes, fetched in one query.

    Returns (unit by code, refusal message by code): every code is in exactly one of the two.
    """
    if not codes:
        return {}, {}
    found = {
        unit.code: unit
        for unit in db.session.scalars(
            select(AdminUnit).where(AdminUnit.code.in_(list(codes)), AdminUnit.valid_to.is_(None))
        )
    }
    communes, refused = {}, {}
    for code in codes:
        unit = found.get(code)
        if unit is None:
            refused[code] = _(
                "Unknown administrative unit: %(code)s. A commune's or ward's code "
                "(5 digits) is expected.",
                code=code,
            )
        elif unit.level not in COMMUNE_LEVELS:
            refused[code] = _("%(name)s is not a commune or ward.", name=unit.full_name)
        else:
            communes[code] = unit
    return communes, refused


def commune_codes_by_name(
    names: set[str], province_code: str | None = None
) -> tuple[dict[str, str], dict[str, str]]:
    """The codes of the province's current communes named so (``Xã Ia Hrú`` or ``Ia Hrú``,
    with or without diacritics), in one query.

    Returns (code by name, refusal message by name): every name is in exactly one of the
    two; a name two communes share is refused, listing them with their codes.
    """
    if not names:
        return {}, {}
    exact: dict[str, list[AdminUnit]] = {}
    folded: dict[str, list[AdminUnit]] = {}
    for unit in communes_of(province_code):
        for label in {unit.full_name, unit.name}:
            exact.setdefault(_spelled(label), []).append(unit)
        for label in {fold(unit.full_name), fold(unit.name)}:
            folded.setdefault(label, []).append(unit)
    codes, refused = {}, {}
    for name in names:
        # Spelled with its diacritics, "Văn Lang" is not "Văn Lăng"; without, it names both.
        found = exact.get(_spelled(name)) or folded.get(fold(name), [])
        if len(found) == 1:
            codes[name] = found[0].code
        elif found:
            listed = "; ".join(f"{unit.full_name} ({unit.code})" for unit in found)
            refused[name] = _(
                "%(name)s names more than one commune: %(communes)s. Write the code of the "
                "one you mean.",
                name=name,
                communes=listed,
            )
        else:
            refused[name] = _(
                "Unknown commune: %(name)s. Write the commune's or ward's code (5 digits) or "
                "its name, as the template's sheet of communes lists them.",
                name=name,
            )
    return codes, refused


def _spelled(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def communes_of(province_code: str | None = None, q: str | None = None) -> list[AdminUnit]:
    """The current communes and wards of a province, by name."""
    province = province_code or default_province_code()
    parent = (
        select(AdminUnit.id)
        .where(AdminUnit.code == province, AdminUnit.valid_to.is_(None))
        .scalar_subquery()
    )
    stmt = (
        select(AdminUnit).where(AdminUnit.parent_id == parent).order_by(vietnamese(AdminUnit.name))
    )
    if q:
        stmt = stmt.where(_name_matches(q))
    return list(db.session.scalars(stmt))


def list_units(province: str | None, level: str | None, q: str | None, legacy: bool):
    """A select() of units for the API list, narrowed by the filters."""
    stmt = select(AdminUnit).order_by(AdminUnit.code)
    stmt = stmt.where(AdminUnit.valid_to.is_not(None) if legacy else AdminUnit.valid_to.is_(None))
    if province:
        province_ids = select(AdminUnit.id).where(AdminUnit.code == province)
        # Legacy communes hang under a district, so look two levels down.
        district_ids = select(AdminUnit.id).where(AdminUnit.parent_id.in_(province_ids))
        stmt = stmt.where(
            or_(
                AdminUnit.id.in_(province_ids),
                AdminUnit.parent_id.in_(province_ids),
                AdminUnit.parent_id.in_(district_ids),
            )
        )
    if level:
        stmt = stmt.where(AdminUnit.level == UnitLevel(level))
    if q:
        stmt = stmt.where(_name_matches(q))
    return stmt


def _name_matches(q: str):
    return AdminUnit.search_name.contains(fold(q), autoescape=True)


def units_loaded() -> bool:
    """True once the national units are in the database."""
    return db.session.scalar(select(func.count()).select_from(AdminUnit)) > 0


def _read_csv(name: str) -> list[dict[str, str]]:
    with open(DATA_DIR / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load_units(progress: Callable[[Iterable], Iterable] = lambda rows: rows) -> dict[str, int]:
    """Load (or refresh) current units, legacy Gia Lai units and the old→new mapping.

    Idempotent: running it twice changes nothing. ``progress`` wraps each row
    iterable (a CLI progress bar). Returns counts per table.
    """
    current = _upsert_units(_read_csv("vn_admin_units_2025.csv"), REFORM_DATE, None, progress)
    legacy = _upsert_units(
        _read_csv("gia_lai_legacy_units_2024.csv"), LEGACY_FROM, REFORM_DATE, progress
    )
    mapping = _load_mapping(_read_csv("gia_lai_commune_mapping_2025.csv"), progress)
    db.session.flush()
    return {"current_units": current, "legacy_units": legacy, "mappings": mapping}


def _upsert_units(rows, valid_from: date, valid_to: date | None, progress) -> int:
    if not db.session.scalar(
        select(AdminUnit.id).where(AdminUnit.valid_from == valid_from).limit(1)
    ):
        return _insert_units(rows, valid_from, valid_to, progress)
    existing = {
        unit.code: unit
        for unit in db.session.scalars(select(AdminUnit).where(AdminUnit.valid_from == valid_from))
    }
    for row in progress(rows):
        unit = existing.get(row["code"])
        if unit is None:
            unit = AdminUnit(code=row["code"], valid_from=valid_from)
            db.session.add(unit)
            existing[row["code"]] = unit
        unit.level = UnitLevel(row["level"])
        unit.name = row["name"]
        unit.full_name = row["full_name"]
        unit.name_en = row.get("name_en") or None
        unit.search_name = fold(row["full_name"])
        unit.valid_to = valid_to
    db.session.flush()
    for row in rows:
        parent = existing.get(row["parent_code"]) if row["parent_code"] else None
        existing[row["code"]].parent_id = parent.id if parent else None
    return len(rows)


def _insert_units(rows, valid_from: date, valid_to: date | None, progress) -> int:
    """First load: bulk INSERTs level by level, parents first (a fresh install's slowest step)."""
    parents = {row["code"]: row["parent_code"] for row in rows}

    def depth(code: str) -> int:
        return 0 if not parents.get(code) else 1 + depth(parents[code])

    by_depth: dict[int, list[dict]] = {}
    for row in progress(rows):
        by_depth.setdefault(depth(row["code"]), []).append(row)
    ids: dict[str, int] = {}
    for level in sorted(by_depth):
        db.session.execute(
            insert(AdminUnit),
            [_unit_values(row, ids, valid_from, valid_to) for row in by_depth[level]],
        )
        ids.update(
            db.session.execute(
                select(AdminUnit.code, AdminUnit.id).where(AdminUnit.valid_from == valid_from)
            ).all()
        )
    return len(rows)


def _unit_values(row: dict, ids: dict[str, int], valid_from: date, valid_to: date | None) -> dict:
    return {
        "code": row["code"],
        "level": UnitLevel(row["level"]),
        "name": row["name"],
        "full_name": row["full_name"],
        "name_en": row.get("name_en") or None,
        "search_name": fold(row["full_name"]),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "parent_id": ids.get(row["parent_code"]) if row["parent_code"] else None,
    }


def _current_ids_by_unique_name() -> dict[str, int]:
    rows = db.session.execute(
        select(AdminUnit.full_name, func.min(AdminUnit.id))
        .where(AdminUnit.valid_to.is_(None))
        .group_by(AdminUnit.full_name)
        .having(func.count() == 1)
    ).all()
    return dict(rows)


def _load_mapping(rows, progress) -> int:
    new_ids = dict(
        db.session.execute(
            select(AdminUnit.code, AdminUnit.id).where(AdminUnit.valid_to.is_(None))
        ).all()
    )
    old_ids = dict(
        db.session.execute(
            select(AdminUnit.code, AdminUnit.id).where(AdminUnit.valid_to.is_not(None))
        ).all()
    )
    # The mapping file names one commune by a code the 2025 list does not use
    # (Xã Ia Mơ: 23737 there, 23938 in the list); fall back to its unique name.
    new_by_name = _current_ids_by_unique_name()
    db.session.execute(AdminUnitMapping.__table__.delete())
    for row in progress(rows):
        new_id = new_ids.get(row["new_code"]) or new_by_name[row["new_name"]]
        db.session.add(
            AdminUnitMapping(
                new_unit_id=new_id,
                old_unit_id=old_ids.get(row["old_code"]) if row["old_province"] == "64" else None,
                old_code=row["old_code"],
                old_name=row["old_name"],
                old_province_code=row["old_province"],
                coverage=row["coverage"],
            )
        )
    return len(rows)
