"""What a label says and where each line goes (mm from the label's lower-left corner).

The captions are Vietnamese whatever the interface language: labels go on goods
sold in Vietnam, whose labelling rules (Decree 43/2017/NĐ-CP) ask for Vietnamese.
Lines are fitted once per label kind, with the font's real advance widths, so
PDF, PNG and SVG put the same text in the same places.
"""

from dataclasses import dataclass
from datetime import date

from labels.fonts import clean, width_mm
from labels.layouts import MM, Layout
from trace.models import Batch

LOT, HARVESTED, PRODUCED, PACKED, EXPIRES, SERIAL = (
    "Lô",
    "Thu hoạch",
    "NSX",
    "Đóng gói",
    "HSD",
    "Số",
)
GAP = 0.6  # between the QR box (whose quiet zone is already white) and the text
LEADING = 1.18
SIZES = [size / 4 for size in range(32, 17, -1)]  # 8 pt down to 4.5 pt
ELLIPSIS = "…"


@dataclass(frozen=True)
class LabelFacts:
    """The printed data of a batch: product, lot, dates (expiry last) and producer."""

    product: str
    lot: str
    producer: str
    dates: tuple[tuple[str, date], ...]


@dataclass(frozen=True)
class Line:
    """One line of text: baseline position (mm), size (pt), weight and advance width (mm)."""

    text: str
    x: float
    y: float
    size: float
    bold: bool
    width: float


@dataclass(frozen=True)
class LabelText:
    """The fitted lines of a label kind; ``serial`` is where the per-item line goes, if any."""

    lines: tuple[Line, ...]
    serial: Line | None


def facts_for(batch: Batch) -> LabelFacts:
    """What a batch's labels print."""
    dates = []
    if batch.production_date:
        dates.append((PRODUCED, batch.production_date))
    elif batch.harvest_date:
        dates.append((HARVESTED, batch.harvest_date))
    if batch.packing_date:
        dates.append((PACKED, batch.packing_date))
    if batch.expiry_date:
        dates.append((EXPIRES, batch.expiry_date))
    return LabelFacts(
        product=clean(batch.product.name),
        lot=clean(batch.lot_code),
        producer=clean(batch.organization.name),
        dates=tuple(dates),
    )


def serial_text(serial: str) -> str:
    """The per-item line: the serial number (AI 21) in words a person can read."""
    return f"{SERIAL}: {serial}"


def lay_out(facts: LabelFacts, layout: Layout, serial_sample: str | None = None) -> LabelText:
    """Fit the facts beside the QR box at the largest size where every line fits.

    Passes, each from 8 pt down to 4.5 pt: everything whole (lot, dates and serial
    on one line, product name and producer on at most two); then the name and
    producer cut with an ellipsis after two lines; then the lot and dates on two
    lines too. Failing all, every item is cut to one line. ``serial_sample`` (the
    longest serial to print) reserves the per-item line.
    """
    x = layout.padding + layout.qr_box + GAP
    width = layout.label[0] - layout.padding - x
    height = layout.label[1] - 2 * layout.padding
    for most, cut in ((1, False), (1, True), (2, True)):
        blocks = _blocks(facts, serial_sample, most, cut)
        rows = next((r for size in SIZES if (r := _fits(blocks, size, width, height))), None)
        if rows:
            break
    else:
        rows = _rows(_blocks(facts, serial_sample, 1, True), SIZES[-1], width, strict=False)
    return _place(rows, x, layout, height, has_serial=serial_sample is not None)


def _fits(blocks, size: float, width: float, height: float):
    rows = _rows(blocks, size, width, strict=True)
    return rows if rows is not None and _height(rows) <= height else None


def _blocks(facts: LabelFacts, serial: str | None, most: int, cut: bool):
    """(text, bold, relative size, most lines, may be cut) in print order."""
    blocks = [(facts.product, True, 1.15, 2, cut), (f"{LOT}: {facts.lot}", False, 1.0, most, False)]
    blocks += [
        (f"{caption}: {day:%d/%m/%Y}", False, 1.0, most, False) for caption, day in facts.dates
    ]
    blocks.append((facts.producer, False, 0.9, 2, cut))
    if serial is not None:
        blocks.append((serial_text(serial), True, 1.0, 1, False))
    return blocks


def _rows(blocks, base: float, width: float, strict: bool):
    """The lines at ``base`` pt; None (strict) when an item that may not be cut does not fit."""
    rows = []
    for text, bold, scale, most, cut in blocks:
        size = round(base * scale, 2)
        lines = _wrap(text, size, bold, width)
        whole = len(lines) <= most and all(width_mm(ln, size, bold) <= width for ln in lines)
        if strict and not whole and not cut:
            return None
        if not whole:
            keep = most if strict else 1
            lines = lines[: keep - 1] + [_shorten(" ".join(lines[keep - 1 :]), size, bold, width)]
        rows += [(line, size, bold) for line in lines]
    return rows


def _wrap(text: str, size: float, bold: bool, width: float) -> list[str]:
    """Greedy word wrap (a word wider than the column stays whole, on its own line)."""
    lines: list[str] = []
    for word in text.split():
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and width_mm(joined, size, bold) <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines


def _shorten(text: str, size: float, bold: bool, width: float) -> str:
    """``text`` cut with an ellipsis where it is wider than ``width``."""
    if width_mm(text, size, bold) <= width:
        return text
    while text and width_mm(text + ELLIPSIS, size, bold) > width:
        text = text[:-1]
    return text.rstrip() + ELLIPSIS


def _height(rows) -> float:
    return sum(size * LEADING / MM for _text, size, _bold in rows)


def _place(rows, x: float, layout: Layout, height: float, has_serial: bool) -> LabelText:
    """Baselines from the top, the block centred in the label's height."""
    top = layout.label[1] - layout.padding - max(0.0, height - _height(rows)) / 2
    lines = []
    for text, size, bold in rows:
        top -= size * LEADING / MM
        baseline = round(top + size * 0.22 / MM, 3)
        lines.append(Line(text, round(x, 3), baseline, size, bold, width_mm(text, size, bold)))
    if has_serial:  # the serial block is one line, always the last
        return LabelText(tuple(lines[:-1]), lines[-1])
    return LabelText(tuple(lines), None)
