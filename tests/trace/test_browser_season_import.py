"""A cooperative imports its season on a phone-sized screen, in a real browser: it
downloads the template, uploads a file with one bad row, reads the report, downloads the
file back with its messages, fixes the row and imports it."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser_helpers import fits_the_phone
from tests.conftest import PASSWORD
from tests.trace.season_helpers import LOT_HEADER, lot_rows, season

pytestmark = pytest.mark.browser
__all__ = ["season"]


def test_upload_a_bad_row_read_the_report_fix_and_import(
    app, base_url, page, world, season, tmp_path
):
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("a@htx.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")

    page.goto(f"{base_url}/trace/imports")
    fits_the_phone(page, "season-import")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp mẫu XLSX").click()
    template = tmp_path / "mau.xlsx"
    download.value.save_as(template)
    assert load_workbook(template).sheetnames[1] == "Danh sách"

    rows = lot_rows(3)
    rows[2] = rows[2].replace(",Làng Kon,", ",Làng Kông,")  # L00002: no such growing area
    bad = tmp_path / "mua-vu.csv"
    bad.write_text("\n".join([LOT_HEADER, *rows]) + "\n", encoding="utf-8")
    page.locator("#f-file").set_input_files(bad)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()
    report = page.locator("#import-errors li")
    expect(report).to_have_count(1)
    expect(report.first).to_contain_text("Dòng 4 · Vùng trồng")
    expect(report.first).to_contain_text("Vùng trồng")
    expect(report.first).to_contain_text("Làng Kông")
    fits_the_phone(page, "season-import-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp kèm các lỗi").click()
    back = tmp_path / "mua-vu-loi.csv"
    download.value.save_as(back)
    lines = back.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].endswith(",Lỗi") and "Làng Kông" in lines[3].rsplit(",", 1)[1]

    bad.write_text("\n".join([LOT_HEADER, *lot_rows(3)]) + "\n", encoding="utf-8")
    page.locator("#f-file").set_input_files(bad)
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("#import-done")).to_contain_text("Đã nhập: 3")
    fits_the_phone(page, "season-import-done")
    page.get_by_role("link", name="Xem các lô").click()
    expect(page.locator("main")).to_contain_text("L00003")
