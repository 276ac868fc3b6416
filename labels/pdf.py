"""Print-ready PDF sheets of labels (see ``pdfdoc`` for why the PDF is written directly).

What every label of a sheet shares (its text; its QR too when every label
carries the batch's code) is one form XObject placed on each label. A per-item
QR goes straight into the page as a 1-bit image mask: one sample a module,
scaled to the module size, never smoothed, painted in black with the label
showing through — a few hundred bytes a label and much cheaper to produce than
a vector path of every dark run, which ``drawing="vector"`` still offers with
the same geometry.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice, repeat

from labels.content import LabelText, Line, serial_text
from labels.fonts import face
from labels.layouts import MM, Layout
from labels.pdfdoc import EmbeddedFont, PdfDocument, info_dict
from labels.qr import QUIET_ZONE, Symbol, encode


@dataclass(frozen=True)
class SheetInfo:
    """Document properties of a sheet."""

    title: str
    author: str
    subject: str = ""


def batch_sheet(layout: Layout, text: LabelText, uri: str, copies: int, info: SheetInfo) -> bytes:
    """``copies`` identical labels carrying the batch's QR (the whole label is one form)."""
    writer = _Sheet(layout, text, info, serials=())
    form = writer.form_ops() + _qr_ops(layout, encode(uri), 0.0, 0.0, "mask")
    return writer.write(form, repeat(None, copies), "mask")


def unit_sheet(
    layout: Layout,
    text: LabelText,
    items: list[tuple[str, str]],
    info: SheetInfo,
    drawing: str = "mask",
) -> bytes:
    """One label per (URI, serial): shared text as the form, each QR and serial drawn apart."""
    writer = _Sheet(layout, text, info, serials=[serial for _uri, serial in items])
    return writer.write(writer.form_ops(), iter(items), drawing)


class _Sheet:
    """One document: fonts subset to the characters it prints, a form, pages of labels."""

    def __init__(self, layout: Layout, text: LabelText, info: SheetInfo, serials: Iterable[str]):
        self.layout, self.text, self.info = layout, text, info
        self.doc = PdfDocument()
        chars = {False: set(), True: set()}
        for line in text.lines:
            chars[line.bold].update(line.text)
        if text.serial is not None:
            chars[text.serial.bold].update(serial_text("") + "".join(serials))
        self.fonts = {
            bold: EmbeddedFont(self.doc, face(bold), found, tag)
            for (bold, found), tag in zip(chars.items(), ("HTXAAA", "HTXAAB"), strict=True)
            if found
        }

    def form_ops(self) -> str:
        """The shared text of every label, in label coordinates."""
        return "0 g\n" + "".join(
            self._text_ops(line, line.text, 0.0, 0.0) for line in self.text.lines
        )

    def _text_ops(self, line: Line, value: str, x: float, y: float) -> str:
        font = self.fonts[line.bold]
        left, base = (x + line.x) * MM, (y + line.y) * MM
        start = f"BT /F{int(line.bold)} {line.size} Tf {left:.3f} {base:.3f} Td"
        return f"{start} {font.hex(value)} Tj ET\n"

    def write(self, form_ops: str, labels: Iterator, drawing: str) -> bytes:
        """Pages of labels: the form on each, plus a QR and serial where ``labels`` has them."""
        doc, layout = self.doc, self.layout
        fonts = " ".join(f"/F{int(bold)} {font.number} 0 R" for bold, font in self.fonts.items())
        width, height = (side * MM for side in layout.label)
        form = doc.add_stream(
            form_ops.encode("latin-1"),
            f"/Type /XObject /Subtype /Form /BBox [0 0 {width:.3f} {height:.3f}] "
            f"/Resources << /Font << {fonts} >> >>",
        )
        resources = doc.add(f"<< /Font << {fonts} >> /XObject << /L {form} 0 R >> >>")
        pages, kids = doc.reserve(), []
        page_box = " ".join(f"{side * MM:.3f}" for side in layout.page)
        slots = layout.slots()
        while chunk := list(islice(labels, len(slots))):
            ops = "0 g\n" + "".join(
                self._label_ops(item, slot, drawing)
                for item, slot in zip(chunk, slots, strict=False)
            )
            contents = doc.add_stream(ops.encode("latin-1"))
            kids.append(
                doc.add(
                    f"<< /Type /Page /Parent {pages} 0 R /MediaBox [0 0 {page_box}] "
                    f"/Resources {resources} 0 R /Contents {contents} 0 R >>"
                )
            )
        refs = " ".join(f"{kid} 0 R" for kid in kids)
        doc.add(f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>", pages)
        catalog = doc.add(
            f"<< /Type /Catalog /Pages {pages} 0 R /ViewerPreferences << /PrintScaling /None >> >>"
        )
        info = doc.add(info_dict(self.info.title, self.info.author, self.info.subject))
        return doc.finish(catalog, info)

    def _label_ops(self, item, slot: tuple[float, float], drawing: str) -> str:
        x, y = slot
        ops = f"q 1 0 0 1 {x * MM:.3f} {y * MM:.3f} cm /L Do Q\n"
        if item is None:
            return ops
        uri, serial = item
        ops += _qr_ops(self.layout, encode(uri), x, y, drawing)
        if self.text.serial is not None:
            ops += self._text_ops(self.text.serial, serial_text(serial), x, y)
        return ops


def qr_origin(layout: Layout, symbol: Symbol) -> tuple[float, float, float]:
    """Lower-left corner of the symbol (inside its quiet zone) on the label, and the module size."""
    module = layout.module_size(symbol.size)
    margin = QUIET_ZONE * module
    return layout.padding + margin, (layout.label[1] - layout.qr_box) / 2 + margin, module


def _qr_ops(layout: Layout, symbol: Symbol, x: float, y: float, drawing: str) -> str:
    left, bottom, module = qr_origin(layout, symbol)
    ox, oy = (x + left) * MM, (y + bottom) * MM
    n = symbol.size
    if drawing == "vector":
        # PDF's y axis points up: row 0 (the top) sits at n - 1.
        rects = " ".join(f"{col} {n - 1 - row} {run} 1 re" for row, col, run in symbol.runs())
        unit = module * MM
        return f"q {unit:.4f} 0 0 {unit:.4f} {ox:.3f} {oy:.3f} cm {rects} f Q\n"
    side = n * module * MM
    return (
        f"q {side:.3f} 0 0 {side:.3f} {ox:.3f} {oy:.3f} cm BI /W {n} /H {n} /IM true /BPC 1 "
        f"/D [1 0] /F /AHx ID {symbol.packed().hex()}> EI Q\n"
    )
