"""A cooperative walks a plot's boundary in a real browser (Debian's Chromium) with the
phone's GPS emulated: four corners of a ~1 ha square near Pleiku at 3 m are saved with their
area; a walk with one corner at 25 m is refused naming that corner. Without JavaScript the
page says what GPS walking needs and where the file import is."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from eudr.models import Plot
from tests.browser_helpers import ARTIFACTS, PHONE, fits_the_phone
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

# A square of about 100 m a side in Gia Lai, south-west corner first, walked anticlockwise.
SW = (13.980013, 108.000017)
DLAT, DLON = 0.000904, 0.000926
CORNERS = [SW, (SW[0], SW[1] + DLON), (SW[0] + DLAT, SW[1] + DLON), (SW[0] + DLAT, SW[1])]


def _log_in(page, base_url):
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("a@htx.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def _walk(page, accuracies):
    for number, ((lat, lon), accuracy) in enumerate(zip(CORNERS, accuracies, strict=True), 1):
        page.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": accuracy})
        expect(page.locator("#walk-accuracy")).to_have_attribute("data-fix", f"{lat:.7f},{lon:.7f}")
        page.locator("#record-corner").click()
        expect(page.locator("#corners li")).to_have_count(number)


def _plots(app):
    with app.app_context():
        return [(p.name, p.area_ha, p.walk_accuracies_m) for p in db.session.scalars(select(Plot))]


def test_a_cooperative_walks_a_plot_with_the_phones_gps(app, base_url, page, farm, world):
    site = farm.site()
    page.context.grant_permissions(["geolocation"], origin=base_url)
    page.context.set_geolocation({"latitude": SW[0], "longitude": SW[1], "accuracy": 3})
    _log_in(page, base_url)
    page.goto(f"{base_url}/eudr/sites/{site['id']}/plots")
    page.locator("#walk-link").click()
    expect(page.locator("#walk")).to_be_visible()
    expect(page.locator("#walk-needs-js")).to_be_hidden()

    _walk(page, [3, 3, 3, 3])
    expect(page.locator("#walk-accuracy")).to_have_text("Độ chính xác hiện tại: 3 m")
    page.context.set_geolocation({"latitude": 13.9812, "longitude": 108.0011, "accuracy": 4})
    expect(page.locator("#walk-accuracy")).to_have_text("Độ chính xác hiện tại: 4 m")
    page.locator("#record-corner").click()
    expect(page.locator("#corners li")).to_have_count(5)
    page.locator("#undo-corner").click()
    expect(page.locator("#corners li")).to_have_count(4)
    expect(page.locator("#walk-outline circle")).to_have_count(4)
    page.locator("#f-name").fill("Thửa đi bộ Ia Kênh")
    page.locator("#f-production_since").fill("2014-06-01")
    page.locator(f"input[name=household_ids][value='{world['member_a']}']").check()
    fits_the_phone(page, "eudr-walk")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=ARTIFACTS / "eudr-walk-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.locator("#save-walk").click()
    page.wait_for_url(f"{base_url}/eudr/sites/{site['id']}/plots#plot-*")
    expect(page.locator(".walk-accuracies")).to_contain_text("1: ±3, 2: ±3, 3: ±3, 4: ±3")
    ((name, area, accuracies),) = _plots(app)
    assert name == "Thửa đi bộ Ia Kênh" and 0.98 < area < 1.02
    assert accuracies == [3, 3, 3, 3]
    fits_the_phone(page, "eudr-walk-saved")

    page.goto(f"{base_url}/eudr/sites/{site['id']}/plots/walk")
    _walk(page, [3, 25, 3, 3])
    expect(page.locator("#corners li.corner-refused")).to_have_count(1)
    expect(page.locator("#corners li").nth(1)).to_contain_text("Góc 2")
    # The refused corner stays an item of the list, as its neighbours (no block of its own).
    expect(page.locator("#corners li").nth(1)).to_have_css("display", "list-item")
    page.locator("#f-name").fill("Thửa sai số lớn")
    page.locator("#save-walk").click()
    page.wait_for_load_state()
    expect(page.locator(".form-alert")).to_contain_text(
        "Góc 2 chỉ định vị được với sai số 25 m, kém hơn mức 10 m cho phép"
    )
    expect(page.locator("#corners li")).to_have_count(4)  # the walk comes back to be mended
    fits_the_phone(page, "eudr-walk-refused")
    assert [row[0] for row in _plots(app)] == ["Thửa đi bộ Ia Kênh"]


def test_without_javascript_the_page_points_to_the_file_import(base_url, browser, farm, world):
    site = farm.site()
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale="vi-VN")
    page = context.new_page()
    try:
        _log_in(page, base_url)
        page.goto(f"{base_url}/eudr/sites/{site['id']}/plots/walk")
        note = page.locator("#walk-needs-js")
        expect(note).to_be_visible()
        expect(note).to_contain_text("cần bật JavaScript và cho phép trang dùng vị trí")
        expect(note).to_contain_text(f"/api/v1/eudr/sites/{site['id']}/plots/import")
        expect(page.locator("#walk")).to_be_hidden()
        fits_the_phone(page, "eudr-walk-no-js")
    finally:
        context.close()
