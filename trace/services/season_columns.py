"""The columns of a season's spreadsheets (lots with their harvest, inputs applied, shipments)
and how their cells name products, growing areas, households and buyers.

A header may be the Vietnamese of the template, the API's field name, or an alias a
cooperative's own sheet is likely to use, with or without diacritics (``header_key``). A
name is matched by its code first, then exactly (case aside), then without diacritics when
only one record folds to it; a name that folds to several is reported, never guessed.
"""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.text import fold
from registry.models import MemberHousehold, Organization
from registry.services.spreadsheets import header_key
from trace.models import Product, Site

LOTS, INPUTS, SHIPMENTS = "lots", "inputs", "shipments"
KINDS = (LOTS, INPUTS, SHIPMENTS)

# name -> "Template header|alias|alias"; the first is what the template writes.
HEADERS: dict[str, dict[str, str]] = {
    LOTS: {
        "lot_code": "Mã lô|Số lô|Lô|lot",
        "product": "Sản phẩm|Mã sản phẩm|GTIN|product",
        "site": "Vùng trồng|Mã vùng trồng|Vùng|site|growing area",
        "harvest_date": "Ngày thu hoạch|Ngày thu|harvest date",
        "quantity": "Sản lượng lô|Khối lượng lô|lot quantity",
        "unit": "Đơn vị|ĐVT|Đơn vị tính|unit",
        "household": "Hộ thành viên|Chủ hộ|Tên chủ hộ|Hộ|household",
        "household_quantity": "Sản lượng của hộ|Khối lượng của hộ|Sản lượng hộ|share",
    },
    INPUTS: {
        "lot_code": "Mã lô|Số lô|Lô|lot",
        "site": "Vùng trồng|Mã vùng trồng|Vùng|site|growing area",
        "date": "Ngày sử dụng|Ngày phun|Ngày bón|Ngày|date",
        "input_name": "Vật tư|Tên vật tư|Thuốc phân bón|input",
        "dose": "Liều lượng|Liều|dose",
        "dose_unit": "Đơn vị liều|Đơn vị liều lượng|dose unit",
        "pre_harvest_interval_days": "Thời gian cách ly (ngày)|Thời gian cách ly|PHI",
    },
    SHIPMENTS: {
        "lot_code": "Mã lô|Số lô|Lô|lot",
        "date": "Ngày giao|Ngày xuất|Ngày|date",
        "quantity": "Số lượng|Khối lượng|quantity",
        "buyer": "Bên mua|Người mua|Mã số thuế bên mua|buyer",
        "reference": "Số chứng từ|Chứng từ|reference",
        "reference_type": "Loại chứng từ|reference type",
    },
}
# Columns a file must have; a row may still leave a lot's repeated columns blank.
REQUIRED: dict[str, tuple[str, ...]] = {
    LOTS: ("lot_code", "product", "harvest_date", "household", "household_quantity"),
    INPUTS: ("date", "input_name"),
    SHIPMENTS: ("lot_code", "date", "quantity", "buyer"),
}
# A lot's own columns: given on its first row, blank or the same on the others.
LOT_FIELDS = ("product", "site", "harvest_date", "quantity", "unit")
ROW_NUMBER_HEADERS = {"stt", "so thu tu", "tt", "no", "row"}
TITLES = {LOTS: "Lô thu hoạch", INPUTS: "Vật tư sử dụng", SHIPMENTS: "Giao hàng"}
REFERENCE_TYPES = {
    "hoa don": "invoice",
    "invoice": "invoice",
    "hop dong": "contract",
    "contract": "contract",
    "don hang": "po",
    "po": "po",
    "phieu giao hang": "desadv",
    "desadv": "desadv",
    "khac": "other",
    "other": "other",
}


def fields_by_header(kind: str) -> dict[str, str]:
    """Every accepted header of ``kind`` (folded) -> its field name."""
    return {
        header_key(label): name
        for name, labels in HEADERS[kind].items()
        for label in (name, *labels.split("|"))
    }


def template_label(kind: str, name: str) -> str:
    """The header the template gives a field."""
    return HEADERS[kind][name].split("|")[0]


def _exact(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


@dataclass
class Lookup:
    """Records found by a code (exact, case aside) or by name (exactly, then folded)."""

    noun: str
    by_code: dict[str, set[int]] = field(default_factory=dict)
    by_name: dict[str, set[int]] = field(default_factory=dict)
    by_folded: dict[str, set[int]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)

    def add(self, record_id: int, name: str, codes: Iterable[str | None] = ()) -> None:
        """Index a record by its name and codes."""
        self.labels[record_id] = name
        for code in codes:
            if code:
                self.by_code.setdefault(code.strip().upper(), set()).add(record_id)
        self.by_name.setdefault(_exact(name), set()).add(record_id)
        self.by_folded.setdefault(fold(name), set()).add(record_id)

    def find(self, text: str) -> tuple[int | None, str | None]:
        """(id, None) when ``text`` names one record, else (None, what is wrong)."""
        for index, key in (
            (self.by_code, text.strip().upper()),
            (self.by_name, _exact(text)),
            (self.by_folded, fold(text)),
        ):
            found = index.get(key)
            if found and len(found) == 1:
                return next(iter(found)), None
            if found:
                names = ", ".join(sorted({self.labels[i] for i in found}))
                return None, _(
                    "%(text)s may be any of these %(noun)s: %(names)s; write it exactly.",
                    text=text,
                    noun=self.noun,
                    names=names,
                )
        return None, _("No %(noun)s is called %(text)s.", noun=self.noun, text=text)

    def names(self) -> list[str]:
        """The records' names, for a template's lists sheet."""
        return sorted(set(self.labels.values()))


def products_lookup(org_id: int) -> Lookup:
    """The organization's active products, by GTIN or name (one query)."""
    lookup = Lookup(_("products"))
    rows = db.session.execute(
        select(Product.id, Product.name, Product.gtin).where(
            Product.organization_id == org_id, Product.active.is_(True)
        )
    )
    for product_id, name, gtin in rows:
        lookup.add(product_id, name, (gtin, gtin.lstrip("0") if gtin else None))
    return lookup


def sites_lookup(org_id: int) -> Lookup:
    """The organization's sites, by code, planting-area code or name (one query)."""
    lookup = Lookup(_("growing areas"))
    rows = db.session.execute(
        select(Site.id, Site.name, Site.code, Site.planting_area_code).where(
            Site.organization_id == org_id
        )
    )
    for site_id, name, code, area_code in rows:
        lookup.add(site_id, name, (code, area_code))
    return lookup


def households_lookup(org_id: int) -> Lookup:
    """The cooperative's current member households, by phone or head's name (one query)."""
    lookup = Lookup(_("member households"))
    rows = db.session.execute(
        select(MemberHousehold.id, MemberHousehold.head_name, MemberHousehold.phone).where(
            MemberHousehold.organization_id == org_id, MemberHousehold.left_on.is_(None)
        )
    )
    for member_id, name, phone in rows:
        lookup.add(member_id, name, (phone,))
    return lookup


def buyers_lookup(org_id: int) -> Lookup:
    """The other organizations of the registry, by registration code, tax code or name."""
    lookup = Lookup(_("organizations"))
    rows = db.session.execute(
        select(
            Organization.id,
            Organization.name,
            Organization.registration_code,
            Organization.tax_code,
        ).where(Organization.id != org_id)
    )
    for org, name, registration, tax in rows:
        lookup.add(org, name, (registration, tax))
    return lookup
