"""Hostile files: image uploads (bombs, fakes, wrong types) through the API and the web,
and member imports (zip bombs, fake workbooks) whose cells are shown inertly.
"""

import gc
import io
import struct
import zipfile
import zlib

import pytest
from markupsafe import escape
from PIL import Image

from core.extensions import db
from registry.models import MemberHousehold
from tests.conftest import csrf_token, row_count
from tests.hostile_corpus import (
    HOSTILE_TEXT,
    assert_inert,
)
from trace.models import Product

# Large multipart bodies are spooled to temporary files by werkzeug's test client; they are
# collected here, inside the test that made them, rather than warned about in the next one.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)


@pytest.fixture(autouse=True)
def _collect_spooled_files():
    yield
    gc.collect()


@pytest.fixture
def coop_a(login, world):
    return login(world["users"]["coop_a"])


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
