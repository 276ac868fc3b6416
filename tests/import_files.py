"""Spreadsheet files and short-cuts for the import tests: CSV and XLSX bytes built in
memory, the import services called as the department, and look-ups of what they wrote.
Plain functions, not fixtures."""

import io
import unicodedata

import openpyxl
from sqlalchemy import select

from core.extensions import db
from registry.models import MemberHousehold, Organization, Role, User
from registry.services import imports
from tests.conftest import GIA_LAI_COMMUNES

DAK_DOA, CHU_SE, PLEIKU, GAO = GIA_LAI_COMMUNES
ORG_HEADER = "kind,name,registration_code,admin_unit,sector,status,established_on,rating"


def department() -> User:
    """A department user, not saved: the importer the services see."""
    return User(role=Role.DEPARTMENT_ADMIN, email="so@x.vn", full_name="Sở", password_hash="x")


def csv_file(*lines: str, newline: str = "\n", encoding: str = "utf-8") -> bytes:
    """A CSV file of these lines."""
    return (newline.join(lines) + newline).encode(encoding)


def import_orgs(data: bytes, filename: str = "orgs.csv", **kwargs) -> imports.ImportReport:
    """Import organizations as the department."""
    return imports.import_organizations(department(), filename, data, **kwargs)


def import_members(org_id: int, data: bytes, user=None, filename="ho.csv") -> imports.ImportReport:
    """Import a cooperative's households (as the department unless ``user`` is given)."""
    return imports.import_members(user or department(), org_id, filename, data)


def org_by_code(code: str) -> Organization:
    """The organization with this registration code."""
    return db.session.scalars(
        select(Organization).where(Organization.registration_code == code)
    ).one()


def households_of(org_id: int) -> list[MemberHousehold]:
    """A cooperative's households, in the order they were added."""
    return list(
        db.session.scalars(
            select(MemberHousehold)
            .where(MemberHousehold.organization_id == org_id)
            .order_by(MemberHousehold.id)
        )
    )


def where(report) -> set[tuple[int, str]]:
    """(row, column) of each of the report's errors."""
    return {(error.row, error.column) for error in report.errors}


def xlsx_file(*rows) -> bytes:
    """A workbook whose first sheet holds these rows."""
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258(text: str) -> bytes:
    """Encode as legacy Windows Vietnamese software does: tone marks as combining characters."""
    out = b""
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(mark for mark in decomposed if mark in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out += (base + tones).encode("cp1258")
    return out
