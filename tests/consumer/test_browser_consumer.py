"""The consumer page on a phone, in a real browser (Playwright driving Debian's Chromium).

A lot is made through the API; the browser opens its QR URI at 360×740, finds the
origin, the history and the certificates, switches to English, and sees the recall
banner once the lot is recalled. Screenshots go to ``test-artifacts/``. The browser
is Debian's (``apt-get install chromium``), never one Playwright downloads.
"""

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser_helpers import PHONE, fits_the_phone
from tests.consumer_helpers import make_lot, set_status, vietnamese
from trace.models import BatchStatus

pytestmark = pytest.mark.browser


def test_consumer_page_on_a_phone(app, base_url, page, farm):
    lot = make_lot(farm)
    page.goto(f"{base_url}/q/{lot['code']}")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cà phê nhân xanh Robusta")
    origin = page.locator("#origin")
    expect(origin).to_contain_text("Vùng trồng cà phê Làng Kon")
    expect(origin).to_contain_text("Đak Đoa")
    expect(origin).to_contain_text("VN-52-CF-0001")
    expect(page.locator("#timeline li")).to_have_count(2)
    harvested = vietnamese(app, "Harvested at %(place)s", place="Vùng trồng cà phê Làng Kon")
    expect(page.locator("#timeline")).to_contain_text(harvested)
    certificates = page.locator("#certificates")
    expect(certificates).to_contain_text("VietGAP")
    expect(certificates).to_contain_text("31/12/2028")
    expect(page.locator("#sales")).to_contain_text("Công ty TNHH X")
    expect(page.locator("#recall")).to_have_count(0)
    fits_the_phone(page, "consumer-vi")

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#lot")).to_contain_text("1 Nov 2026")
    expect(page.locator("#timeline")).to_contain_text("Harvested at Vùng trồng cà phê Làng Kon")
    expect(page.locator("#certificates")).to_contain_text("Valid until 31 Dec 2028")
    fits_the_phone(page, "consumer-en")

    set_status(app, lot["batch"]["id"], BatchStatus.RECALLED)
    page.goto(f"{base_url}/01/09520123456788/10/{lot['batch']['lot_code']}")
    banner = page.get_by_role("alert")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("This lot has been recalled")
    expect(page.locator("html")).to_have_attribute("lang", "en")  # the choice was remembered
    box = banner.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]  # seen without scrolling
    fits_the_phone(page, "consumer-recalled")


def test_unknown_code_on_a_phone(app, base_url, page):
    response = page.goto(f"{base_url}/q/ZZZZZZZZZZZZZ")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(vietnamese(app, "Code not found"))
    fits_the_phone(page, "consumer-not-found")


def test_a_picture_leaves_the_lot_in_the_first_screen(app, base_url, page, farm):
    lot = make_lot(farm)
    photo = io.BytesIO()
    Image.new("RGB", (1200, 900), (120, 80, 40)).save(photo, "JPEG")
    uploaded = farm.client.put(
        f"/api/v1/products/{lot['product']['id']}/image",
        data={"image": (io.BytesIO(photo.getvalue()), "ca-phe.jpg")},
        headers=farm.headers,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 200, uploaded.json
    page.goto(f"{base_url}/q/{lot['code']}")
    picture = page.locator("img.product")
    expect(picture).to_be_visible()
    box = picture.bounding_box()
    assert box is not None and box["height"] <= 0.4 * PHONE["height"] + 1
    lot_facts = page.locator("#lot").bounding_box()
    assert lot_facts is not None and lot_facts["y"] < PHONE["height"]  # seen without scrolling
    fits_the_phone(page, "consumer-picture")
