"""Labels: unit codes, PNG/SVG labels and PDF sheets, decoded back with real tools.

Sheets are rasterised with pdftoppm (Debian's poppler-utils) and every QR is
decoded with zxing-cpp, an encoder-independent decoder; SVG is rendered with
rsvg-convert (librsvg2-bin). Without those tools the tests skip, except under
CI, where they fail.
"""

import io
import os
import re
import shutil
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from registry.models import Organization, User
from tests.trace_helpers import GTIN
from trace.models import Batch, Product, UnitCode
from trace.services import labels
from trace.services.labels.content import facts_for, lay_out
from trace.services.labels.layouts import MIN_MODULE_MM

STANDARDS = Path(__file__).resolve().parents[2] / "shared" / "standards" / "gs1"
CROCKFORD_URI = re.compile(r"^(?P<base>.+)/q/(?P<code>[0-9A-HJKMNP-TV-Z]{13})$")
COFFEE = "Cà phê nhân xanh Robusta"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required under CI)")
    pytest.skip(reason)


def _tool(name: str, package: str) -> str:
    path = shutil.which(name)
    if path is None:
        _unavailable(f"{name} is not installed (apt-get install {package})")
    return path


@pytest.fixture
def zxing():
    try:
        import zxingcpp
    except ImportError:
        _unavailable("zxing-cpp is not installed (pip install -r requirements-dev.txt)")
    return zxingcpp


@pytest.fixture
def biip():
    try:
        import biip
    except ImportError:
        _unavailable("biip is not installed (pip install -r requirements-dev.txt)")
    return biip


def decode_image(zxing, image: Image.Image) -> list[str]:
    """Every QR code zxing-cpp finds in the image."""
    found = zxing.read_barcodes(image, formats=zxing.BarcodeFormat.QRCode)
    return [barcode.text for barcode in found]


def decode_pdf(zxing, data: bytes, folder: Path, first=None, last=None) -> list[str]:
    """Rasterise the PDF at 300 dpi with pdftoppm and decode every QR of every page."""
    pdftoppm = _tool("pdftoppm", "poppler-utils")
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
    pdftotext = _tool("pdftotext", "poppler-utils")
    (folder / "text.pdf").write_bytes(data)
    done = subprocess.run(  # noqa: S603 (a found tool, our files)
        [pdftotext, "-enc", "UTF-8", str(folder / "text.pdf"), "-"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return done.stdout.decode()


def pdf_pages(data: bytes, folder: Path) -> int:
    pdfinfo = _tool("pdfinfo", "poppler-utils")
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
    """What our lookups make of a decoded URI: (batch id, unit id or None), or None."""
    path = urlsplit(uri).path
    with app.test_request_context():
        if match := re.fullmatch(r"/q/([^/]+)", path):
            found = labels.resolve_code(match.group(1))
        else:
            parts = [unquote(part) for part in path.strip("/").split("/")]
            keys = dict(zip(parts[::2], parts[1::2], strict=True))
            found = labels.resolve_gs1(keys["01"], keys["10"], keys.get("21"))
        return (found.batch.id, found.unit.id if found.unit else None) if found else None


def label_issued(app, batch_id: int):
    with app.app_context():
        return db.session.get(Batch, batch_id).label_issued_at


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
    rsvg = _tool("rsvg-convert", "librsvg2-bin")
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
        _unavailable(f"GS1 syntax dictionary not found at {path}")
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


def test_incomplete_batch_gets_no_label_and_names_what_is_missing(app, client, farm):
    product = farm.product(gtin=GTIN)
    batch = farm.batch(product["id"], 100)
    report = farm.get(f"/batches/{batch['id']}/completeness")
    wanted = [i["label"] for i in report["checklist"] if not i["ok"] and i["key"] != "label"]
    assert wanted
    base = f"/api/v1/batches/{batch['id']}"
    for response in (
        client.get(f"{base}/label.png", headers=farm.headers),
        client.get(f"{base}/label.svg", headers=farm.headers),
        client.get(f"{base}/labels.pdf?layout=a4-4x10", headers=farm.headers),
        client.post(f"{base}/units", json={"count": 5}, headers=farm.headers),
    ):
        assert response.status_code == 422, response.json
        assert response.json["errors"]["batch"] == wanted
    assert label_issued(app, batch["id"]) is None
    with app.app_context():
        assert db.session.scalar(select(func.count(UnitCode.id))) == 0


def test_minting_2000_units_gives_2000_codes_and_one_pdf(
    app, client, farm, complete_batch, zxing, tmp_path
):
    batch = complete_batch()
    minted = farm.post(f"/batches/{batch['id']}/units", {"count": 2000})
    assert (minted["first_serial"], minted["last_serial"]) == ("1", "2000")
    with app.app_context():
        rows = db.session.execute(
            select(UnitCode.serial, UnitCode.public_code).where(UnitCode.batch_id == batch["id"])
        ).all()
        batch_codes = set(db.session.scalars(select(Batch.public_code)))
    assert len(rows) == 2000 and len({r.public_code for r in rows}) == 2000
    assert {r.serial for r in rows} == {str(n) for n in range(1, 2001)}
    assert not batch_codes & {r.public_code for r in rows}
    response = client.get(
        f"/api/v1/batches/{batch['id']}/labels.pdf?layout=a4-4x10&units=all", headers=farm.headers
    )
    assert response.status_code == 200
    assert pdf_pages(response.data, tmp_path) == 50  # 2,000 labels, 40 a page
    assert pdf_text(response.data, tmp_path).count("Số: ") == 2000
    last_page = decode_pdf(zxing, response.data, tmp_path, first=50, last=50)
    stored = stored_unit_uris(app, batch["id"])
    assert sorted(int(stored[uri][1]) for uri in last_page) == list(range(1961, 2001))
    more = farm.post(f"/batches/{batch['id']}/units", {"count": 5})
    assert (more["first_serial"], more["last_serial"]) == ("2001", "2005")
    listed = client.get(f"/api/v1/batches/{batch['id']}/units?page_size=3", headers=farm.headers)
    assert [u["serial"] for u in listed.json] == ["1", "2", "3"]
    assert listed.json[0]["uri"].endswith("/21/1")


@pytest.mark.parametrize("count", [0, 10_001, -1, "12", 2.5, True, None])
def test_unit_count_out_of_range_is_refused_on_the_field(client, farm, complete_batch, count):
    batch = complete_batch()
    body = {} if count is None else {"count": count}
    response = client.post(f"/api/v1/batches/{batch['id']}/units", json=body, headers=farm.headers)
    assert response.status_code == 422
    assert "count" in response.json["errors"]


def test_scoping_other_cooperative_department_enterprise(
    app, client, world, farm, complete_batch, token_for
):
    batch = complete_batch()
    base = f"/api/v1/batches/{batch['id']}"
    coop_b = token_for(world["users"]["coop_b"])
    department = token_for(world["users"]["department"])
    enterprise = token_for(world["users"]["ent_x"])
    for headers in (coop_b, enterprise):
        assert client.get(f"{base}/label.png", headers=headers).status_code == 404
        assert client.get(f"{base}/labels.pdf?layout=a4-3x8", headers=headers).status_code == 404
        assert client.post(f"{base}/units", json={"count": 1}, headers=headers).status_code == 404
        assert client.get(f"{base}/units", headers=headers).status_code == 404
    assert client.get(f"{base}/label.svg", headers=department).status_code == 200
    assert label_issued(app, batch["id"]) is None  # viewing is not issuing
    refused = client.post(f"{base}/units", json={"count": 1}, headers=department)
    assert refused.status_code == 403
    assert client.get(f"{base}/label.png").status_code == 401


def test_first_print_issues_the_label(app, client, world, farm, complete_batch):
    batch = complete_batch()
    with app.test_request_context():
        user = db.session.get(User, world["users"]["coop_a"])
        preview = labels.label_png(user, batch["id"], dpi=150, issue=False)
        assert preview.startswith(b"\x89PNG")
        db.session.commit()
    assert label_issued(app, batch["id"]) is None  # a preview issues nothing
    response = client.get(
        f"/api/v1/batches/{batch['id']}/labels.pdf?layout=roll-50x30", headers=farm.headers
    )
    assert response.status_code == 200
    first = label_issued(app, batch["id"])
    assert first is not None
    assert farm.get(f"/batches/{batch['id']}/completeness")["traced"] is True
    client.get(f"/api/v1/batches/{batch['id']}/label.png", headers=farm.headers)
    assert label_issued(app, batch["id"]) == first


@pytest.mark.parametrize(
    ("field", "value"),
    [("lot_code", "LOT-NEW-1"), ("expiry_date", "2028-01-31"), ("harvest_date", None)],
)
def test_what_a_printed_label_shows_cannot_be_changed(client, farm, complete_batch, field, value):
    batch = complete_batch()
    printed = client.get(
        f"/api/v1/batches/{batch['id']}/labels.pdf?layout=roll-50x30", headers=farm.headers
    )
    assert printed.status_code == 200
    body = {
        "product_id": batch["product_id"],
        "quantity": 500,
        "lot_code": batch["lot_code"],
        "harvest_date": "2026-11-01",
        "packing_date": "2026-11-20",
        "expiry_date": "2027-11-20",
        "households": [{"member_id": farm.world["member_a"], "quantity": 500}],
    }
    changed = {key: val for key, val in {**body, field: value}.items() if val is not None}
    response = client.put(f"/api/v1/batches/{batch['id']}", json=changed, headers=farm.headers)
    assert response.status_code == 409, response.json
    assert list(response.json["errors"]) == [field]
    assert field in response.json["errors"][field][0]
    assert farm.get(f"/batches/{batch['id']}")[field] == batch[field]


def test_layouts_listed_and_bad_choices_refused(client, farm, complete_batch):
    listed = farm.get("/labels/layouts")
    assert [layout["key"] for layout in listed] == [
        "a4-3x8",
        "a4-4x10",
        "roll-50x30",
        "roll-40x25",
    ]
    assert listed[0]["per_page"] == 24 and listed[1]["per_page"] == 40
    batch = complete_batch()
    base = f"/api/v1/batches/{batch['id']}"
    for url, field in (
        (f"{base}/labels.pdf?layout=a5", "layout"),
        (f"{base}/labels.pdf", "layout"),
        (f"{base}/labels.pdf?layout=a4-3x8&units=some", "units"),
        (f"{base}/labels.pdf?layout=a4-3x8&copies=0", "copies"),
        (f"{base}/label.png?dpi=1200", "dpi"),
    ):
        response = client.get(url, headers=farm.headers)
        assert response.status_code == 422 and field in response.json["errors"], url
    no_units = client.get(f"{base}/labels.pdf?layout=a4-3x8&units=all", headers=farm.headers)
    assert no_units.status_code == 422 and "units" in no_units.json["errors"]


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


def test_resolve_code_accepts_look_alikes_and_rejects_junk(app, farm, complete_batch):
    batch = complete_batch(gtin=None)
    code = CROCKFORD_URI.match(batch["public_uri"]).group("code")
    assert resolve(app, f"https://x/q/{code.lower()}") == (batch["id"], None)
    with app.test_request_context():
        assert labels.resolve_code("not a code!") is None
        assert labels.resolve_code("") is None
        assert labels.resolve_gs1("123", "LOT") is None


def test_both_encoders_make_symbols_that_decode(ctx, zxing):
    from trace.services.labels import images
    from trace.services.labels.qr import encode, encode_python, encoder_name

    if encoder_name() != "libqrencode":
        _unavailable("libqrencode is not installed (apt-get install libqrencode4)")
    uri = f"https://htx.example.vn/01/{GTIN}/10/261127-ABCDEFGH/21/2000"
    layout = labels.LAYOUTS["roll-40x25"]
    text = lay_out(facts_for(_transient_batch()), layout, serial_sample="2000")
    for symbol in (encode(uri), encode_python(uri)):
        assert symbol.size == 17 + 4 * symbol.version
        png = images.render_png(layout, text, symbol, "2000", 300)
        with Image.open(io.BytesIO(png)) as image:
            assert decode_image(zxing, image) == [uri]


def _transient_batch() -> Batch:
    return Batch(
        lot_code="261127-ABCDEFGH",
        public_code="0" * 13,
        product=Product(name=COFFEE),
        organization=Organization(name="HTX Cà phê Đăk Đoa"),
    )
