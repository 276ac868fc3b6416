"""The web UI on a phone-sized screen, in a real browser (Playwright driving Debian's Chromium).

The app is served by a real HTTP server in a thread; the browser logs in through the
login page, checks that no page scrolls sideways at 360 px, switches language,
registers an organization and logs out. Screenshots go to ``test-artifacts/``.
The browser is Debian's (``apt-get install chromium``), never one Playwright downloads.
"""

import pytest
from flask import url_for
from playwright.sync_api import Page, expect

from tests.browser_helpers import fits_the_phone
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def path_for(app, endpoint: str, **values) -> str:
    """The path of an endpoint, built by the app itself."""
    with app.test_request_context():
        return url_for(endpoint, **values)


def log_in(page: Page, base_url: str, email: str, name: str) -> None:
    """Log in through the login page, checking it on the way."""
    page.goto(f"{base_url}/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    fits_the_phone(page, f"{name}-login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")
    fits_the_phone(page, f"{name}-home")


def log_out(page: Page, base_url: str) -> None:
    """Log out with the button in the top bar."""
    page.locator("header form[action$='/logout'] button").click()
    page.wait_for_url(f"{base_url}/login")
    expect(page.locator("main input[name=password]")).to_be_visible()


def fill(page: Page, name: str, value: str) -> None:
    """Fill a form field, whether it is a text input, a select or a set of radio buttons."""
    field = page.locator(f"main form [name={name}]")
    if field.count() > 1:
        field.locator(f"xpath=self::*[@value='{value}']").check()
    elif field.evaluate("element => element.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def test_cooperative_user_on_a_phone(app, base_url, page, make_org, make_user):
    org_id = make_org("cooperative", name="HTX Nông nghiệp Cà phê Đak Đoa")
    make_user("cooperative", org_id, email="htx.dakdoa@gialai.example")
    log_in(page, base_url, "htx.dakdoa@gialai.example", "cooperative")

    page.goto(base_url + path_for(app, "registry.organization", org_id=org_id))
    expect(page.locator("main")).to_contain_text("HTX Nông nghiệp Cà phê Đak Đoa")
    fits_the_phone(page, "cooperative-organization")

    page.locator("a[hreflang=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    fits_the_phone(page, "cooperative-organization-en")
    page.locator("a[hreflang=vi]").click()
    expect(page.locator("html")).to_have_attribute("lang", "vi")

    log_out(page, base_url)


def test_department_registers_an_organization(app, base_url, page, make_user):
    make_user("department_admin", email="so.nnmt@gialai.example")
    log_in(page, base_url, "so.nnmt@gialai.example", "department")

    page.goto(base_url + path_for(app, "registry.organizations"))
    fits_the_phone(page, "department-organizations")

    page.goto(base_url + path_for(app, "registry.organization_new"))
    fits_the_phone(page, "department-organization-new")
    name = "HTX Nông nghiệp Dịch vụ Chanh leo Ia Grai"
    fill(page, "kind", "cooperative")
    fill(page, "name", name)
    fill(page, "registration_code", "5907123456")
    fill(page, "admin_unit", "23764")  # Xã Ia Grai
    fill(page, "main_products", "Chanh leo tím")
    page.locator("main form:has([name=registration_code]) [type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("main .field-error")).to_have_count(0)

    page.goto(base_url + path_for(app, "registry.organizations"))
    expect(page.locator("main")).to_contain_text(name)
    fits_the_phone(page, "department-organizations-after")

    log_out(page, base_url)
