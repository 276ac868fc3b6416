"""The cooperative's trace flow on a phone-sized screen, in a real browser.

Playwright drives Debian's Chromium (never a browser Playwright downloads) against the
app served by a real HTTP server in a thread. The cooperative user logs in through the
login page, registers a product with its photo, a growing area and a batch, records the
harvest, and reads the batch page; no page may scroll sideways at 360 px. Screenshots
go to ``test-artifacts/``.
"""

from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser_helpers import fits_the_phone
from tests.conftest import GIA_LAI_COMMUNES, PASSWORD

pytestmark = pytest.mark.browser


def submit(page: Page, form: str = "main form.card") -> None:
    """Press the form's submit button and wait for the next page; it must have no errors."""
    page.locator(f"{form} button[type=submit]").first.click()
    page.wait_for_load_state()
    expect(page.locator("main .field-error")).to_have_count(0)


def test_cooperative_records_a_harvest_on_a_phone(app, base_url, page, world, tmp_path):
    photo = tmp_path / "ca-phe.jpg"
    Image.new("RGB", (800, 600), (120, 80, 40)).save(photo, "JPEG")

    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("a@htx.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")

    page.goto(f"{base_url}/trace/products/new")
    fits_the_phone(page, "trace-product-new")
    page.locator("#f-name").fill("Cà phê nhân xanh Robusta Đăk Đoa")
    page.locator("#f-category").select_option("coffee")
    page.locator("[id='f-standards.0.kind']").select_option("vietgap")
    page.locator("[id='f-standards.0.certificate_number']").fill("VG-52-0001")
    submit(page)
    expect(page.locator("h1")).to_contain_text("Cà phê nhân xanh Robusta Đăk Đoa")
    page.locator("#f-image").set_input_files(photo)
    submit(page, "#photo form")
    expect(page.locator("img.product-photo")).to_be_visible()
    fits_the_phone(page, "trace-product")

    page.goto(f"{base_url}/trace/sites/new")
    page.locator("#f-name").fill("Vùng trồng cà phê Làng Kon")
    page.locator("#f-admin_unit").select_option(GIA_LAI_COMMUNES[0])
    page.locator("#f-area_ha").fill("12,5")
    page.locator("input[name=household_ids]").first.check()
    fits_the_phone(page, "trace-site-new")
    submit(page)

    page.goto(f"{base_url}/trace/batches/new")
    page.locator("#f-product_id").select_option(label="Cà phê nhân xanh Robusta Đăk Đoa")
    page.locator("#f-quantity").fill("1.250,5")
    page.locator("#f-harvest_date").fill((date.today() - timedelta(days=2)).isoformat())
    page.locator("input[name=site_ids]").first.check()
    page.locator(f"#f-hh-{world['member_a']}").fill("1.250,5")
    fits_the_phone(page, "trace-batch-new")
    submit(page)
    expect(page.locator("#traced")).to_have_class("badge badge-untraced")

    page.locator("#record a[href$='/events/harvest/new']").click()
    page.wait_for_load_state()
    page.locator("#f-site_id").select_option(label="Vùng trồng cà phê Làng Kon")
    fits_the_phone(page, "trace-harvest-form")
    submit(page)

    expect(page.locator("#checklist")).to_be_visible()
    expect(page.locator("#checklist li[data-key=tracking_event]")).to_have_class("ok")
    expect(page.locator("#timeline li.event-harvest")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Vùng trồng cà phê Làng Kon")
    expect(page.locator("#held")).to_contain_text("1.250,5")
    fits_the_phone(page, "trace-batch")
    batch_url = page.url

    page.locator("#record a[href$='/events/shipping/new']").click()
    page.wait_for_load_state()
    fits_the_phone(page, "trace-shipping-form")
    page.locator("#f-destination_org_id").select_option(label="Công ty TNHH X")
    page.locator("#f-quantity").fill("1.300")
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#e-quantity")).to_be_visible()
    fits_the_phone(page, "trace-shipping-refused")

    page.goto(page.url.replace("/events/shipping/new", "/events/transformation/new"))
    fits_the_phone(page, "trace-transformation-form")
    page.goto(page.url.replace("/events/transformation/new", "/chain?direction=forward"))
    expect(page.locator("#tree")).to_be_visible()
    fits_the_phone(page, "trace-chain")
    page.goto(f"{base_url}/trace/batches")
    fits_the_phone(page, "trace-batches")
    page.goto(f"{base_url}/trace/products")
    fits_the_phone(page, "trace-products")
    page.goto(f"{base_url}/trace/sites")
    fits_the_phone(page, "trace-sites")

    page.goto(batch_url)
    downloads_the_lots_report(page, tmp_path, "Cà phê nhân xanh Robusta Đăk Đoa")
    page.locator("#trace-data a[href$='/trace/exports']").click()
    page.wait_for_load_state()
    fits_the_phone(page, "trace-exports")
    page.locator("nav.subnav a[href$='/trace/epcis/capture']").click()
    page.wait_for_load_state()
    fits_the_phone(page, "trace-capture")
    not_a_document = {"name": "list.json", "mimeType": "application/json", "buffer": b"[]"}
    page.locator("#f-file").set_input_files(not_a_document)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#e-file")).to_be_visible()
    fits_the_phone(page, "trace-capture-refused")


def downloads_the_lots_report(page: Page, tmp_path, product: str) -> None:
    """Click the batch page's XLSX button: the browser saves a workbook naming the product."""
    with page.expect_download() as download:
        page.locator("#report-xlsx").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    rows = list(load_workbook(saved).active.iter_rows(values_only=True))
    assert saved.suffix == ".xlsx" and len(rows) >= 2
    assert product in {str(cell) for row in rows[1:] for cell in row}
