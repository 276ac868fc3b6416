"""Hostile numbers, dates and bodies: huge quantities, far dates, malformed JSON, invalid UTF-8
in a form, hostile EPCIS capture fields and ids beyond any column.
"""

import gc
import json

import pytest

from tests.conftest import csrf_token, row_count
from tests.consumer_helpers import BROWSER
from tests.hostile_corpus import (
    FAR_DATES,
    HOSTILE_TEXT,
    HUGE_NUMBERS,
    assert_inert,
    assert_refused,
)
from tests.linkage_helpers import contract_body
from trace.models import Batch, Product

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


# --- Numbers and dates ---------------------------------------------------------------------


@pytest.mark.parametrize("quantity", HUGE_NUMBERS)
def test_batch_quantities(quantity, app, client, farm, coop_a):
    product = farm.product()
    with app.app_context():
        before = row_count(Batch)
    response = client.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": quantity,
            "harvest_date": "2026-11-01",
            "households": [{"member_id": farm.world["member_a"], "quantity": quantity}],
        },
        headers=farm.headers,
    )
    if quantity <= 0 or quantity > 1e10 or response.status_code != 201:
        assert_refused(response, "quantity")
        with app.app_context():
            assert row_count(Batch) == before
        return
    assert coop_a.get(f"/trace/batches/{response.json['id']}").status_code == 200


@pytest.mark.parametrize("day", FAR_DATES)
def test_far_dates(day, app, client, farm, coop_a):
    product = farm.product()
    response = client.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "quantity": 10,
            "harvest_date": day,
            "households": [{"member_id": farm.world["member_a"], "quantity": 10}],
        },
        headers=farm.headers,
    )
    if response.status_code != 201:
        assert_refused(response, "harvest_date")
    else:
        assert coop_a.get(f"/trace/batches/{response.json['id']}").status_code == 200
    event = client.post(
        "/api/v1/events",
        json={"kind": "inspection", "event_time": f"{day}T00:00:00+07:00", "lines": []},
        headers=farm.headers,
    )
    assert_refused(event)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "\xff\xfe\xfd", "category": "coffee", "unit": "kg"}',
        b'{"name": "\xed\xa0\x80", "category": "coffee", "unit": "kg"}',  # a lone surrogate
        b'{"name": "' + b"\\ud800" + b'", "category": "coffee", "unit": "kg"}',
        b'{"name": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        b'{"name": 1e999999, "category": "coffee", "unit": "kg"}',
        b"not json at all",
    ],
)
def test_malformed_json(raw, app, client, farm):
    with app.app_context():
        before = row_count(Product)
    response = client.post(
        "/api/v1/products", data=raw, content_type="application/json", headers=farm.headers
    )
    assert_refused(response)
    with app.app_context():
        assert row_count(Product) == before


def test_invalid_utf8_in_a_web_form(app, coop_a):
    token = csrf_token(coop_a, "/trace/products/new")
    body = f"csrf_token={token}&name=%FF%FE%ED%A0%80&category=coffee&unit=kg".encode()
    response = coop_a.post(
        "/trace/products/new", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (302, 400, 422)


# --- EPCIS capture ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["script", "sql", "formula_cmd", "nul", "overlong", "rtl_override", "lone_surrogate"]
)
def test_epcis_capture_fields(case, app, client, buyer, farm, world):
    from tests.epcis.capture_helpers import document, object_event

    payload = HOSTILE_TEXT[case]
    site = farm.site()
    lot = farm.batch(farm.product()["id"], 100)
    farm.harvest(lot["id"], site["id"])
    farm.ship(lot["id"], 100, world["ent_x"], days_ago=3)
    uri = f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/q/{lot['public_code']}"
    event = object_event(
        "receiving",
        uri,
        10,
        readPoint={"id": payload},
        bizLocation={"id": f"urn:epc:id:sgln:{payload}"},
        **{"erp:note": payload},
    )
    body = document([event], with_ids=False)
    response = client.post(
        "/api/v1/epcis/capture",
        data=json.dumps(body),
        content_type="application/json",
        headers=buyer.headers,
    )
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.status_code in (200, 201, 400, 413, 422)
    if response.status_code in (200, 201):
        page = client.get(f"/q/{lot['public_code']}", headers=BROWSER)
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True), payload)


def test_ids_beyond_any_column_are_not_found_or_refused(client, farm, linkage, world):
    huge = 10**20
    assert client.get(f"/api/v1/batches/{huge}", headers=farm.headers).status_code == 404
    assert client.get(f"/api/v1/products/{2**31}", headers=farm.headers).status_code == 404
    body = contract_body(world["coop_a"], "HĐ-HUGE")
    body["parties"][0]["organization_id"] = huge
    response = client.post("/api/v1/contracts", json=body, headers=linkage.ent)
    assert_refused(response)
    totals = client.get(f"/api/v1/scans/totals?batch_ids={huge}", headers=farm.headers)
    assert totals.status_code < 500
    assert totals.status_code >= 400 or totals.json["totals"] == {}  # refused, or nothing found
