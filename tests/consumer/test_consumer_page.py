"""The consumer page of a lot (/q/{code}, /01/…): content, language, privacy, lineage.

Caching is in test_consumer_page_cache.py, scan counting in test_consumer_page_scans.py.
"""

import io
import re

import pytest
from PIL import Image

from tests.consumer_helpers import (
    CONTRACT,
    in_english,
    make_lot,
    page,
    set_status,
    vietnamese,
)
from tests.trace_helpers import GTIN
from trace.models import BatchStatus


def test_page_shows_origin_dates_certificates_timeline_and_buyer(client, lot):
    in_english(client)
    response = page(client, f"/q/{lot['code']}")
    assert response.status_code == 200
    assert response.content_type.startswith("text/html")
    html = response.get_data(as_text=True)
    assert "Cà phê nhân xanh Robusta" in html
    assert "HTX Cà phê Đăk Đoa" in html
    assert "Vùng trồng cà phê Làng Kon" in html
    assert "Đak Đoa" in html and "Gia Lai" in html  # commune and province
    assert "VN-52-CF-0001" in html  # planting-area code
    assert "1 member farm household grew this lot." in html
    assert lot["batch"]["lot_code"] in html
    assert "1 Nov 2026" in html and "5 Nov 2026" in html  # harvest, packing
    assert "1 Nov 2027" in html  # expiry
    assert "VietGAP" in html and "VG-52-0001" in html and "Valid until 31 Dec 2028" in html
    assert "Harvested at Vùng trồng cà phê Làng Kon" in html
    assert f"Sold to Công ty TNHH X under linkage contract {CONTRACT}" in html
    assert 'id="recall"' not in html


def test_page_is_vietnamese_by_default(app, client, lot):
    response = page(client, f"/q/{lot['code']}")
    html = response.get_data(as_text=True)
    assert '<html lang="vi">' in html and response.headers["Content-Language"] == "vi"
    assert "01/11/2026" in html and "01/11/2027" in html  # 1 Nov 2026: dd/mm/yyyy
    assert vietnamese(app, "History") in html
    assert vietnamese(app, "Valid until %(date)s", date="31/12/2028") in html
    sold = vietnamese(
        app,
        "Sold to %(enterprise)s under linkage contract %(reference)s",
        enterprise="Công ty TNHH X",
        reference=CONTRACT,
    )
    assert sold in html


def test_page_never_shows_household_names_or_phones(client, lot):
    html = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert "Nguyễn Văn An" not in html
    assert "0905123456" not in html


def test_expired_certificate_is_marked(client, farm):
    expired = farm.product(
        name="Hồ tiêu đen",
        standards=[{"kind": "organic", "certificate_number": "OG-1", "expires_on": "2025-06-30"}],
    )
    site = farm.site(planting_area_code=None)
    batch = farm.batch(expired["id"])
    farm.harvest(batch["id"], site["id"])
    html = page(client, f"/q/{batch['public_code']}?lang=en").get_data(as_text=True)
    assert "Expired on 30 Jun 2025" in html


def test_english_switch_is_offered_and_remembered(client, lot):
    vietnamese = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert f'href="/q/{lot["code"]}?lang=en"' in vietnamese
    english = page(client, f"/q/{lot['code']}?lang=en")
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "1 Nov 2026" in html  # dates follow the language
    assert english.headers["Content-Language"] == "en"
    assert "private" in english.headers["Cache-Control"]  # it sets the language cookie
    again = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert '<html lang="en">' in again  # the choice is remembered


def test_recalled_lot_shows_a_banner(app, client, lot):
    set_status(app, lot["batch"]["id"], BatchStatus.RECALLED)
    response = page(client, f"/q/{lot['code']}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="recall"' in html and vietnamese(app, "This lot has been recalled") in html


@pytest.mark.parametrize("path", ["/q/ZZZZZZZZZZZZZ", f"/01/{GTIN}/10/NO-SUCH-LOT"])
def test_unknown_code_is_a_friendly_404(app, client, path):
    response = page(client, path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert vietnamese(app, "Code not found") in html and "<html" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_draft_lot_is_not_public(client, farm):
    product = farm.product()
    draft = farm.batch(product["id"])
    assert page(client, f"/q/{draft['public_code']}").status_code == 404


def test_code_is_read_forgivingly(client, lot):
    typed = lot["code"].lower().replace("0", "o").replace("1", "l")
    assert page(client, f"/q/{typed}").status_code == 200


def test_page_is_small_and_self_contained(client, lot):
    html = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert "<script" not in html
    assert "@font-face" not in html and "fonts.googleapis" not in html
    assert 'rel="stylesheet"' not in html  # the little CSS there is, is inline
    assert len(html.encode()) < 12_000


def test_product_image_is_small_lazy_and_cached_for_good(client, farm, lot):
    buffer = io.BytesIO()
    Image.new("RGB", (1600, 1200), (40, 120, 60)).save(buffer, "JPEG", quality=95)
    upload = farm.client.put(
        f"/api/v1/products/{lot['product']['id']}/image",
        data={"image": (io.BytesIO(buffer.getvalue()), "ca-phe.jpg")},
        headers=farm.headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 200, upload.json
    html = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    src = re.search(r'<img class="product" src="([^"]+)"[^>]*loading="lazy"', html).group(1)
    with client.get(src) as image:
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        assert "immutable" in image.headers["Cache-Control"]
        assert max(Image.open(io.BytesIO(image.data)).size) <= 480
        assert len(image.data) < 40_000
    assert client.get("/img/p/..%2Fsecret.jpg").status_code == 404


def test_a_lot_made_from_another_shows_its_origin_and_contract(client, farm, buyer, world):
    cherries = make_lot(farm, contract=False)  # 1000 kg harvested by the cooperative
    farm.ship(
        cherries["batch"]["id"],
        600,
        world["ent_x"],
        days_ago=4,
        reference={"type": "contract", "id": CONTRACT},
    )
    farm.ship(cherries["batch"]["id"], 200, world["ent_y"], days_ago=4)  # not this lot's story
    roasted = buyer.product(name="Cà phê rang xay Phố Núi", standards=[])
    packing = buyer.transform(
        [(cherries["batch"]["id"], 500)],
        [{"product_id": roasted["id"], "quantity": 450, "packing_date": "2026-11-25"}],
        how="packing",
        days_ago=2,
    )
    packed_id = next(line["batch_id"] for line in packing["lines"] if line["role"] == "output")
    packed = buyer.get(f"/batches/{packed_id}")
    in_english(client)
    html = page(client, f"/q/{packed['public_code']}").get_data(as_text=True)
    assert "Cà phê rang xay Phố Núi" in html and "Công ty TNHH X" in html
    assert "Vùng trồng cà phê Làng Kon" in html and "VN-52-CF-0001" in html
    assert "1 member farm household grew this lot." in html
    assert f"(lot {cherries['batch']['lot_code']}, used to make this lot)" in html
    assert "Packed" in html
    assert html.count(f"Sold to Công ty TNHH X under linkage contract {CONTRACT}") == 2
    assert "Công ty CP Y" not in html
    assert "No standard declared." in html
