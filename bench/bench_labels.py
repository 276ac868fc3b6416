"""Label PDFs: 10,000 per-item labels into one print-ready PDF, on one core.

Timed, as ``labels_pdf(units="all")`` does it after loading the unit codes:
building each unit's URI, fitting the text, encoding every QR and writing the
PDF (A4 4 × 10 sheets, and a 40 × 25 mm thermal roll, one label a page). In the
same run, two references:

- the naive way (baseline): ``qrcode.make(uri)`` per label with its default
  settings, the image drawn with reportlab's ``drawImage`` and the text with
  ``drawString``, label after label; measured on a sample and given per label;
- the QR encoding alone with the fastest encoder found (libqrencode through
  ctypes), the bound the whole pipeline can approach.

Also the vector drawing of the QR (dark runs as rectangles) against the image
mask used by default. The first page of each timed PDF is rasterised and
decoded with zxing-cpp when pdftoppm and zxing-cpp are installed.
Target: ≥ 2,000 labels/s (10,000 labels in ≤ 5 s).

Runs inside ``python -m bench`` (``BENCHMARKS["labels"]``; it needs no data in
the database) or alone: ``python -m bench.bench_labels``.
"""

import contextlib
import io
import os
import platform
import shutil
import subprocess
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

from bench.common import Result, measure
from labels import LAYOUTS, pdf, qr_report
from labels.content import facts_for, lay_out, serial_text
from labels.fonts import FILES, FONT_DIR
from labels.qr import encode, encoder_name
from registry.models import Organization
from trace.models import Batch, Product
from trace.services.uris import unit_uri

UNITS = 10_000
NAIVE_SAMPLE = 200
TARGET = "≥ 2,000 labels/s (10,000 labels in ≤ 5 s, one core)"
NAIVE = "naive: qrcode.make() per label + reportlab drawImage/drawString"
GTIN = "09520123456788"  # GS1's example prefix 952


def sample_batch() -> Batch:
    """A transient batch with a GTIN, long Vietnamese names and every date."""
    return Batch(
        product=Product(name="Cà phê nhân xanh Robusta loại 1 sàng 18", gtin=GTIN),
        organization=Organization(name="HTX Nông nghiệp và Dịch vụ Cà phê Đăk Đoa"),
        lot_code="261127-ABCDEFGH",
        public_code="ABCDEFGHJKMNP",
        harvest_date=date(2026, 11, 1),
        packing_date=date(2026, 11, 20),
        expiry_date=date(2027, 11, 20),
    )


def units(count: int) -> list[SimpleNamespace]:
    """What ``unit_items`` reads of each unit code row."""
    return [SimpleNamespace(serial=str(n), public_code=f"U{n:012d}") for n in range(1, count + 1)]


def render(batch: Batch, rows, layout_key: str, drawing: str = "mask") -> bytes:
    """The timed work: URIs, text fitting, QR encoding and the PDF."""
    layout = LAYOUTS[layout_key]
    items = [(unit_uri(row, batch), row.serial) for row in rows]
    text = lay_out(facts_for(batch), layout, serial_sample=items[-1][1])
    info = pdf.SheetInfo("bench", batch.organization.name)
    return pdf.unit_sheet(layout, text, items, info, drawing=drawing)


def naive(batch: Batch, rows, layout_key: str) -> bytes:
    """The first thing one would write: a PNG per label from qrcode.make, placed by reportlab."""
    import qrcode
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    if "BenchSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("BenchSans", str(FONT_DIR / FILES[False])))
    layout, mm = LAYOUTS[layout_key], 72 / 25.4
    text = lay_out(facts_for(batch), layout, serial_sample=rows[-1].serial)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=tuple(side * mm for side in layout.page))
    slots = layout.slots()
    for index, row in enumerate(rows):
        if index and index % len(slots) == 0:
            canvas.showPage()
        x, y = slots[index % len(slots)]
        image = qrcode.make(unit_uri(row, batch)).get_image()
        box = layout.qr_box * mm
        bottom = (y + (layout.label[1] - layout.qr_box) / 2) * mm
        canvas.drawImage(ImageReader(image), (x + layout.padding) * mm, bottom, box, box)
        for line in (*text.lines, text.serial):
            value = serial_text(row.serial) if line is text.serial else line.text
            canvas.setFont("BenchSans", line.size)
            canvas.drawString((x + line.x) * mm, (y + line.y) * mm, value)
    canvas.save()
    return out.getvalue()


def encode_only(batch: Batch, rows) -> None:
    """Only the QR encoding of every unit's URI, with the fastest encoder found."""
    for row in rows:
        encode(unit_uri(row, batch))


@contextlib.contextmanager
def one_core():
    """Pin this process to one CPU for the measurements (where the OS allows it)."""
    if not hasattr(os, "sched_getaffinity"):
        yield "not pinned"
        return
    before = os.sched_getaffinity(0)
    core = min(before)
    os.sched_setaffinity(0, {core})
    try:
        yield f"pinned to CPU {core}"
    finally:
        os.sched_setaffinity(0, before)


def cpu_timed(fn):
    """``fn`` for ``measure``, also adding up the process CPU time it used."""
    spent: list[float] = []

    def call():
        started = time.process_time()
        fn()
        spent.append(time.process_time() - started)

    return call, spent


def first_page_check(data: bytes, layout_key: str, expected: list[str]) -> str:
    """Rasterise page 1 at 300 dpi and decode it: 'n/n decoded', or why it was not checked."""
    pdftoppm = shutil.which("pdftoppm")
    try:
        import zxingcpp
        from PIL import Image
    except ImportError:
        return "not checked: zxing-cpp missing"
    if pdftoppm is None:
        return "not checked: pdftoppm missing"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sheet.pdf"
        path.write_bytes(data)
        command = [pdftoppm, "-r", "300", "-png", "-f", "1", "-l", "1", str(path), f"{folder}/p"]
        subprocess.run(command, check=True, timeout=120)  # noqa: S603 (found tool, own file)
        with Image.open(next(Path(folder).glob("p-*.png"))) as image:
            found = [r.text for r in zxingcpp.read_barcodes(image)]
    wanted = expected[: LAYOUTS[layout_key].per_page]
    status = "all match" if sorted(found) == sorted(wanted) else "MISMATCH"
    return f"{len(found)}/{len(wanted)} decoded, {status}"


def run(ctx) -> list[Result]:
    """Labels/s of the pipeline against the naive way, plus encode-only and vector drawing.

    Figures are wall-clock medians (the suite's convention); ``cpu_per_s`` in the
    params gives the same figure from the process's CPU time, which is what to
    read on a busy machine (``cpu_share`` says how much of a core the run got).
    """
    runs = max(1, min(getattr(ctx, "runs", 3), 3))
    batch, rows = sample_batch(), units(UNITS)
    expected = [unit_uri(row, batch) for row in rows]
    render(batch, rows[:50], "a4-4x10")  # warm-up: font parsing, encoder loading
    with one_core() as pinning:
        naive_call, naive_cpu = cpu_timed(lambda: naive(batch, rows[:NAIVE_SAMPLE], "a4-4x10"))
        naive_rate = NAIVE_SAMPLE / measure(naive_call, 1, 0).median
        encode_call, encode_cpu = cpu_timed(lambda: encode_only(batch, rows))
        encode_rate = UNITS / measure(encode_call, runs, 0).median
        cpu_rates = {
            "naive": NAIVE_SAMPLE / _median(naive_cpu),
            "encode": UNITS / _median(encode_cpu),
        }
        results = [
            _pipeline(batch, rows, key, naive_rate, runs, expected, pinning, cpu_rates)
            for key in ("a4-4x10", "roll-40x25")
        ]
        vector = _vector(batch, rows, runs, results[0].value)
    results.append(
        Result(
            "labels_pdf_vs_encode_only",
            results[0].value,
            "labels/s",
            encode_rate,
            f"QR encoding alone, {encoder_name()}",
            TARGET,
            params={
                "units": UNITS,
                "cpu_per_s": _rates(results[0].params["cpu_per_s"]["labels"], cpu_rates["encode"]),
            },
            note="ratio = share of the encoder's own speed the whole PDF reaches",
        )
    )
    results.append(vector)
    for result in results:
        result.params |= {"encoder": encoder_name(), "naive_sample": NAIVE_SAMPLE}
        result.params["qr"] = qr_report(expected[-1])
    return results


def _pipeline(batch, rows, key, naive_rate, runs, expected, pinning, cpu_rates) -> Result:
    documents: list[bytes] = []
    call, cpu = cpu_timed(lambda: documents.append(render(batch, rows, key)))
    timing = measure(call, runs, 0)
    cpu_rate = UNITS / _median(cpu)
    return Result(
        f"labels_pdf_10k_units_{key}",
        UNITS / timing.median,
        "labels/s",
        naive_rate,
        NAIVE,
        TARGET,
        params={
            "units": UNITS,
            "layout": key,
            "seconds": timing.summary(),
            "cpu_s": _median(cpu),
            "cpu_share": round(_median(cpu) / timing.median, 2),
            "cpu_per_s": {
                "labels": round(cpu_rate),
                "vs_naive": _rates(cpu_rate, cpu_rates["naive"]),
                "vs_encode_only": _rates(cpu_rate, cpu_rates["encode"]),
            },
            "pdf_bytes": len(documents[-1]),
            "first_page": first_page_check(documents[-1], key, expected),
            "cpu": pinning,
        },
    )


def _rates(value: float, baseline: float) -> dict:
    return {"value": round(value), "baseline": round(baseline), "ratio": round(value / baseline, 3)}


def _vector(batch, rows, runs, mask_rate) -> Result:
    sample = rows[:2000]
    timing = measure(lambda: render(batch, sample, "a4-4x10", "vector"), runs, 0)
    return Result(
        "labels_pdf_vector_modules_a4-4x10",
        len(sample) / timing.median,
        "labels/s",
        mask_rate,
        "image-mask QR (the default drawing)",
        "",
        params={"units": len(sample)},
        note="QR as vector rectangles (dark runs) instead of a 1-bit image mask",
    )


def _median(values: list[float]) -> float | None:
    return round(sorted(values)[len(values) // 2], 3) if values else None


def main() -> None:
    """Run alone: an app on an in-memory SQLite (no data needed), figures printed."""
    from core.factory import create_app

    with tempfile.TemporaryDirectory(prefix="htx-bench-labels-") as instance:
        app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_DIR": instance})
        with app.app_context():
            ctx = SimpleNamespace(runs=3, warmup=1)
            machine = {"cpu_count": os.cpu_count(), "python": platform.python_version()}
            for result in run(ctx):
                result.machine = machine
                ratio = f"{result.ratio:.2f}×" if result.ratio else "—"
                print(
                    f"{result.name}: {result.value:,.0f} {result.unit}; {result.baseline_name}: "
                    f"{result.baseline:,.0f} (ratio {ratio})"
                )
                print(f"    {result.params}")


if __name__ == "__main__":
    main()
