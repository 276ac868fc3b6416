"""Each role's home page in a real browser at 360 and 1280 px (issue 20 items 1 and 6):
the panels are there, nothing scrolls sideways, and the screenshots are kept in
test-artifacts/ (home-<role>-360.png, home-<role>-1280.png)."""

import pytest

from tests.browser_helpers import ARTIFACTS, fits_the_phone
from tests.conftest import PASSWORD
from tests.linkage_helpers import contract_body
from tests.recall_helpers import build_chain

WIDE = {"width": 1280, "height": 900}

# role: (e-mail, panels its home must show)
ROLES = {
    "department": (
        "so@nnmt.gialai.gov.vn",
        ["#targets", "#open-recalls", "#linkage-queue"],
    ),
    "cooperative": (
        "a@htx.vn",
        ["#open-recalls", "#contracts-to-confirm", "#deliveries-due", "#untraced-lots"],
    ),
    "enterprise": ("x@dn.vn", ["#open-recalls", "#contracts-to-confirm", "#deliveries-due"]),
}


def _sign_in(page, base_url, email):
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def _wide(page, name):
    page.set_viewport_size(WIDE)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDE["width"], f"{name}: {width} px wide"


@pytest.mark.browser
def test_each_roles_home_at_360_and_1280(farm, buyer, linkage, world, page, base_url, no_smtp):
    chain = build_chain(farm, buyer)
    farm.post(
        "/recalls",
        {"batch_id": chain.id("RAW"), "reason": "Dư lượng thuốc vượt mức", "severity": "serious"},
    )
    linkage.signed_contract()  # in force, nothing delivered: late for both parties
    body = contract_body(world["coop_a"], "HĐLK-02/2026")
    linkage.call("post", "/contracts", linkage.ent, body, expect=201)  # a draft to confirm
    for role, (email, panels) in ROLES.items():
        page.set_viewport_size({"width": 360, "height": 740})
        _sign_in(page, base_url, email)
        for panel in panels:
            assert page.locator(panel).count() == 1, (role, panel)
        fits_the_phone(page, f"home-{role}-360")
        _wide(page, f"home-{role}-1280")
        page.context.clear_cookies()


@pytest.mark.browser
def test_the_empty_installations_home_at_360_and_1280(make_user, page, base_url):
    make_user("department_admin", email="admin@nnmt.gialai.gov.vn")
    _sign_in(page, base_url, "admin@nnmt.gialai.gov.vn")
    assert page.locator("#getting-started li").count() == 7
    fits_the_phone(page, "home-empty-360")
    _wide(page, "home-empty-1280")
