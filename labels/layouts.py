"""Label stock: the A4 sheets and thermal rolls labels are printed on, in millimetres.

A4 sheets follow the common die-cut stock (3 × 8 of 63.5 × 33.9 mm as Avery
L7159; 4 × 10 of 45.7 × 25.4 mm as Avery L7654); a roll layout is one label a
page, the way thermal printer drivers take it. Each label keeps ``padding`` free
at its edges (die-cut and printer tolerances); the QR box at its left holds the
symbol and its 4-module quiet zone.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.numbers import number
from labels.qr import QUIET_ZONE

MM = 72 / 25.4  # PDF points in a millimetre
MIN_MODULE_MM = 0.33  # smaller modules print and scan unreliably on office and thermal printers


@dataclass(frozen=True)
class Layout:
    """One kind of label stock: page and label size, grid, margins and pitch (mm)."""

    key: str
    title: object
    page: tuple[float, float]
    label: tuple[float, float]
    columns: int = 1
    rows: int = 1
    margin_left: float = 0.0
    margin_top: float = 0.0
    pitch_x: float = 0.0
    pitch_y: float = 0.0
    padding: float = 1.5
    qr_share: float = 0.45  # the QR box takes at most this share of the label's width

    @property
    def per_page(self) -> int:
        """Labels on one page."""
        return self.columns * self.rows

    @property
    def qr_box(self) -> float:
        """Side of the square that holds the symbol and its quiet zone."""
        width, height = self.label
        return round(min(height - 2 * self.padding, width * self.qr_share), 3)

    def slots(self) -> list[tuple[float, float]]:
        """Lower-left corners of the labels on a page (PDF coordinates), row by row from the top."""
        page_height, label_height = self.page[1], self.label[1]
        return [
            (
                self.margin_left + column * self.pitch_x,
                page_height - self.margin_top - row * self.pitch_y - label_height,
            )
            for row in range(self.rows)
            for column in range(self.columns)
        ]

    def name(self) -> str:
        """The stock as a list names it, its size in the user's locale: "… — 63,5 × 33,9 mm"."""
        width, height = (number(side, "0.#") for side in self.label)
        return f"{self.title} — {width} × {height} mm"

    def module_size(self, symbol_size: int) -> float:
        """Module size (mm) of a ``symbol_size``-module symbol, quiet zone included, in the box."""
        return self.qr_box / (symbol_size + 2 * QUIET_ZONE)

    def as_dict(self) -> dict:
        """The layout for the API and the print page."""
        return {
            "key": self.key,
            "title": self.name(),
            "page_mm": list(self.page),
            "label_mm": list(self.label),
            "columns": self.columns,
            "rows": self.rows,
            "per_page": self.per_page,
            "margins_mm": {"left": self.margin_left, "top": self.margin_top},
            "pitch_mm": {"x": self.pitch_x, "y": self.pitch_y},
            "qr_box_mm": self.qr_box,
        }


A4 = (210.0, 297.0)
LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        Layout(
            "a4-3x8",
            _l("A4 sheet, 3 × 8 labels"),
            page=A4,
            label=(63.5, 33.9),
            columns=3,
            rows=8,
            margin_left=7.2,
            margin_top=12.9,
            pitch_x=66.0,
            pitch_y=33.9,
        ),
        Layout(
            "a4-4x10",
            _l("A4 sheet, 4 × 10 labels"),
            page=A4,
            label=(45.7, 25.4),
            columns=4,
            rows=10,
            margin_left=9.7,
            margin_top=21.5,
            pitch_x=48.3,
            pitch_y=25.4,
        ),
        # Thermal printers keep labels within about half a millimetre: a narrower edge.
        Layout(
            "roll-50x30",
            _l("Thermal roll"),
            page=(50.0, 30.0),
            label=(50.0, 30.0),
            padding=1.2,
        ),
        Layout(
            "roll-40x25",
            _l("Thermal roll"),
            page=(40.0, 25.0),
            label=(40.0, 25.0),
            padding=1.2,
        ),
    )
}
DEFAULT_SINGLE = "roll-50x30"  # the size of a single PNG/SVG label unless another is asked for
