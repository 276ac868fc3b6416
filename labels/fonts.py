"""The label font: DejaVu Sans Condensed (static/fonts), which has every Vietnamese letter.

One TrueType file serves all three outputs: subset and embedded in the PDF
(reportlab's TrueType parser and subsetter), rasterised by Pillow for the PNG,
and measured for the SVG, whose text names the same family with fall-backs.
"""

import unicodedata
from functools import cache
from pathlib import Path

from PIL import ImageFont
from reportlab.pdfbase.ttfonts import TTFontFace

from labels.layouts import MM

FONT_DIR = Path(__file__).resolve().parents[1] / "static" / "fonts"
FILES = {False: "DejaVuSansCondensed.ttf", True: "DejaVuSansCondensed-Bold.ttf"}
SVG_FAMILY = "'DejaVu Sans Condensed', 'DejaVu Sans', 'Arial Narrow', Arial, sans-serif"


def clean(text: str) -> str:
    """NFC-normalised text on one line: Vietnamese as precomposed letters, never combining marks.

    A PDF font draws combining marks without positioning them, so "Cà phê" typed
    in decomposed form would print with loose accents.
    """
    return " ".join(unicodedata.normalize("NFC", text or "").split())


@cache
def face(bold: bool = False) -> TTFontFace:
    """The parsed TrueType face of a weight (once per process)."""
    return TTFontFace(str(FONT_DIR / FILES[bold]))


def width_mm(text: str, size_pt: float, bold: bool = False) -> float:
    """Advance width of ``text`` at ``size_pt`` in millimetres."""
    font = face(bold)
    widths, default = font.charWidths, font.defaultWidth
    return sum(widths.get(ord(char), default) for char in text) * size_pt / 1000 / MM


@cache
def pil_font(size_px: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    """The font for Pillow at a pixel size (cached)."""
    return ImageFont.truetype(str(FONT_DIR / FILES[bold]), size_px)
