"""Hostile input: each case is refused with a message naming the field, or shown inertly.

A corpus of text (markup, SQL, spreadsheet formulas, zero-width, combining and
right-to-left characters, NUL, overlong; tests/hostile_corpus.py) is driven through the
API and the web forms. Stored text is then looked at where people read it: the web pages,
the public consumer page and the CSV/XLSX exports (formulas are written as text).

Numbers, dates, malformed bodies and EPCIS capture: test_hostile_input_values.py;
uploads (wrong type, lying extension, oversized, decompression bomb) and imports
(zip bomb): test_hostile_input_files.py.
"""

import gc
import io

import openpyxl
import pytest
from markupsafe import escape

from registry.models import MemberHousehold, Organization
from tests.conftest import csrf_token, row_count
from tests.consumer_helpers import BROWSER
from tests.hostile_corpus import (
    ACTIVE,
    HOSTILE_TEXT,
    assert_inert,
    assert_refused,
)
from tests.linkage_helpers import contract_body
from trace.models import Product

# Large multipart bodies are spooled to temporary files by werkzeug's test client; they are
# collected here, inside the test that made them, rather than warned about in the next one.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)


@pytest.fixture(autouse=True)
def _collect_spooled_files():
    yield
    gc.collect()


@pytest.fixture
def coop_a(login, world):
    return login(world["users"]["coop_a"])


# --- Text through the API, shown on the web pages and the consumer page ---------------------


@pytest.mark.parametrize("case", sorted(HOSTILE_TEXT))
def test_product_name_and_lot_code(case, app, client, farm, coop_a):
    payload = HOSTILE_TEXT[case]
    with app.app_context():
        products_before = row_count(Product)
    response = client.post(
        "/api/v1/products",
        json={"name": payload, "category": "coffee", "unit": "kg"},
        headers=farm.headers,
    )
    if response.status_code != 201:
        assert_refused(response, "name")
        with app.app_context():
            assert row_count(Product) == products_before
        return
    product = response.json
    assert product["name"].strip()  # stored as text, whatever it is
    lot = client.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": 10,
            "harvest_date": "2026-11-01",
            "lot_code": payload[:60],
            "households": [{"member_id": farm.world["member_a"], "quantity": 10}],
        },
        headers=farm.headers,
    )
    if lot.status_code != 201:
        assert_refused(lot, "lot_code")
        lot_json = farm.batch(product["id"], 10)
    else:
        lot_json = lot.json
    farm.harvest(lot_json["id"], farm.site()["id"])  # a harvested lot has a consumer page
    pages = {
        "product": coop_a.get(f"/trace/products/{product['id']}"),
        "products": coop_a.get("/trace/products"),
        "batch": coop_a.get(f"/trace/batches/{lot_json['id']}"),
        "batches": coop_a.get("/trace/batches"),
        "public": client.get(f"/q/{lot_json['public_code']}", headers=BROWSER),
    }
    for name, page in pages.items():
        assert page.status_code == 200, (name, page.status_code)
        assert_inert(page.get_data(as_text=True), payload)
    if case in ACTIVE:
        shown = pages["product"].get_data(as_text=True)
        assert str(escape(product["name"])) in shown, "the name is shown, escaped"


@pytest.mark.parametrize("case", sorted(HOSTILE_TEXT))
def test_member_and_organization_names(case, app, client, world, token_for, login):
    payload = HOSTILE_TEXT[case]
    dept = token_for(world["users"]["department"])
    with app.app_context():
        before = (row_count(MemberHousehold), row_count(Organization))
    member = client.post(
        f"/api/v1/organizations/{world['coop_a']}/members",
        json={"head_name": payload, "admin_unit": "23677"},
        headers=dept,
    )
    org = client.post(
        "/api/v1/organizations",
        json={
            "kind": "cooperative",
            "name": payload,
            "registration_code": "HTX-HOSTILE-1",
            "admin_unit": "23677",
        },
        headers=dept,
    )
    web = login(world["users"]["department"])
    for response, field, page in (
        (member, "head_name", f"/registry/organizations/{world['coop_a']}/members"),
        (org, "name", "/registry/organizations"),
    ):
        if response.status_code != 201:
            assert_refused(response, field)
            continue
        shown = web.get(page)
        assert shown.status_code == 200
        assert_inert(shown.get_data(as_text=True), payload)
        if case in ACTIVE:
            assert str(escape(payload.strip())) in shown.get_data(as_text=True)
    with app.app_context():
        after = (row_count(MemberHousehold), row_count(Organization))
    created = (member.status_code == 201, org.status_code == 201)
    assert after == (before[0] + created[0], before[1] + created[1])


# A lone surrogate cannot be form-encoded at all (browsers send U+FFFD instead).
@pytest.mark.parametrize("case", sorted(set(HOSTILE_TEXT) - {"lone_surrogate"}))
def test_web_form_text(case, app, coop_a):
    payload = HOSTILE_TEXT[case]
    with app.app_context():
        before = row_count(Product)
    response = coop_a.post(
        "/trace/products/new",
        data={
            "csrf_token": csrf_token(coop_a, "/trace/products/new"),
            "name": payload,
            "category": "coffee",
            "unit": "kg",
            "no_standard_declared": "y",
        },
    )
    assert response.status_code in (302, 400, 422), response.status_code
    html = response.get_data(as_text=True)
    assert_inert(html, payload)
    if response.status_code == 302:
        shown = coop_a.get(response.headers["Location"])
        assert shown.status_code == 200
        assert_inert(shown.get_data(as_text=True), payload)
    else:
        with app.app_context():
            assert row_count(Product) == before
        assert "field-error" in html or 'class="error' in html or response.status_code == 400


# --- Exports: formulas are written as text ----------------------------------------------------


FORMULAS = [HOSTILE_TEXT[k] for k in ("formula_cmd", "formula_hyperlink", "formula_plus")]


def _xlsx_cells(data: bytes) -> list:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [cell for row in sheet.iter_rows() for cell in row]


def _assert_no_formula(response) -> None:
    assert response.status_code == 200
    if response.data.startswith(b"PK"):
        for cell in _xlsx_cells(response.data):
            assert cell.data_type != "f", f"formula cell {cell.coordinate}: {cell.value}"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@")), cell.value
    else:
        text = response.data.decode("utf-8-sig")
        for line in text.splitlines():
            for cell in line.split(","):
                assert not cell.strip('"').startswith(("=", "+", "@")), cell


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_contract_export_neutralises_formulas(fmt, client, world, linkage):
    for n, formula in enumerate(FORMULAS):
        body = contract_body(world["coop_a"], f"HĐ-F{n}", quality_standard=formula)
        body["number"] = formula if n == 0 else body["number"]
        response = client.post("/api/v1/contracts", json=body, headers=linkage.ent)
        assert response.status_code in (201, 422), response.json
    _assert_no_formula(client.get(f"/api/v1/contracts/export?format={fmt}", headers=linkage.dept))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_trace_report_neutralises_formulas(fmt, client, farm):
    product = farm.product(name=FORMULAS[0])
    site = farm.site(name=FORMULAS[1])
    batch = farm.batch(product["id"], lot_code="=1+2")
    farm.harvest(batch["id"], site["id"])
    response = client.get(
        f"/api/v1/trace-report?batch_id={batch['id']}&format={fmt}", headers=farm.headers
    )
    _assert_no_formula(response)
