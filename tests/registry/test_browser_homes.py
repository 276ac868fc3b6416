"""Each role's home page in a real browser at 360 and 1280 px (issue 20 items 1 and 6):
the panels are there, nothing scrolls sideways, and the screenshots are kept in
test-artifacts/ (home-<role>-360.png, home-<role>-1280.png).

Then a walk per role (department, cooperative, enterprise, consumer) through its home and
main tasks at both widths: nothing cut off, no sideways scroll outside a table's own frame,
no axe-core violation (walk-<role>-<page>-<width>.png); and the layout's own promises: the
menu folds into a button on a phone and fits one row on a laptop, tables show every column
at 1280 px and keep their first column in view as they scroll, the recall filters mark the
active one, the print-labels radios sit beside their words.
"""

import re

import pytest
from playwright.sync_api import expect

from tests import consumer_helpers, labels_helpers
from tests.browser_helpers import ARTIFACTS, axe_violations, cut_off, fits_the_phone
from tests.conftest import PASSWORD
from tests.consumer_helpers import make_lot
from tests.linkage_helpers import contract_body
from tests.recall_helpers import build_chain

WIDE = {"width": 1280, "height": 900}
complete_batch = labels_helpers.complete_batch

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


# The walks (issue 20 item 6) -----------------------------------------------------------------

PHONE_SIZE = {"width": 360, "height": 740}


def _check(page, name: str, width: int) -> None:
    """Screenshot, then: no sideways scroll, nothing cut off, no axe-core violation."""
    page.screenshot(path=ARTIFACTS / f"{name}-{width}.png", full_page=True)
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name}: {scroll} px wide at {width} px"
    assert cut_off(page) == [], (name, width)
    assert axe_violations(page) == [], (name, width)


def _walk(page, base_url, role: str, paths: dict[str, str]) -> None:
    for size in (PHONE_SIZE, WIDE):
        page.set_viewport_size(size)
        for name, path in paths.items():
            response = page.goto(base_url + path)
            assert response.status == 200, (role, path, response.status)
            _check(page, f"walk-{role}-{name}", size["width"])


@pytest.fixture
def scene(farm, buyer, linkage, world, no_smtp, complete_batch):
    """A chain of lots with a recall on its raw lot, a contract in force and a draft."""
    chain = build_chain(farm, buyer)
    recall = farm.post(
        "/recalls",
        {"batch_id": chain.id("RAW"), "reason": "Dư lượng thuốc vượt mức", "severity": "serious"},
    )
    contract = linkage.signed_contract()
    body = contract_body(world["coop_a"], "HĐLK-02/2026")
    linkage.call("post", "/contracts", linkage.ent, body, expect=201)
    lot = {"batch": complete_batch(gtin=None)}  # complete but for its label: printable
    return {"chain": chain, "recall": recall["id"], "contract": contract["id"], "lot": lot}


@pytest.mark.browser
def test_the_department_walks_its_pages(scene, page, base_url):
    _sign_in(page, base_url, ROLES["department"][0])
    _walk(
        page,
        base_url,
        "department",
        {
            "home": "/",
            "dashboard": "/indicators/",
            "contracts": "/linkage/contracts",
            "contract": f"/linkage/contracts/{scene['contract']}",
            "recalls": "/recalls?status=all",
            "recall": f"/recalls/{scene['recall']}",
            "registry": "/registry/organizations",
            "portal": "/portal/",
        },
    )


@pytest.mark.browser
def test_the_cooperative_walks_its_pages(scene, page, base_url):
    chain = scene["chain"]
    _sign_in(page, base_url, ROLES["cooperative"][0])
    _walk(
        page,
        base_url,
        "cooperative",
        {
            "home": "/",
            "batches": "/trace/batches",
            "batch": f"/trace/batches/{chain.id('ROAST')}",
            "labels": f"/trace/batches/{scene['lot']['batch']['id']}/labels",
            "chain": f"/trace/batches/{chain.id('ROAST')}/chain",
            "contracts": "/linkage/contracts",
            "recalls": "/recalls",
            "figures": "/indicators/mine",
        },
    )


@pytest.mark.browser
def test_the_enterprise_walks_its_pages(scene, page, base_url):
    chain = scene["chain"]
    _sign_in(page, base_url, ROLES["enterprise"][0])
    _walk(
        page,
        base_url,
        "enterprise",
        {
            "home": "/",
            "contracts": "/linkage/contracts",
            "contract": f"/linkage/contracts/{scene['contract']}",
            "recalls": "/recalls",
            "batches": "/trace/batches",
            "chain": f"/trace/batches/{chain.id('PACK')}/chain",
        },
    )


@pytest.mark.browser
def test_the_login_page_keeps_the_language_switch_beside_the_name(page, base_url):
    _walk(page, base_url, "signed-out", {"login": "/login"})
    for size in (PHONE_SIZE, WIDE):
        page.set_viewport_size(size)
        brand, lang = page.locator(".brand").bounding_box(), page.locator(".lang").bounding_box()
        assert lang["y"] < brand["y"] + brand["height"], f"VI · EN on a line of its own: {size}"


@pytest.mark.browser
def test_the_consumer_walks_a_lot_and_its_recall(farm, page, base_url, no_smtp):
    lot = make_lot(farm)
    _walk(page, base_url, "consumer", {"lot": f"/q/{lot['code']}"})
    farm.post(
        "/recalls",
        {"batch_id": lot["batch"]["id"], "reason": "Nấm mốc", "severity": "serious"},
    )
    link = f"/01/{consumer_helpers.GTIN}/10/{lot['batch']['lot_code']}"  # a fresh page
    _walk(page, base_url, "consumer", {"recalled": link})
    expect(page.locator("#recall")).to_be_visible()


# The layout's own promises (issue 20 item 4) ------------------------------------------------


@pytest.mark.browser
def test_the_menu_folds_on_a_phone_and_fits_a_row_on_a_laptop(world, page, base_url):
    _sign_in(page, base_url, ROLES["department"][0])
    menu = page.locator("#menu")
    button = menu.locator("> summary")
    batches = menu.locator("a[href='/trace/batches']")
    expect(button).to_be_visible()
    expect(batches).to_be_hidden()
    lang, button_box = page.locator(".lang").bounding_box(), button.bounding_box()
    assert abs(lang["y"] - button_box["y"]) < button_box["height"], "VI · EN on its own line"
    button.click()
    expect(batches).to_be_visible()  # every group open inside the panel
    fits_the_phone(page, "menu-open-360")
    batches.click()
    page.wait_for_url(f"{base_url}/trace/batches")
    expect(menu.locator("a[aria-current=page]")).to_have_attribute("href", "/trace/batches")

    page.set_viewport_size(WIDE)
    expect(button).to_be_hidden()
    expect(batches).to_be_hidden()  # inside its closed group
    bar = page.locator("header.topbar").bounding_box()
    assert bar["height"] < 60, f"the top bar wraps: {bar['height']} px high"
    group = menu.locator("details.menu-group", has=page.locator("a[href='/trace/batches']"))
    group.locator("> summary").click()
    expect(batches).to_be_visible()
    other = menu.locator("details.menu-group").last
    other.locator("> summary").click()
    expect(batches).to_be_hidden()  # one group open at a time
    page.screenshot(path=ARTIFACTS / "menu-1280.png")


def _fits_its_frame(page, selector: str) -> None:
    frame = page.locator(".table-wrap", has=page.locator(selector))
    scroll, client = frame.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll <= client, f"{selector}: {scroll} px of columns in a {client} px frame"


@pytest.mark.browser
def test_tables_show_every_column_at_1280_and_scroll_with_their_names_on_a_phone(
    scene, page, base_url
):
    _sign_in(page, base_url, ROLES["department"][0])
    page.set_viewport_size(WIDE)
    for path, table in (
        ("/linkage/contracts", "#contracts"),
        ("/recalls?status=all", "#recalls"),
        ("/indicators/", "#table-by-commune"),
    ):
        page.goto(base_url + path)
        _fits_its_frame(page, table)
    expect(page.locator("#table-by-commune thead th")).to_have_count(13)

    page.set_viewport_size(PHONE_SIZE)
    page.goto(f"{base_url}/linkage/contracts")
    frame = page.locator(".table-wrap", has=page.locator("#contracts"))
    first = page.locator("#contracts tbody tr:first-child td:first-child")
    before = first.bounding_box()["x"]
    frame.evaluate("e => { e.scrollLeft = 400; }")
    assert frame.evaluate("e => e.scrollLeft") > 0, "the table did not scroll"
    assert abs(first.bounding_box()["x"] - before) < 1, "the first column scrolled away"


@pytest.mark.browser
def test_recall_filters_are_distinct_and_mark_the_active_one(scene, page, base_url):
    _sign_in(page, base_url, ROLES["department"][0])
    page.goto(f"{base_url}/recalls?status=closed")
    filters = page.locator("nav.subnav a")
    expect(filters).to_have_count(3)
    active = page.locator("nav.subnav a[aria-current=page]")
    expect(active).to_have_attribute("href", re.compile(r"status=closed"))
    backgrounds = filters.evaluate_all("es => es.map(e => getComputedStyle(e).backgroundColor)")
    assert len(set(backgrounds)) == 2 and backgrounds[1] != backgrounds[0], backgrounds
    boxes = [filters.nth(i).bounding_box() for i in range(3)]
    assert all(a["x"] + a["width"] < b["x"] for a, b in zip(boxes, boxes[1:], strict=False)), (
        "run together"
    )


@pytest.mark.browser
def test_print_labels_radios_sit_beside_their_words(complete_batch, page, base_url):
    lot = {"batch": complete_batch()}
    _sign_in(page, base_url, ROLES["cooperative"][0])
    for size in (PHONE_SIZE, WIDE):
        page.set_viewport_size(size)
        page.goto(f"{base_url}/trace/batches/{lot['batch']['id']}/labels")
        radios = page.locator("#label-form input[type=radio]")
        assert radios.count() >= 2
        for index in range(radios.count()):
            radio = radios.nth(index).bounding_box()
            label = radios.nth(index).locator("xpath=..").bounding_box()
            assert radio["width"] < 40, radio
            assert radio["x"] - label["x"] < 5, (radio, label)  # at the start of its label
        options = page.locator("#f-layout option").all_inner_texts()
        assert options and all(text.count("mm") <= 1 for text in options), options
