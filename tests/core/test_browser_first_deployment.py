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
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from core.clock import vn_today
from tests.browser_helpers import ARTIFACTS, PHONE, fits_the_phone
from tests.labels_helpers import decode_pdf
from tests.linkage_helpers import contract_body
from tests.missing import unavailable

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
PRODUCT = "Cà phê nhân Robusta Đak Đoa"
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def qr_reader():
    """zxing-cpp, as the label tests use it."""
    try:
        import zxingcpp
    except ImportError:
        unavailable("zxing-cpp is not installed (pip install -r requirements-dev.txt)")
    return zxingcpp


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
    _step(page, "agency")
    _register(page, "agency", "Sở Nông nghiệp và Môi trường tỉnh Gia Lai", "SO-NNMT-GL")
    page.goto(f"{base_url}/")
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
    for key in ("agency", "organizations", "users", "households"):
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
    page.locator("#f-name").fill(PRODUCT)
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
    # Only the department edits an organization: the cooperative is told whom to ask.
    expect(page.locator("li[data-key=producer_address] .department-keeps")).to_be_visible()
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
    # The harvest dated the lot, and the shelf life its expiry (365 days on).
    harvested = vn_today()
    data = page.locator("#data")
    expect(data).to_contain_text(harvested.strftime("%d/%m/%Y"))
    expect(data).to_contain_text((harvested + timedelta(days=365)).strftime("%d/%m/%Y"))


def _cooperative_prints_labels(page, base_url, lot: int, reader, tmp_path) -> str:
    """Labels printed as a PDF; the QR decoded from it; the public page it opens."""
    page.goto(f"{base_url}/trace/batches/{lot}")
    page.locator("#checklist li[data-key=label] a").click()
    page.wait_for_load_state()
    _shot(page, "17-cooperative-print-labels", phone=True)
    with page.expect_download() as download:
        page.locator("#download").click()
    pdf = Path(download.value.path()).read_bytes()
    codes = set(decode_pdf(reader, pdf, tmp_path, first=1, last=1))
    assert len(codes) == 1, codes
    (url,) = codes
    page.goto(f"{base_url}/trace/batches/{lot}")
    expect(page.locator("#traced")).to_have_text("✓ Đã truy xuất được")
    _shot(page, "18-cooperative-lot-traced", phone=True)
    return url


TERMS = (
    "quality_standard",
    "delivery_terms",
    "payment_terms",
    "input_advances",
    "rights_obligations",
    "risk_sharing",
    "force_majeure",
    "breach_liability",
    "dispute_resolution",
    "amendment_termination",
)


def _enterprise_drafts_a_contract(page, base_url, coop: int) -> int:
    """The enterprise drafts a contract with the cooperative, naming every term, and signs."""
    today = vn_today()
    body = contract_body(
        coop,
        "HĐLK-01/2026-PN",
        effective_from=today.isoformat(),
        effective_to=(today + timedelta(days=365)).isoformat(),
        items=[
            {
                "season": "2026/27",
                "due_from": today.isoformat(),
                "due_to": (today + timedelta(days=120)).isoformat(),
            }
        ],
    )
    page.goto(f"{base_url}/linkage/contracts/new")
    page.locator("#f-number").fill(body["number"])
    page.locator("#f-linkage_form").select_option(str(body["linkage_form"]))
    page.locator("#f-lead_representative").fill(body["lead_representative"])
    page.locator("[id='f-parties.0.organization_id']").select_option(str(coop))
    page.locator("[id='f-parties.0.representative']").fill("Ông Lê Văn Xã Viên, Giám đốc")
    page.locator("[id='f-parties.0.households']").fill(str(len(HOUSEHOLDS)))
    item = body["items"][0]
    page.locator("[id='f-items.0.category']").select_option("coffee")
    page.locator("[id='f-items.0.product_id']").select_option(label=f"{PRODUCT} · {COOP['name']}")
    page.locator("[id='f-items.0.season']").fill(item["season"])
    page.locator("[id='f-items.0.quantity']").fill("5000")
    page.locator("[id='f-items.0.due_from']").fill(item["due_from"])
    page.locator("[id='f-items.0.due_to']").fill(item["due_to"])
    page.locator("#f-price_mechanism").select_option(body["price_mechanism"])
    page.locator("#f-price_vnd").fill(str(body["price_vnd"]))
    page.locator("#f-price_formula").fill(body["price_formula"])
    for name in TERMS:
        page.locator(f"#f-{name}").fill(body[name])
    page.locator("#f-effective_from").fill(body["effective_from"])
    page.locator("#f-effective_to").fill(body["effective_to"])
    _shot(page, "20-enterprise-contract-form")
    _submit(page)
    contract = int(re.search(r"/contracts/(\d+)", page.url).group(1))
    with page.expect_navigation():
        page.locator("#actions button[type=submit]").first.click()
    _shot(page, "21-enterprise-contract-signed")
    return contract


def _cooperative_confirms_and_delivers(page, base_url, contract: int, lot: int) -> None:
    """From its home's list of contracts to confirm, the cooperative signs, then records a
    delivery of part of the lot (confirmed at once: it recorded it)."""
    page.goto(f"{base_url}/")
    _shot(page, "22-cooperative-home-contract-to-confirm", phone=True)
    page.locator("#contracts-to-confirm a").first.click()
    page.wait_for_load_state()
    with page.expect_navigation():
        page.locator("#actions button[type=submit]").first.click()
    expect(page.locator("main")).to_contain_text("Đang có hiệu lực")
    expect(page.locator("main")).not_to_contain_text("Chậm tiến độ")  # nothing due yet
    page.locator("#delivery-form > summary").click()
    page.locator("[id='f-lines.0.batch_id']").select_option(str(lot))
    page.locator("[id='f-lines.0.quantity']").fill(str(DELIVERED))
    _shot(page, "23-cooperative-delivery-form", phone=True)
    _submit(page, "#delivery-form")
    _shot(page, "24-cooperative-delivery-recorded", phone=True)


def _kg(text: str) -> list[int]:
    """The whole numbers of a figure such as "2.000 / 2.000 kg", whichever grouping mark
    the locale writes."""
    return [int(re.sub(r"[.,\u202f\xa0]", "", n)) for n in re.findall(r"\d[\d.,\u202f\xa0]*", text)]


def _enterprise_finds_it_received(page, base_url, lot: int, qr: str) -> None:
    """The buyer's lot list shows what it holds; its receipt is recorded, once."""
    page.goto(f"{base_url}/trace/batches")
    row = page.locator("tr", has_text=PRODUCT)
    assert _kg(row.locator(".held").inner_text()) == [DELIVERED]
    _shot(page, "25-enterprise-lots")
    page.goto(f"{base_url}/trace/batches/{lot}")
    expect(page.get_by_role("link", name="Xác nhận đã nhận hàng")).to_have_count(0)
    expect(page.locator("#events")).to_contain_text(ENT["name"])
    _shot(page, "26-enterprise-lot")
    page.goto(qr)
    journey = page.locator("main").inner_text().lower()
    assert journey.count("nhận hàng") == 1, journey
    _shot(page, "27-public-page-after-delivery", phone=True)


def _department_reads_the_indicators(page, base_url) -> None:
    """Each kilogram once: the lot's 2,000 kg, traced; the cooperative linked."""
    page.goto(f"{base_url}/indicators/")
    _shot(page, "28-department-indicators")
    rates = page.locator("#traceability-rate dd")
    assert _kg(rates.nth(0).inner_text())[:2] == [1, 1]  # products
    assert _kg(rates.nth(1).inner_text())[:2] == [1, 1]  # lots
    total = sum(HARVEST.values())
    assert _kg(rates.nth(2).inner_text())[:2] == [total, total]  # kilograms
    assert _kg(page.locator("#linked-count").inner_text()) == [1]
    page.goto(f"{base_url}/")
    _shot(page, "29-department-home-at-the-end")
    expect(page.locator("#getting-started")).to_have_count(0)  # every step done


def test_a_first_deployment_from_an_empty_database(
    app, runner, base_url, page, browser, no_smtp, qr_reader, tmp_path, monkeypatch
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
        qr = _cooperative_prints_labels(coop, base_url, lot, qr_reader, tmp_path)
        assert qr.startswith(f"{base_url}/")
        # A shopper's phone (a headless browser's visits are not counted as scans).
        public = browser.new_page(viewport=PHONE, locale="vi-VN", user_agent=PHONE_BROWSER)
        public.goto(qr)
        expect(public.locator("body")).to_contain_text(PRODUCT)
        expect(public.locator("body")).to_contain_text(COOP["name"])
        _shot(public, "19-public-page-from-the-qr", phone=True)
        contract = _enterprise_drafts_a_contract(ent, base_url, setup["coop"])
        _cooperative_confirms_and_delivers(coop, base_url, contract, lot)
        _enterprise_finds_it_received(ent, base_url, lot, qr)
        _department_reads_the_indicators(page, base_url)
        # The label was scanned (by the shopper's phone): not listed as never scanned.
        coop.goto(f"{base_url}/")
        expect(coop.locator("#unscanned-labels")).to_have_count(0)
        _shot(coop, "30-cooperative-home-at-the-end", phone=True)
    finally:
        coop_context.close()
        ent_context.close()
