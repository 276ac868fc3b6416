"""Finding what a scanned identifier names, as plain columns (one query, no ORM objects).

A consumer page is usually served from the page cache (``consumer.page_cache``),
so the request only needs to know which lot (and unit) the code names, whether it is
public, and what the lot's cached page depends on. This module reads exactly that,
in one narrow query per identifier kind, built once with bound parameters.

``Resolved`` also stands in for the ``Batch``/``UnitCode``/``Product`` objects the
link builders read (``lot_anchors``): it has the attributes they use.
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, bindparam, exists, select

from consumer import stored_pages
from consumer.models import LotPage
from consumer.stored_pages import StoredPage
from core.extensions import db
from gs1.digital_link import DigitalLink
from trace.models import Batch, BatchStatus, Product, ProductStandard, UnitCode


@dataclass(frozen=True)
class LotProduct:
    """What the links of a lot read of its product."""

    id: int
    name: str
    gtin: str | None
    image_path: str | None


@dataclass(frozen=True)
class Unit:
    """What the page and links of an item read of its unit code."""

    id: int
    serial: str
    public_code: str


@dataclass(frozen=True)
class Resolved:
    """A public lot (and unit) named by a request, with the columns its page shows directly."""

    id: int
    status: BatchStatus
    lot_code: str
    public_code: str
    harvest_date: date | None
    production_date: date | None
    packing_date: date | None
    expiry_date: date | None
    product: LotProduct
    has_certificates: bool
    unit: Unit | None = None
    # The lot's page kept in the database for the request's language, read with the lot.
    kept: StoredPage | None = field(default=None, compare=False, repr=False)

    @property
    def stamp(self) -> tuple:
        """The lot's own columns a cached page depends on (an edit of any changes the stamp)."""
        return (
            self.status.value,
            self.lot_code,
            self.harvest_date,
            self.production_date,
            self.packing_date,
            self.expiry_date,
            self.product.name,
            self.product.gtin,
            self.product.image_path,
        )


_CERTIFIED = exists().where(ProductStandard.product_id == Product.id).label("certified")
_LOT_COLUMNS = (
    Batch.id,
    Batch.status,
    Batch.lot_code,
    Batch.public_code,
    Batch.harvest_date,
    Batch.production_date,
    Batch.packing_date,
    Batch.expiry_date,
    Product.id.label("product_id"),
    Product.name,
    Product.gtin,
    Product.image_path,
    _CERTIFIED,
)
_UNIT_COLUMNS = (
    UnitCode.id.label("unit_id"),
    UnitCode.serial,
    UnitCode.public_code.label("unit_code"),
)
_LOT = select(*_LOT_COLUMNS).join(Product, Product.id == Batch.product_id)
_UNIT = (
    select(*_LOT_COLUMNS, *_UNIT_COLUMNS)
    .join(Batch, Batch.id == UnitCode.batch_id)
    .join(Product, Product.id == Batch.product_id)
)
_LOT_BY_CODE = _LOT.where(Batch.public_code == bindparam("code"))
_UNIT_BY_CODE = _UNIT.where(UnitCode.public_code == bindparam("code"))
_LOT_BY_LINK = _LOT.where(Product.gtin == bindparam("gtin"), Batch.lot_code == bindparam("lot"))
_UNIT_BY_SERIAL = _UNIT.where(
    Product.gtin == bindparam("gtin"), UnitCode.serial == bindparam("serial")
)
_UNIT_BY_LINK = _UNIT_BY_SERIAL.limit(2)
_UNIT_BY_FULL_LINK = _UNIT_BY_SERIAL.where(Batch.lot_code == bindparam("lot")).limit(2)
_LOT_BY_ID = _LOT.where(Batch.id == bindparam("batch_id"))


def _with_kept(statement):
    """``statement`` with the lot's page kept for the language ``language`` (if any)."""
    kept = and_(LotPage.batch_id == Batch.id, LotPage.language == bindparam("language"))
    return statement.outerjoin(LotPage, kept).add_columns(*stored_pages.COLUMNS)


# Each statement as it is, and with the kept page (a page request: one query for both).
_KEPT = {
    statement: _with_kept(statement)
    for statement in (
        _LOT_BY_CODE,
        _UNIT_BY_CODE,
        _LOT_BY_LINK,
        _UNIT_BY_LINK,
        _UNIT_BY_FULL_LINK,
        _LOT_BY_ID,
    )
}


def core_rows(statement, params: dict):
    """The result of a Core ``statement``, run on the session's connection (and transaction).

    Through ``Session.execute`` its ORM layer (compile state, result adaptation) costs
    more than a narrow query itself: twice the time of the consumer page's reads.
    """
    return db.session.connection().execute(statement, params)


def _rows(statement, params: dict, language: str | None):
    """``statement``'s rows; with the lot's page kept in ``language`` when one is given."""
    if language is None:
        return core_rows(statement, params)
    return core_rows(_KEPT[statement], {**params, "language": language})


def _resolved(row) -> Resolved | None:
    if row is None or row.status == BatchStatus.DRAFT:
        return None  # drafts are not public: they answer like unknown codes
    unit = Unit(row.unit_id, row.serial, row.unit_code) if "unit_id" in row._fields else None
    kept = stored_pages.of_row(row) if "kept_html" in row._fields else None
    return Resolved(
        row.id,
        row.status,
        row.lot_code,
        row.public_code,
        row.harvest_date,
        row.production_date,
        row.packing_date,
        row.expiry_date,
        LotProduct(row.product_id, row.name, row.gtin, row.image_path),
        bool(row.certified),
        unit,
        kept,
    )


_LOTS_BY_ID = _LOT.where(Batch.id.in_(bindparam("ids", expanding=True))).order_by(Batch.id)


def public_lots(batch_ids: list[int]) -> list[Resolved]:
    """Those of these lots that are public (not drafts), in id order (one query)."""
    rows = core_rows(_LOTS_BY_ID, {"ids": batch_ids}) if batch_ids else []
    return [found for found in map(_resolved, rows) if found is not None]


def by_code(code: str, language: str | None = None) -> Resolved | None:
    """The public lot, or unit and its lot, that carries this public code; with the lot's
    page kept in ``language``, when one is given."""
    row = _rows(_LOT_BY_CODE, {"code": code}, language).first()
    if row is None:
        row = _rows(_UNIT_BY_CODE, {"code": code}, language).first()
    return _resolved(row)


def by_id(batch_id: int, language: str) -> Resolved | None:
    """The public lot with this id, with its page kept in ``language``."""
    return _resolved(_rows(_LOT_BY_ID, {"batch_id": batch_id}, language).first())


def by_link(link: DigitalLink, language: str | None = None) -> Resolved | None:
    """The public lot (and unit) a Digital Link with a lot or serial names, if any; with
    the lot's page kept in ``language``, when one is given."""
    if link.cpv is not None:
        return None  # we issue no consumer product variants
    if link.serial is None:
        row = _rows(_LOT_BY_LINK, {"gtin": link.gtin, "lot": link.lot}, language).first()
        return _resolved(row)
    params = {"gtin": link.gtin, "serial": link.serial}
    if link.lot is not None:
        rows = _rows(_UNIT_BY_FULL_LINK, {**params, "lot": link.lot}, language).all()
    else:
        rows = _rows(_UNIT_BY_LINK, params, language).all()
    # Unknown, or a serial given without its lot that is not unique: not found.
    return _resolved(rows[0]) if len(rows) == 1 else None


# What a code resolved to, per process: a code never changes what it names, so a page
# request can go straight to the page cache. Only the lineage and the columns of
# ``Resolved`` may change; the page cache's checks cover those, and refresh this.
_REMEMBERED: OrderedDict[str, tuple[Resolved, list[int]]] = OrderedDict()
_REMEMBERED_SIZE = 20_000
_LOCK = threading.Lock()


def code_key(code: str) -> str:
    """The key of a public code (normalised) in ``remembered`` and the page cache."""
    return f"q:{code}"


def link_key(link: DigitalLink) -> str:
    """The key of a Digital Link's identifiers in ``remembered`` and the page cache."""
    return f"01:{link.gtin}/{link.cpv}/{link.lot}/{link.serial}"


_HANDED_ON = "htx.resolved"


def hand_on(environ, key: str, language: str, found: Resolved | None) -> None:
    """Leave in the request what the page front read of its identifier (``found``, None
    for nothing), so the views need not read it again."""
    environ[_HANDED_ON] = (key, language, found)


def handed_on(environ, key: str, language: str | None) -> tuple[bool, Resolved | None]:
    """Whether the page front read ``key`` in ``language`` for this request, and what."""
    handed = environ.get(_HANDED_ON)
    if handed is None or handed[:2] != (key, language):
        return False, None
    return True, handed[2]


def remembered(key: str) -> tuple[Resolved, list[int]] | None:
    """What ``key`` (the request's identifier) resolved to last, with the lot's lineage."""
    with _LOCK:
        return _REMEMBERED.get(key)


def remember(key: str, found: Resolved, lots: list[int]) -> None:
    """Keep what ``key`` resolved to (the least recently kept go first)."""
    found = replace(found, kept=None)  # a page is kept in the stores, not in each process
    with _LOCK:
        _REMEMBERED[key] = (found, lots)
        _REMEMBERED.move_to_end(key)
        while len(_REMEMBERED) > _REMEMBERED_SIZE:
            _REMEMBERED.popitem(last=False)
