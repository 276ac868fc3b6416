"""Labels: unit codes, PNG/SVG labels and PDF sheets, decoded back with real tools.

Sheets are rasterised with pdftoppm (Debian's poppler-utils) and every QR is
decoded with zxing-cpp, an encoder-independent decoder; SVG is rendered with
rsvg-convert (librsvg2-bin). Without those tools the tests skip, except under
CI, where they fail. The rules of issuing labels are in test_labels_issue.py.
"""

import io
import re
import subprocess
import unicodedata
from collections import Counter

import pytest
from PIL import Image

import labels
from core.extensions import db
from gs1.digital_link import Malformed
from labels.content import facts_for, lay_out
from labels.layouts import MIN_MODULE_MM
from registry.models import Organization
from tests import labels_helpers
from tests.labels_helpers import (
    CROCKFORD_URI,
    STANDARDS,
    decode_image,
    decode_pdf,
    pdf_pages,
    pdf_text,
    require_tool,
    resolve,
    stored_unit_uris,
    transient_batch,
    unavailable,
)
from tests.trace_helpers import GTIN
from trace.models import Batch, Product

# The fixtures of tests/labels_helpers.py: a batch complete but for its label, the decoders.
complete_batch = labels_helpers.complete_batch
zxing = labels_helpers.zxing
biip = labels_helpers.biip


def test_a4_sheet_of_unit_labels_decodes_to_the_stored_uris(
    app, client, farm, complete_batch, zxing, biip, tmp_path
):
    batch = complete_batch()
    minted = farm.post(f"/batches/{batch['id']}/units", {"count": 30})
    assert (minted["count"], minted["first_serial"], minted["last_serial"]) == (30, "1", "30")
    response = client.get(
        f"/api/v1/batches/{batch['id']}/labels.pdf?layout=a4-3x8&units=all", headers=farm.headers
    )
    assert response.status_code == 200, response.json
    assert response.mimetype == "application/pdf"
    stored = stored_unit_uris(app, batch["id"])
    decoded = decode_pdf(zxing, response.data, tmp_path)
    assert Counter(decoded) == Counter(list(stored))  # each unit exactly once, nothing else
    for uri in decoded:
        assert resolve(app, uri) == (batch["id"], stored[uri][0])
        parsed = biip.parse(uri)
        assert parsed.gs1_digital_link_uri_error is None and parsed.gtin_error is None
    text = pdf_text(response.data, tmp_path)
    assert "Cà phê nhân xanh" in text and f"Lô: {batch['lot_code']}" in text
    assert text.count("Số: ") == 30 and "HSD: 20/11/2027" in text


@pytest.mark.parametrize("layout", ["roll-40x25", "roll-50x30"])
def test_thermal_roll_labels_decode_one_a_page(
    app, client, farm, complete_batch, zxing, tmp_path, layout
):
    batch = complete_batch(gtin=None, name="Hồ tiêu đen Chư Sê")
    assert CROCKFORD_URI.match(batch["public_uri"])
    url = f"/api/v1/batches/{batch['id']}/labels.pdf?layout={layout}"
    copies = client.get(f"{url}&copies=3", headers=farm.headers)
    assert copies.status_code == 200, copies.json
    assert pdf_pages(copies.data, tmp_path) == 3
    assert decode_pdf(zxing, copies.data, tmp_path) == [batch["public_uri"]] * 3
    assert resolve(app, batch["public_uri"]) == (batch["id"], None)
    farm.post(f"/batches/{batch['id']}/units", {"count": 4})
    units = client.get(f"{url}&units=all", headers=farm.headers)
    stored = stored_unit_uris(app, batch["id"])
    decoded = decode_pdf(zxing, units.data, tmp_path)
    assert Counter(decoded) == Counter(list(stored))
    for uri in decoded:
        assert CROCKFORD_URI.match(uri)
        assert resolve(app, uri) == (batch["id"], stored[uri][0])
    assert "Hồ tiêu đen Chư Sê" in " ".join(pdf_text(units.data, tmp_path).split())


def test_single_png_and_svg_labels_decode(app, client, farm, complete_batch, zxing, tmp_path):
    batch = complete_batch()
    base = f"/api/v1/batches/{batch['id']}"
    png = client.get(f"{base}/label.png?layout=roll-40x25&dpi=300", headers=farm.headers)
    assert png.status_code == 200 and png.mimetype == "image/png"
    with Image.open(io.BytesIO(png.data)) as image:
        assert round(image.info["dpi"][0]) == 300
        assert image.size == (472, 295)  # 40 × 25 mm at 300 dpi
        assert decode_image(zxing, image) == [batch["public_uri"]]
    farm.post(f"/batches/{batch['id']}/units", {"count": 2})
    uri, (unit_id, serial) = sorted(stored_unit_uris(app, batch["id"]).items())[0]
    svg = client.get(f"{base}/label.svg?unit_id={unit_id}", headers=farm.headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.data.decode()
    assert "<path " in body and f">Số: {serial}</text>" in body and ">Cà phê nhân xanh" in body
    rsvg = require_tool("rsvg-convert", "librsvg2-bin")
    (tmp_path / "label.svg").write_bytes(svg.data)
    subprocess.run(  # noqa: S603 (a found tool, our files)
        [
            rsvg,
            "-d",
            "300",
            "-p",
            "300",
            "-b",
            "white",
            "-o",
            str(tmp_path / "svg.png"),
            str(tmp_path / "label.svg"),
        ],
        check=True,
        timeout=60,
    )
    with Image.open(tmp_path / "svg.png") as image:
        assert decode_image(zxing, image) == [uri]
    unit_png = client.get(f"{base}/label.png?unit_id={unit_id}", headers=farm.headers)
    with Image.open(io.BytesIO(unit_png.data)) as image:
        assert decode_image(zxing, image) == [uri]
    assert client.get(f"{base}/label.png?unit_id=999999", headers=farm.headers).status_code == 404


def test_uris_follow_gs1_digital_link_syntax(app, farm, complete_batch, biip):
    batch = complete_batch(expiry_date="2027-11-20")
    farm.post(f"/batches/{batch['id']}/units", {"count": 3})
    uris = [batch["public_uri"], *stored_unit_uris(app, batch["id"])]
    for uri in uris:
        parsed = biip.parse(uri)
        assert parsed.gs1_digital_link_uri_error is None, uri
        assert parsed.gtin_error is None and parsed.gtin.value == GTIN
        ais = [element.ai.ai for element in parsed.gs1_digital_link_uri.element_strings]
        assert ais[:2] == ["01", "10"] and ais[2:] in ([], ["21"])
        values = {e.ai.ai: e.value for e in parsed.gs1_digital_link_uri.element_strings}
        assert values["10"] == batch["lot_code"]
    with app.test_request_context():
        from trace.services.uris import public_uri

        full = public_uri(db.session.get(Batch, batch["id"]), with_attributes=True)
    parsed = biip.parse(full)
    assert parsed.gs1_digital_link_uri_error is None
    dates = {e.ai.ai: e.date for e in parsed.gs1_digital_link_uri.element_strings}
    assert str(dates["17"]) == "2027-11-20" and str(dates["7007"]) == "2026-11-01"


def test_qualifier_order_and_attributes_match_gs1_syntax_dictionary():
    path = STANDARDS / "gs1-syntax-dictionary.txt"
    if not path.exists():
        unavailable(f"GS1 syntax dictionary not found at {path}")
    entries = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            ai, rest = line.split(None, 1)
            entries[ai] = rest
    # Our paths are /01/…/10/…/21/…: qualifiers of 01 in the dictionary's order.
    dlpkey = re.search(r"dlpkey=([0-9,|]+)", entries["01"]).group(1)
    assert dlpkey.split("|")[0].split(",")[1:] == ["10", "21"]
    for attribute in ("17", "7007", "422"):  # the optional query attributes
        flags = entries[attribute].split()[0]
        assert "?" in flags, attribute


def test_every_layout_keeps_modules_printable_for_long_uris(ctx):
    long_base = "https://truyxuat.sonongnghiep.gialai.gov.vn"
    uri = f"{long_base}/01/{GTIN}/10/ABCDEFGHJK-2345678901/21/10000"
    for key, report in labels.qr_report(uri).items():
        assert report["module_mm"] >= MIN_MODULE_MM, (key, report)


def test_label_text_is_nfc_and_fits(ctx):
    decomposed = unicodedata.normalize("NFD", "Cà phê Đăk Đoa")
    batch = Batch(
        lot_code="261127-ABCDEFGH",
        public_code="0" * 13,
        product=Product(name=decomposed),
        organization=Organization(name="HTX Cà phê"),
    )
    facts = facts_for(batch)
    assert facts.product == unicodedata.normalize("NFC", decomposed)
    for layout in labels.LAYOUTS.values():
        text = lay_out(facts, layout, serial_sample="10000")
        assert text.serial is not None and text.lines[0].text.startswith("Cà phê")
        bottom = min(line.y for line in (*text.lines, text.serial))
        assert bottom >= layout.padding - 0.5


def test_the_resolver_accepts_look_alikes_and_rejects_junk(app, farm, complete_batch):
    batch = complete_batch(gtin=None)
    code = CROCKFORD_URI.match(batch["public_uri"]).group("code")
    assert resolve(app, f"https://x/q/{code.lower()}") == (batch["id"], None)
    for junk in ("https://x/q/not a code!", "https://x/q/", "https://x/01/123/10/LOT"):
        with pytest.raises(Malformed):
            resolve(app, junk)
    assert resolve(app, f"https://x/01/{GTIN}/10/NO-SUCH-LOT") is None


def test_both_encoders_make_symbols_that_decode(ctx, zxing):
    from labels import images
    from labels.qr import encode, encode_python, encoder_name

    if encoder_name() != "libqrencode":
        unavailable("libqrencode is not installed (apt-get install libqrencode4)")
    uri = f"https://htx.example.vn/01/{GTIN}/10/261127-ABCDEFGH/21/2000"
    layout = labels.LAYOUTS["roll-40x25"]
    text = lay_out(facts_for(transient_batch()), layout, serial_sample="2000")
    for symbol in (encode(uri), encode_python(uri)):
        assert symbol.size == 17 + 4 * symbol.version
        png = images.render_png(layout, text, symbol, "2000", 300)
        with Image.open(io.BytesIO(png)) as image:
            assert decode_image(zxing, image) == [uri]
