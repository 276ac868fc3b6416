"""Single labels as PNG (Pillow, whole-pixel modules) and SVG (text as text, the QR as one path)."""

import io
from xml.sax.saxutils import escape

from PIL import Image, ImageDraw

from labels.content import LabelText, Line, serial_text
from labels.fonts import SVG_FAMILY, pil_font
from labels.layouts import MM, Layout
from labels.pdf import qr_origin
from labels.qr import QUIET_ZONE, Symbol

_GREY = bytes.maketrans(b"\x00\x01", b"\xff\x00")  # light → white, dark → black


def render_png(
    layout: Layout, text: LabelText, symbol: Symbol, serial: str | None, dpi: int
) -> bytes:
    """The label at ``dpi`` as an 8-bit grey PNG that records its resolution."""
    scale = dpi / 25.4
    width, height = (round(side * scale) for side in layout.label)
    image = Image.new("L", (width, height), 255)
    _paste_qr(image, layout, symbol, scale)
    draw = ImageDraw.Draw(image)
    for line, value in _lines(text, serial):
        font = pil_font(max(1, round(line.size / 72 * dpi)), line.bold)
        draw.text((line.x * scale, height - line.y * scale), value, font=font, fill=0, anchor="ls")
    out = io.BytesIO()
    image.save(out, "PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _paste_qr(image: Image.Image, layout: Layout, symbol: Symbol, scale: float) -> None:
    """Whole-pixel modules (never resampled), centred in the QR box, quiet zone kept."""
    n = symbol.size
    box = round(layout.qr_box * scale)
    module = max(1, box // (n + 2 * QUIET_ZONE))
    qr = Image.frombytes("L", (n, n), symbol.modules.translate(_GREY))
    qr = qr.resize((n * module, n * module), Image.Resampling.NEAREST)
    left = round(layout.padding * scale) + (box - n * module) // 2
    top = (image.height - box) // 2 + (box - n * module) // 2
    image.paste(qr, (left, top))


def render_svg(layout: Layout, text: LabelText, symbol: Symbol, serial: str | None, title: str):
    """The label as SVG in millimetres: text stays text, the QR is one path of dark runs."""
    width, height = layout.label
    left, bottom, module = qr_origin(layout, symbol)
    top = height - bottom - symbol.size * module
    path = "".join(f"M{x} {y}h{w}v1h-{w}z" for y, x, w in symbol.runs())
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}mm" height="{height}mm" '
        f'viewBox="0 0 {width} {height}">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<path transform="translate({left:.4f} {top:.4f}) scale({module:.5f})" '
        f'fill="#000" shape-rendering="crispEdges" d="{path}"/>',
        f'<g font-family="{escape(SVG_FAMILY)}" fill="#000">',
        *(_svg_text(line, value, height) for line, value in _lines(text, serial)),
        "</g>",
        "</svg>",
    ]
    return ("\n".join(parts) + "\n").encode()


def _svg_text(line: Line, value: str, height: float) -> str:
    """A text element; ``textLength`` keeps it in its box if the viewer substitutes the font."""
    weight = ' font-weight="bold"' if line.bold else ""
    size = line.size / MM
    length = line.width if value == line.text else None
    fit = f' textLength="{length:.3f}" lengthAdjust="spacingAndGlyphs"' if length else ""
    return (
        f'<text x="{line.x:.3f}" y="{height - line.y:.3f}" font-size="{size:.3f}"{weight}{fit}>'
        f"{escape(value)}</text>"
    )


def _lines(text: LabelText, serial: str | None) -> list[tuple[Line, str]]:
    lines = [(line, line.text) for line in text.lines]
    if serial is not None and text.serial is not None:
        lines.append((text.serial, serial_text(serial)))
    return lines
