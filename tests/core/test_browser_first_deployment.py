"""A whole first deployment, walked in a browser from an empty database (issue #26).

The first department administrator is made by the README's command (``flask users
create``); the department follows its getting-started steps: it registers a cooperative
and an enterprise, invites their users (the links the page shows, no mail server being
set: nobody types a password for anyone else) and imports the cooperative's households
from a file. Each invited user chooses a password. On a 360 px phone the cooperative
registers a product, a growing area and a lot, records the harvest with its households,
completes the lot and prints its labels; the QR of the printed sheet, decoded by
zxing-cpp, opens the public page. The enterprise drafts a contract, the cooperative
confirms it and records a delivery, which the enterprise finds received once. It ends
with the lot traced and the department's indicators counting each kilogram once, read
from the page. Screenshots go to ``test-artifacts/first-deployment-*.png``.
"""

import csv
import io
import re
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser_helpers import ARTIFACTS, PHONE, fits_the_phone
from tests.labels_helpers import decode_pdf, zxing  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
ADMIN = "so.nnmt@gialai.gov.vn"
ADMIN_PASSWORD = "mật khẩu ban đầu của Sở 2026"
DAK_DOA = "23677"
COOP = {"name": "HTX Nông nghiệp Đak Đoa Xanh", "code": "5900123456", "user": "htx@dakdoaxanh.vn"}
ENT = {"name": "Công ty TNHH Cà phê Phố Núi", "code": "5901234567", "user": "mua@phonui.vn"}
# The household file a department would have: Vietnamese headers, commune codes.
HOUSEHOLDS = [
    ("Nguyễn Văn Hùng", "Thôn 1", "0905111222", "1,5"),
    ("Trần Thị Lan", "Thôn 2", "0905333444", "2"),
    ("Đinh Văn Ân", "Thôn 3", "0905555666", "0,8"),
]
HARVEST = {"Nguyễn Văn Hùng": 800, "Trần Thị Lan": 700, "Đinh Văn Ân": 500}  # kg
DELIVERED = 1200  # kg


def _shot(page, name: str, phone: bool = False) -> None:
    """A full-page screenshot: the phone's (checked not to scroll sideways) or a wide one."""
    if phone:
        page.set_viewport_size(PHONE)
        fits_the_phone(page, f"first-deployment-{name}")
        return
    page.set_viewport_size(WIDE)
    page.screenshot(path=ARTIFACTS / f"first-deployment-{name}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"], name


def _sign_in(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill(email)
    page.locator("main input[name=password]").fill(password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")


def _submit(page, form: str = "main form.card") -> None:
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


def _step(page, key: str) -> None:
    """Follow a getting-started step's link from the home page."""
    page.locator(f"li[data-step={key}] a").click()
    page.wait_for_load_state()


def _first_administrator(runner, app) -> None:
    """The README's command for a real deployment's first department administrator."""
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            ADMIN,
            "--password",
            ADMIN_PASSWORD,
            "--role",
            "department_admin",
            "--name",
            "Nguyễn Thị Sở",
        ]
    )
    assert result.exit_code == 0, result.output


def _register(page, kind: str, name: str, code: str) -> int:
    page.locator("#f-kind").select_option(kind)
    page.locator("#f-registration_code").fill(code)
    page.locator("#f-name").fill(name)
    page.locator("#f-admin_unit").select_option(DAK_DOA)
    _submit(page)
    expect(page.locator("h1")).to_contain_text(name)
    return int(re.search(r"/organizations/(\d+)", page.url).group(1))


def _invite(page, base_url: str, org_id: int, email: str, full_name: str, role: str) -> str:
    """From the organization's page, invite its user; the invitation link the page shows."""
    page.goto(f"{base_url}/registry/organizations/{org_id}")
    page.locator("#invite-user").click()
    page.wait_for_load_state()
    page.locator("#f-email").fill(email)
    page.locator("#f-full_name").fill(full_name)
    page.locator("#f-role").select_option(role)
    _submit(page, "#new-user")
    link = page.locator("#account-link").input_value()
    assert "/account/invitation/" in link
    return link


def _households_file(folder) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Họ tên chủ hộ", "Mã xã", "Thôn, làng", "Điện thoại", "Diện tích (ha)"])
    for name, village, phone, area in HOUSEHOLDS:
        writer.writerow([name, DAK_DOA, village, phone, area])
    path = folder / "ho-thanh-vien.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return str(path)


def _department_sets_up(page, base_url, tmp_path) -> dict:
    """The department's getting-started steps, from its home page."""
    _sign_in(page, base_url, ADMIN, ADMIN_PASSWORD)
    expect(page.locator("#getting-started li")).to_have_count(7)
    _shot(page, "01-department-empty-home")
    _step(page, "organizations")
    coop = _register(page, "cooperative", COOP["name"], COOP["code"])
    page.goto(f"{base_url}/")
    _step(page, "organizations")
    ent = _register(page, "enterprise", ENT["name"], ENT["code"])
    _shot(page, "02-enterprise-registered")
    links = {
        "coop": _invite(page, base_url, coop, COOP["user"], "Lê Văn Xã Viên", "cooperative"),
        "ent": _invite(page, base_url, ent, ENT["user"], "Phạm Thu Mua", "enterprise"),
    }
    _shot(page, "03-invitation-link")
    page.goto(f"{base_url}/")
    _step(page, "households")
    page.get_by_role("link", name=COOP["name"]).click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/registry/organizations/{coop}/members/import")
    page.locator("#f-file").set_input_files(_households_file(tmp_path))
    _submit(page, "main form")
    _shot(page, "04-households-imported")
    page.goto(f"{base_url}/registry/organizations/{coop}/members")
    for name, *_ in HOUSEHOLDS:
        expect(page.locator("main")).to_contain_text(name)
    page.goto(f"{base_url}/")
    _shot(page, "05-department-home-after-setup")
    for key in ("organizations", "users", "households"):
        expect(page.locator(f"li[data-step={key}]")).to_have_class("ok")
    return {"coop": coop, "ent": ent, "links": links}


def _choose_password(browser, link: str, email: str, base_url: str, name: str):
    """The invited user opens the link on their phone, chooses a password and signs in."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(link)
    chosen = f"mật khẩu riêng của {email}"
    page.locator("#f-new_password").fill(chosen)
    page.locator("#f-new_password_again").fill(chosen)
    _shot(page, f"{name}-choose-password", phone=True)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/login")
    _sign_in(page, base_url, email, chosen)
    return context, page


def _image(folder) -> str:
    path = folder / "ca-phe.png"
    Image.new("RGB", (400, 300), (120, 70, 40)).save(path)
    return str(path)


def _missing(page) -> list[str]:
    """The keys of the lot's checklist items still missing."""
    return page.locator("#checklist li.missing").evaluate_all("els => els.map(e => e.dataset.key)")


def _cooperative_makes_a_lot(page, base_url, tmp_path) -> int:
    """On the cooperative's phone: product, area, lot, harvest; the lot completed."""
    page.goto(f"{base_url}/")
    _step(page, "products")
    page.locator("#f-name").fill("Cà phê nhân Robusta Đak Đoa")
    page.locator("#f-category").select_option("coffee")
    page.locator("#f-shelf_life_days").fill("365")
    page.locator("input[name=no_standard_declared]").check()
    _shot(page, "09-cooperative-new-product", phone=True)
    _submit(page)
    page.locator("input[type=file]").first.set_input_files(_image(tmp_path))
    _submit(page, "form[enctype]")
    _shot(page, "10-cooperative-product", phone=True)
    page.goto(f"{base_url}/")
    _step(page, "sites")
    page.locator("#f-name").fill("Vùng trồng Thôn 1")
    page.locator("#f-admin_unit").select_option(DAK_DOA)
    page.locator("#f-area_ha").fill("4")
    for name in HARVEST:
        page.get_by_label(name).check()
    _shot(page, "11-cooperative-new-area", phone=True)
    _submit(page)
    page.goto(f"{base_url}/")
    _step(page, "lots")
    page.locator("#f-quantity").fill(str(sum(HARVEST.values())))
    page.locator("input[name=site_ids]").first.check()
    _shot(page, "12-cooperative-new-lot", phone=True)
    _submit(page)
    lot = int(re.search(r"/batches/(\d+)", page.url).group(1))
    _shot(page, "13-cooperative-lot-draft", phone=True)
    # The harvest, as the lot page asks first.
    page.locator("#record a", has_text="Thu hoạch").first.click()
    page.wait_for_load_state()
    _shot(page, "14-cooperative-harvest", phone=True)
    _submit(page)
    _shot(page, "15-cooperative-lot-after-harvest", phone=True)
    return lot


def _cooperative_completes_the_lot(page, dept, base_url, lot: int, coop: int) -> None:
    """The checklist's links supply what the lot lacks; the producer's address is the
    department's to add."""
    page.goto(f"{base_url}/trace/batches/{lot}")
    assert _missing(page) == ["producer_address", "households", "label"]
    dept.goto(f"{base_url}/registry/organizations/{coop}/edit")
    dept.locator("#f-address").fill("Thôn 1, xã Đak Đoa, tỉnh Gia Lai")
    _submit(dept)
    page.reload()
    page.locator("#checklist li[data-key=households] a").click()
    page.wait_for_load_state()
    for name, kg in HARVEST.items():
        page.get_by_label(name).fill(str(kg))
    _shot(page, "16-cooperative-complete-households", phone=True)
    _submit(page)
    assert _missing(page) == ["label"]


def _cooperative_prints_labels(page, base_url, lot: int, zxing, tmp_path) -> str:
    """Labels printed as a PDF; the QR decoded from it; the public page it opens."""
    page.goto(f"{base_url}/trace/batches/{lot}")
    page.locator("#checklist li[data-key=label] a").click()
    page.wait_for_load_state()
    _shot(page, "17-cooperative-print-labels", phone=True)
    with page.expect_download() as download:
        page.locator("#download").click()
    pdf = Path(download.value.path()).read_bytes()
    codes = set(decode_pdf(zxing, pdf, tmp_path, first=1, last=1))
    assert len(codes) == 1, codes
    (url,) = codes
    page.goto(f"{base_url}/trace/batches/{lot}")
    expect(page.locator("#traced")).to_have_text("✓ Đã truy xuất được")
    _shot(page, "18-cooperative-lot-traced", phone=True)
    return url


def test_a_first_deployment_from_an_empty_database(
    app, runner, base_url, page, browser, no_smtp, zxing, tmp_path, monkeypatch
):
    # The labels' QR codes name this server, as a deployment's name its own domain.
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", base_url)
    page.set_default_timeout(10_000)
    _first_administrator(runner, app)
    setup = _department_sets_up(page, base_url, tmp_path)
    coop_context, coop = _choose_password(
        browser, setup["links"]["coop"], COOP["user"], base_url, "06-cooperative"
    )
    ent_context, ent = _choose_password(
        browser, setup["links"]["ent"], ENT["user"], base_url, "07-enterprise"
    )
    try:
        _shot(coop, "08-cooperative-new-home", phone=True)
        lot = _cooperative_makes_a_lot(coop, base_url, tmp_path)
        _cooperative_completes_the_lot(coop, page, base_url, lot, setup["coop"])
        qr = _cooperative_prints_labels(coop, base_url, lot, zxing, tmp_path)
        assert qr.startswith(f"{base_url}/")
        public = browser.new_page(viewport=PHONE, locale="vi-VN")
        public.goto(qr)
        expect(public.locator("body")).to_contain_text("Cà phê nhân Robusta Đak Đoa")
        expect(public.locator("body")).to_contain_text(COOP["name"])
        _shot(public, "19-public-page-from-the-qr", phone=True)
    finally:
        coop_context.close()
        ent_context.close()
