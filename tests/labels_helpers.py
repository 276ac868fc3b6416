"""Helpers for the label tests: real decoders (zxing-cpp, pdftoppm, rsvg-convert, biip) as
fixtures, a batch complete but for its label, and lookups of the stored unit URIs.

Without those tools the tests skip, except under CI, where they fail.
"""

import io
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import select

from consumer import lookup
from core.extensions import db
from gs1.digital_link import parse_digital_link, parse_public_code
from registry.models import Organization
from tests.missing import unavailable
from tests.trace_helpers import GTIN
from trace.models import Batch, Product, UnitCode

STANDARDS = Path(__file__).resolve().parents[2] / "shared" / "standards" / "gs1"

CROCKFORD_URI = re.compile(r"^(?P<base>.+)/q/(?P<code>[0-9A-HJKMNP-TV-Z]{13})$")

COFFEE = "Cà phê nhân xanh Robusta"


def require_tool(name: str, package: str) -> str:
    """The path of a command-line tool, else skip (fail under CI)."""
    path = shutil.which(name)
    if path is None:
        unavailable(f"{name} is not installed (apt-get install {package})")
    return path


@pytest.fixture
def zxing():
    try:
        import zxingcpp
    except ImportError:
        unavailable("zxing-cpp is not installed (pip install -r requirements-dev.txt)")
    return zxingcpp


@pytest.fixture
def biip():
    try:
        import biip
    except ImportError:
        unavailable("biip is not installed (pip install -r requirements-dev.txt)")
    return biip


def decode_image(zxing, image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in the image."""
    found = zxing.read_barcodes(image, formats=zxing.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found]


def decode_pdf(zxing, data: bytes, folder: Path, first=None, last=None) -> list[str]:
    """Rasterise the PDF at 300 dpi with pdftoppm and decode every QR of every page."""
    pdftoppm = require_tool("pdftoppm", "poppler-utils")
    (folder / "sheet.pdf").write_bytes(data)
    pages = ["-f", str(first)] if first else []
    pages += ["-l", str(last)] if last else []
    command = [pdftoppm, "-r", "300", "-png", *pages, str(folder / "sheet.pdf"), str(folder / "p")]
    subprocess.run(command, check=True, timeout=300)  # noqa: S603 (a found tool, our files)
    texts = []
    for png in sorted(folder.glob("p-*.png")):
        with Image.open(png) as image:
            texts += decode_image(zxing, image)
        png.unlink()
    return texts


def pdf_text(data: bytes, folder: Path) -> str:
    pdftotext = require_tool("pdftotext", "poppler-utils")
    (folder / "text.pdf").write_bytes(data)
    done = subprocess.run(  # noqa: S603 (a found tool, our files)
        [pdftotext, "-enc", "UTF-8", str(folder / "text.pdf"), "-"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return done.stdout.decode()


def pdf_pages(data: bytes, folder: Path) -> int:
    pdfinfo = require_tool("pdfinfo", "poppler-utils")
    (folder / "info.pdf").write_bytes(data)
    done = subprocess.run(  # noqa: S603 (a found tool, our files)
        [pdfinfo, str(folder / "info.pdf")], check=True, capture_output=True, timeout=60
    )
    return int(re.search(rb"Pages:\s+(\d+)", done.stdout).group(1))


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def complete_batch(app, client, farm):
    """Factory: a batch complete but for its label (image, address, site, harvest, households)."""
    with app.app_context():
        db.session.get(Organization, farm.org_id).address = "Thôn 3, xã Đak Đoa, Gia Lai"
        db.session.commit()
    site = farm.site()

    def make(gtin: str | None = GTIN, name: str = COFFEE, **batch_values) -> dict:
        product = farm.product(name=name, **({"gtin": gtin} if gtin else {}))
        response = client.put(
            f"/api/v1/products/{product['id']}/image",
            data={"image": (io.BytesIO(png_bytes()), "anh.png")},
            headers=farm.headers,
        )
        assert response.status_code == 200, response.json
        values = {"packing_date": "2026-11-20", "expiry_date": "2027-11-20", **batch_values}
        batch = farm.batch(product["id"], 500, site_ids=[site["id"]], **values)
        farm.harvest(batch["id"], site["id"])
        report = farm.get(f"/batches/{batch['id']}/completeness")
        assert report["missing"] == ["label"], report
        return batch

    return make


def stored_unit_uris(app, batch_id: int) -> dict[str, tuple[int, str]]:
    """URI → (unit id, serial) for every unit code of the batch, as the service builds them."""
    from trace.services.uris import unit_uri

    with app.test_request_context():
        units = db.session.scalars(select(UnitCode).where(UnitCode.batch_id == batch_id)).all()
        return {unit_uri(unit, unit.batch): (unit.id, unit.serial) for unit in units}


def resolve(app, uri: str):
    """What the public resolver (``consumer.lookup``) makes of a decoded URI: (batch id,
    unit id or None), or None."""
    path = urlsplit(uri).path
    with app.test_request_context():
        if match := re.fullmatch(r"/q/([^/]+)", path):
            found = lookup.by_code(parse_public_code(match.group(1)))
        else:
            found = lookup.by_link(parse_digital_link(path))
        return (found.id, found.unit.id if found.unit else None) if found else None


def label_issued(app, batch_id: int):
    with app.app_context():
        return db.session.get(Batch, batch_id).label_issued_at


def transient_batch() -> Batch:
    """A batch never stored, enough to lay out a label."""
    return Batch(
        lot_code="261127-ABCDEFGH",
        public_code="0" * 13,
        product=Product(name=COFFEE),
        organization=Organization(name="HTX Cà phê Đăk Đoa"),
    )
