"""The department's indicators dashboard in a real browser (Playwright driving Debian's Chromium).

On a laptop-sized window the department logs in through the login page, reads both
numbers, follows the linkage rate down to the cooperatives not yet linked and downloads
that list as XLSX, which openpyxl opens. On a 360 px phone the dashboard must not scroll
sideways and every chart must fit the screen. Screenshots go to ``test-artifacts/``.
"""

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.browser_helpers import ARTIFACTS, PHONE
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser
LAPTOP = {"width": 1280, "height": 800}


def log_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


@pytest.fixture
def laptop(browser):
    """A laptop-sized page in Vietnamese that accepts downloads; fails on any server error."""
    context = browser.new_context(viewport=LAPTOP, locale="vi-VN", accept_downloads=True)
    page = context.new_page()
    server_errors = []
    page.on("response", lambda r: server_errors.append(r.url) if r.status >= 500 else None)
    yield page
    context.close()
    assert server_errors == [], f"server errors: {server_errors}"


def test_department_reads_both_numbers_drills_down_and_downloads(
    laptop, base_url, world, dash_scenario, tmp_path
):
    page = laptop
    log_in(page, base_url, "so@nnmt.gialai.gov.vn")
    page.locator("header nav details:has(a[href='/indicators/']) > summary").click()
    page.locator("header nav a[href='/indicators/']").click()
    page.wait_for_url(f"{base_url}/indicators/")
    expect(page.locator("#linkage-rate .rate")).to_have_text("50,0%")
    expect(page.locator("#traceability-rate .rate")).to_have_text("50,0%")
    expect(page.locator("#definitions")).to_be_visible()
    expect(page.locator("#by-commune .chart-commune-linkage .bar")).to_have_count(2)
    page.screenshot(path=ARTIFACTS / "indicators-dashboard.png", full_page=True)

    page.locator("#unlinked-count").click()
    page.wait_for_url(f"{base_url}/indicators/unlinked*")
    rows = page.locator("#drilldown tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("HTX Hồ tiêu Chư Sê")
    expect(rows.first).to_contain_text("0269 3820 111")

    with page.expect_download() as info:
        page.locator("a[data-format=xlsx]").click()
    saved = tmp_path / info.value.suggested_filename
    info.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(saved).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(values) == 2
    assert values[1][:3] == ["HTX Hồ tiêu Chư Sê", "Xã Chư Sê", "0269 3820 111"]


def test_dashboard_and_charts_fit_a_phone(page, base_url, world, dash_scenario):
    log_in(page, base_url, "so@nnmt.gialai.gov.vn")
    page.goto(f"{base_url}/indicators/")
    expect(page.locator("#linkage-rate .rate")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "indicators-phone.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{width} px wide on a {PHONE['width']} px screen"
    charts = page.locator(".chart")
    expect(charts).to_have_count(4)
    for index in range(charts.count()):
        box = charts.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["height"] > 50, box
    page.goto(f"{base_url}/indicators/unlinked")
    expect(page.locator("#drilldown tbody tr")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "indicators-unlinked-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
