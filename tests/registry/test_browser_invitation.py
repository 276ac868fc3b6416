"""An administrator invites a user in a real browser, and the user signs in (issue #26).

Playwright drives Debian's Chromium against the app behind a real HTTP server: the
department creates a cooperative user, picking the organization by its name, copies the
invitation link the page shows (no mail server is set), and the user, in a browser of
their own, types a password twice (a first try with two different ones is refused) and
signs in. Screenshots go to ``test-artifacts/``.
"""

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import fits_the_phone
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

CHOSEN = "mật khẩu của tôi 2026"


def test_admin_invites_a_user_who_chooses_a_password_and_signs_in(
    app, base_url, page, browser, world, no_smtp
):
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("so@nnmt.gialai.gov.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")

    # From the cooperative's page: its users, and the action to invite one.
    page.goto(f"{base_url}/registry/organizations/{world['coop_a']}")
    expect(page.locator("#users")).to_contain_text("a@htx.vn")
    page.locator("#invite-user").click()
    page.wait_for_load_state()
    expect(page.locator("#f-organization")).to_have_value("HTX-A-001")
    # Picked by name instead (the datalist offers the names; a typed name works as well).
    page.locator("#f-organization").fill("HTX Cà phê Đăk Đoa")
    page.locator("#f-email").fill("ke.toan@htx.vn")
    page.locator("#f-full_name").fill("Đỗ Thị Kế Toán")
    page.locator("#f-role").select_option("cooperative")
    fits_the_phone(page, "registry-user-new")
    page.locator("#new-user button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("h1")).to_contain_text("ke.toan@htx.vn")
    fits_the_phone(page, "registry-user-invitation-link")
    link = page.locator("#account-link").input_value()
    assert "/account/invitation/" in link

    # The invited user, in a browser of their own.
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
    user = context.new_page()
    try:
        user.goto(link)
        user.locator("#f-new_password").fill(CHOSEN)
        user.locator("#f-new_password_again").fill(CHOSEN + "!")
        user.locator("main button[type=submit]").click()
        user.wait_for_load_state()
        expect(user.locator("#e-new_password_again")).to_be_visible()
        user.locator("#f-new_password").fill(CHOSEN)
        user.locator("#f-new_password_again").fill(CHOSEN)
        fits_the_phone(user, "account-choose-password")
        user.locator("main button[type=submit]").click()
        user.wait_for_url(f"{base_url}/login")
        user.locator("main input[name=email]").fill("ke.toan@htx.vn")
        user.locator("main input[name=password]").fill(CHOSEN)
        user.locator("main button[type=submit]").click()
        user.wait_for_url(f"{base_url}/")
        expect(user.locator("body")).to_contain_text("HTX Cà phê Đăk Đoa")
        # The link worked once.
        assert user.goto(link).status == 404
    finally:
        context.close()
