"""The consumer page on a phone, in a real browser (Playwright driving Debian's Chromium).

A lot is made through the API; the browser opens its QR URI at 360×740, finds the
origin, the history and the certificates, switches to English, and sees the recall
banner once the lot is recalled. Screenshots go to ``test-artifacts/``. The browser
is Debian's (``apt-get install chromium``), never one Playwright downloads.
"""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.test_consumer_page import make_lot, set_status, vietnamese
from trace.models import BatchStatus

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless; skipped where it is missing, except under CI."""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def server(app):
    """The app behind a real HTTP server on a free port of 127.0.0.1."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join()
    httpd.server_close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized page; fails the test if any response was a server error."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    server_errors = []
    page.on("response", lambda r: server_errors.append(r.url) if r.status >= 500 else None)
    yield page
    context.close()
    assert server_errors == [], f"server errors: {server_errors}"


def fits_the_phone(page: Page, name: str) -> None:
    """Nothing scrolls sideways at 360 px; a full-page screenshot is kept."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide"
    page.screenshot(path=str(ARTIFACTS / f"consumer-{name}.png"), full_page=True)


def test_consumer_page_on_a_phone(app, server, phone, farm):
    lot = make_lot(farm)
    phone.goto(f"{server}/q/{lot['code']}")
    expect(phone.locator("html")).to_have_attribute("lang", "vi")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cà phê nhân xanh Robusta")
    origin = phone.locator("#origin")
    expect(origin).to_contain_text("Vùng trồng cà phê Làng Kon")
    expect(origin).to_contain_text("Đak Đoa")
    expect(origin).to_contain_text("VN-52-CF-0001")
    expect(phone.locator("#timeline li")).to_have_count(2)
    harvested = vietnamese(app, "Harvested at %(place)s", place="Vùng trồng cà phê Làng Kon")
    expect(phone.locator("#timeline")).to_contain_text(harvested)
    certificates = phone.locator("#certificates")
    expect(certificates).to_contain_text("VietGAP")
    expect(certificates).to_contain_text("31/12/2028")
    expect(phone.locator("#sales")).to_contain_text("Công ty TNHH X")
    expect(phone.locator("#recall")).to_have_count(0)
    fits_the_phone(phone, "vi")

    phone.get_by_role("link", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("#lot")).to_contain_text("1 Nov 2026")
    expect(phone.locator("#timeline")).to_contain_text("Harvested at Vùng trồng cà phê Làng Kon")
    expect(phone.locator("#certificates")).to_contain_text("Valid until 31 Dec 2028")
    fits_the_phone(phone, "en")

    set_status(app, lot["batch"]["id"], BatchStatus.RECALLED)
    phone.goto(f"{server}/01/09520123456788/10/{lot['batch']['lot_code']}")
    banner = phone.get_by_role("alert")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("This lot has been recalled")
    expect(phone.locator("html")).to_have_attribute("lang", "en")  # the choice was remembered
    box = banner.bounding_box()
    assert box is not None and box["y"] < PHONE["height"]  # seen without scrolling
    fits_the_phone(phone, "recalled")


def test_unknown_code_on_a_phone(app, server, phone):
    response = phone.goto(f"{server}/q/ZZZZZZZZZZZZZ")
    assert response.status == 404
    expect(phone.get_by_role("heading", level=1)).to_have_text(vietnamese(app, "Code not found"))
    fits_the_phone(phone, "not-found")
