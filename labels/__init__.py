"""QR labels (nhãn truy xuất): per-item unit codes, single PNG/SVG labels, PDF sheets.

A label is printed only for a batch that is complete apart from the label itself
(DESIGN.md section 6), so a QR never points to an empty page. Rendering a label or a
sheet changes nothing: a label is issued by a print job (``labels.prints``), whose
first by the lot's producer sets ``label_issued_at``. Services flush; the caller commits.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.numbers import number
from gs1.codes import new_public_code
from labels import images, pdf
from labels.content import facts_for, lay_out
from labels.layouts import DEFAULT_SINGLE, LAYOUTS, MIN_MODULE_MM, Layout
from labels.qr import Symbol, encode
from registry.models import User
from registry.services.scoping import require_own_org
from trace.models import Batch, BatchStatus, UnitCode
from trace.services.batches import get_batch
from trace.services.completeness import missing
from trace.services.uris import public_uri, unit_uri

MAX_UNITS = 10_000  # unit codes minted by one request
MAX_COPIES = 10_000  # batch labels in one PDF
DPI_RANGE = (150, 600)

__all__ = [
    "DEFAULT_SINGLE",
    "DPI_RANGE",
    "LAYOUTS",
    "MAX_COPIES",
    "MAX_UNITS",
    "Sheet",
    "label_png",
    "label_problems",
    "label_svg",
    "labels_pdf",
    "mint_units",
    "qr_report",
    "render_sheet",
    "sheet",
    "units_query",
]


def label_problems(batch: Batch) -> list[str]:
    """What keeps the batch from being labelled: missing checklist items (but the label), named."""
    problems = [str(item.label) for item in missing(batch) if item.key != "label"]
    if batch.status == BatchStatus.RECALLED:
        problems.insert(0, _("The batch is recalled."))
    return problems


def mint_units(user: User, batch_id: int, count: int) -> list[UnitCode]:
    """Make ``count`` unit codes for one of the caller's printable batches.

    Serials continue after the batch's existing ones ("1", "2", …); each unit gets
    its own public code, unique among batches' and units' codes.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_UNITS:
        raise ValidationFailed.on_field(
            "count", _("Make between 1 and %(most)s unit codes at a time.", most=number(MAX_UNITS))
        )
    batch = get_batch(user, batch_id)
    require_own_org(user, batch.organization_id)
    _require_printable(batch)
    start = _last_serial(batch.id) + 1
    units = [
        UnitCode(batch_id=batch.id, serial=str(start + offset), public_code=code)
        for offset, code in enumerate(_fresh_codes(count))
    ]
    db.session.add_all(units)
    try:
        db.session.flush()
    except IntegrityError as exc:  # another request took these serials a moment before
        raise Conflict(_("Unit codes are being made for this batch right now; try again.")) from exc
    return units


def units_query(user: User, batch_id: int) -> Select:
    """The unit codes of a batch the caller may see, in serial order."""
    batch = get_batch(user, batch_id)
    return select(UnitCode).where(UnitCode.batch_id == batch.id).order_by(UnitCode.id)


def label_png(
    user: User,
    batch_id: int,
    unit_id: int | None = None,
    layout: str = DEFAULT_SINGLE,
    dpi: int = 300,
) -> bytes:
    """One label as PNG: the batch's QR, or a unit's with its serial (issues nothing)."""
    if not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise ValidationFailed.on_field(
            "dpi", _("Between %(low)s and %(high)s dpi.", low=DPI_RANGE[0], high=DPI_RANGE[1])
        )
    stock, batch, text, symbol, serial = _single(user, batch_id, unit_id, layout)
    return images.render_png(stock, text, symbol, serial, dpi)


def label_svg(
    user: User, batch_id: int, unit_id: int | None = None, layout: str = DEFAULT_SINGLE
) -> bytes:
    """One label as SVG (text as text, the QR as a path); issues nothing."""
    stock, batch, text, symbol, serial = _single(user, batch_id, unit_id, layout)
    return images.render_svg(stock, text, symbol, serial, _title(batch))


@dataclass(frozen=True)
class Sheet:
    """A PDF of labels, checked and ready to render: ``copies`` of the batch's label, or
    one label per unit code in ``items`` (URI, serial), whose ids span ``unit_range``."""

    batch: Batch
    stock: Layout
    copies: int | None = None
    items: list[tuple[str, str]] | None = None
    unit_range: tuple[int, int] | None = None

    @property
    def labels(self) -> int:
        """How many labels the PDF holds."""
        return self.copies if self.items is None else len(self.items)


def sheet(
    user: User,
    batch_id: int,
    layout: str,
    units: str | None = None,
    copies: int | None = None,
    id_range: tuple[int, int] | None = None,
) -> Sheet:
    """What a PDF would hold: ``copies`` batch labels (one sheet by default), or with
    ``units="all"`` one label per unit code of the batch — only those whose ids are in
    ``id_range`` (first, last) when given. Every refusal is raised here, before rendering."""
    stock = _layout(layout)
    if units not in (None, "all"):
        raise ValidationFailed.on_field("units", _('Use "all" or leave it out.'))
    batch = _printable(user, batch_id)
    if units is None:
        copies = stock.per_page if copies is None else copies
        if not 1 <= copies <= MAX_COPIES:
            raise ValidationFailed.on_field(
                "copies", _("Between 1 and %(most)s labels.", most=number(MAX_COPIES))
            )
        _check_modules(stock, encode(public_uri(batch)))
        return Sheet(batch, stock, copies=copies)
    rows = _unit_rows(batch, id_range)
    if not rows:
        raise ValidationFailed.on_field("units", _("This batch has no unit codes yet."))
    items = [(unit_uri(row, batch), row.serial) for row in rows]
    _check_modules(stock, encode(_longest(items)[0]))
    return Sheet(batch, stock, items=items, unit_range=(rows[0].id, rows[-1].id))


def render_sheet(checked: Sheet) -> bytes:
    """The print-ready PDF of a checked ``Sheet``."""
    batch, stock = checked.batch, checked.stock
    info = pdf.SheetInfo(_title(batch), batch.organization.name, str(stock.title))
    if checked.items is None:
        text = lay_out(facts_for(batch), stock)
        return pdf.batch_sheet(stock, text, public_uri(batch), checked.copies, info)
    text = lay_out(facts_for(batch), stock, serial_sample=_longest(checked.items)[1])
    return pdf.unit_sheet(stock, text, checked.items, info)


def labels_pdf(
    user: User,
    batch_id: int,
    layout: str,
    units: str | None = None,
    copies: int | None = None,
    id_range: tuple[int, int] | None = None,
) -> bytes:
    """A print-ready PDF of labels, as ``sheet`` describes it (issues nothing)."""
    return render_sheet(sheet(user, batch_id, layout, units, copies, id_range))


def _longest(items: list[tuple[str, str]]) -> tuple[str, str]:
    return max(items, key=lambda item: (len(item[0]), len(item[1])))


def _unit_rows(batch: Batch, id_range: tuple[int, int] | None) -> list:
    stmt = select(UnitCode.id, UnitCode.serial, UnitCode.public_code).where(
        UnitCode.batch_id == batch.id
    )
    if id_range is not None:
        stmt = stmt.where(UnitCode.id.between(*id_range))
    return list(db.session.execute(stmt.order_by(UnitCode.id)))


def qr_report(uri: str) -> dict[str, dict]:
    """For each layout: the QR version and module size (mm) that ``uri`` gets."""
    symbol = encode(uri)
    return {
        key: {"version": symbol.version, "module_mm": round(stock.module_size(symbol.size), 3)}
        for key, stock in LAYOUTS.items()
    }


def _single(user: User, batch_id: int, unit_id: int | None, layout: str):
    stock = _layout(layout)
    batch = _printable(user, batch_id)
    unit = _unit(batch, unit_id) if unit_id is not None else None
    uri = unit_uri(unit, batch) if unit else public_uri(batch)
    symbol = encode(uri)
    _check_modules(stock, symbol)
    serial = unit.serial if unit else None
    text = lay_out(facts_for(batch), stock, serial_sample=serial)
    return stock, batch, text, symbol, serial


def _layout(key: str) -> Layout:
    if key not in LAYOUTS:
        raise ValidationFailed.on_field(
            "layout", _("Choose one of: %(keys)s.", keys=", ".join(LAYOUTS))
        )
    return LAYOUTS[key]


def _printable(user: User, batch_id: int) -> Batch:
    batch = get_batch(user, batch_id)
    _require_printable(batch)
    return batch


def _require_printable(batch: Batch) -> None:
    if batch.status == BatchStatus.RECALLED:
        # Not a gap the user can fill: the lot's state forbids labels (409, not 422).
        raise Conflict.on_field(
            "batch", _("The batch is recalled: no label may be printed for it.")
        )
    problems = label_problems(batch)
    if problems:
        raise ValidationFailed(
            _(
                "Labels are printed only for a complete batch. Missing: %(items)s.",
                items="; ".join(problems),
            ),
            {"batch": problems},
        )


def _unit(batch: Batch, unit_id: int) -> UnitCode:
    unit = db.session.scalar(
        select(UnitCode).where(UnitCode.id == unit_id, UnitCode.batch_id == batch.id)
    )
    if unit is None:
        raise NotFound(_("No such unit code in this batch."))
    return unit


def _check_modules(stock: Layout, symbol: Symbol) -> None:
    size = stock.module_size(symbol.size)
    if size < MIN_MODULE_MM:
        raise ValidationFailed.on_field(
            "layout",
            _(
                "On this label the QR code's modules would be %(size)s mm, below the "
                "%(least)s mm that print and scan reliably: choose a larger label.",
                size=number(size, "#,##0.00"),
                least=number(MIN_MODULE_MM),
            ),
        )


def _title(batch: Batch) -> str:
    return f"Nhãn {batch.product.name} – lô {batch.lot_code}"


def _last_serial(batch_id: int) -> int:
    """The highest numeric serial so far (numbers sort by length, then digits)."""
    last = db.session.scalar(
        select(UnitCode.serial)
        .where(UnitCode.batch_id == batch_id)
        .order_by(func.length(UnitCode.serial).desc(), UnitCode.serial.desc())
        .limit(1)
    )
    return int(last) if last and last.isdigit() else 0


def _fresh_codes(count: int) -> list[str]:
    """``count`` new public codes, none already used by a batch or a unit."""
    codes: set[str] = set()
    while len(codes) < count:
        codes.update(new_public_code() for _n in range(count - len(codes)))
        codes -= _taken(codes)
    return list(codes)


def _taken(codes: set[str]) -> set[str]:
    taken: set[str] = set()
    ordered = list(codes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        for model in (Batch, UnitCode):
            taken.update(
                db.session.scalars(select(model.public_code).where(model.public_code.in_(chunk)))
            )
    return taken
