"""A consumer page that earns trust (issue #20): a recall banner that says why, when, what to
do and whom to call; certificates suspended during a recall; processing steps named by
what they are (and carried into EPCIS); English names on the English page; one code on
an item's page; a linkset whose every link opens for anyone, its traceability link a
public JSON of exactly what the page shows."""

import html as html_lib
import json
import re

import pytest
from sqlalchemy import func, select, update

from core.extensions import db
from registry.models import Organization
from tests.conftest import GIA_LAI_COMMUNES
from tests.consumer_helpers import add_unit, in_english, make_lot, page, vietnamese
from tests.epcis_helpers import schema_errors
from tests.trace_helpers import local_time, product_form, when
from tests.web_helpers import post
from trace.models import Product, Site, TraceEvent

BASE_URL = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL of the test configuration

REASON = "Dư lượng thuốc bảo vệ thực vật vượt mức cho phép"
PHONE = "0269 3822 123"


def process(farm, batch_id: int, product_id: int, step: str | None, expect=201, **values):
    """Process 90 of a lot into 80 of a new lot of ``product_id``, naming the step."""
    body = {
        "kind": "transformation",
        "event_time": when(values.pop("days_ago", 3)),
        "transformation": values.pop("how", "processing"),
        "process_step": step,
        "inputs": [{"batch_id": batch_id, "quantity": values.pop("quantity", 90)}],
        "outputs": [{"product_id": product_id, "quantity": 80}],
    }
    made = farm.post("/events", body, expect=expect)
    if expect != 201:
        return made
    return next(line["batch_id"] for line in made["lines"] if line["role"] == "output")


def public_code(farm, batch_id: int) -> str:
    return farm.get(f"/batches/{batch_id}")["public_code"]


def recall(farm, batch_id: int) -> None:
    body = {"batch_id": batch_id, "reason": REASON, "severity": "serious"}
    farm.post("/recalls", body)


def event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(TraceEvent.id)))


# Processing steps --------------------------------------------------------------------------


def test_two_processing_steps_read_as_what_they_were(app, client, farm):
    lot = make_lot(farm, contract=False)
    green = farm.product(name="Cà phê nhân", standards=[])
    dried = process(farm, lot["batch"]["id"], green["id"], "drying", days_ago=4)
    hulled = process(farm, dried, green["id"], "hulling", days_ago=3, quantity=80)
    code = public_code(farm, hulled)

    vi = page(client, f"/q/{code}").get_data(as_text=True)
    assert vietnamese(app, "Drying") in vi and vietnamese(app, "Hulling") in vi
    assert vietnamese(app, "Drying") != vietnamese(app, "Hulling")
    in_english(client)
    en = page(client, f"/q/{code}").get_data(as_text=True)
    assert "<time" in en and "Drying" in en and "Hulling" in en
    assert "Processed" not in en  # each step by its name, not twice the same word

    with app.app_context():
        steps = db.session.scalars(
            select(TraceEvent.biz_step).where(TraceEvent.kind == "transformation")
        ).all()
    assert sorted(steps) == [f"{BASE_URL}/ns/bizstep/drying", f"{BASE_URL}/ns/bizstep/hulling"]
    exported = farm.client.get("/api/v1/epcis/events", headers=farm.headers)
    document = json.loads(exported.data)
    assert schema_errors(document) == []
    biz_steps = {event["bizStep"] for event in document["epcisBody"]["eventList"]}
    assert f"{BASE_URL}/ns/bizstep/drying" in biz_steps


def test_an_unnamed_processing_keeps_cbv_commissioning(app, client, farm):
    lot = make_lot(farm, contract=False)
    made = process(farm, lot["batch"]["id"], lot["product"]["id"], None)
    with app.app_context():
        event = db.session.scalar(select(TraceEvent).where(TraceEvent.kind == "transformation"))
        assert event.epcis["bizStep"] == "commissioning"
    in_english(client)
    assert "Processed" in page(client, f"/q/{public_code(farm, made)}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("step", "how"),
    [
        ("threshing", "processing"),  # a rice or pepper step, not a coffee one
        ("frying", "processing"),  # no such step
        ("drying", "packing"),  # packing is not processing
    ],
)
def test_a_wrong_step_is_refused_naming_the_field(app, farm, step, how):
    lot = make_lot(farm, contract=False)
    before = event_count(app)
    refused = process(farm, lot["batch"]["id"], lot["product"]["id"], step, expect=422, how=how)
    assert "process_step" in refused["errors"]
    assert event_count(app) == before


def test_the_form_offers_the_categorys_steps_and_records_one(app, world, login, farm):
    lot = make_lot(farm, contract=False)
    client = login(world["users"]["coop_a"])
    path = f"/trace/batches/{lot['batch']['id']}/events/transformation/new"
    form = client.get(path).get_data(as_text=True)
    options = re.findall(r'<option value="(\w+)"', form.split('name="process_step"', 1)[1])
    assert {"drying", "hulling", "roasting"} <= set(options) and "threshing" not in options
    recorded = post(
        client,
        path,
        {
            "event_time": local_time(1),
            "transformation": "processing",
            "process_step": "roasting",
            f"in-{lot['batch']['id']}": "100",
            "outputs.0.product_id": str(lot["product"]["id"]),
            "outputs.0.quantity": "80",
        },
    )
    assert recorded.status_code == 302, recorded.get_data(as_text=True)[:500]
    with app.app_context():
        event = db.session.scalar(select(TraceEvent).where(TraceEvent.kind == "transformation"))
        assert event.epcis["bizStep"].endswith("/ns/bizstep/roasting")
    timeline = client.get(f"/trace/batches/{lot['batch']['id']}?lang=en").get_data(as_text=True)
    assert "Roasting" in timeline


# The recall banner and the certificates -----------------------------------------------------


def test_recall_banner_says_why_when_what_to_do_and_whom_to_call(app, client, farm, no_smtp):
    lot = make_lot(farm)
    with app.app_context():
        db.session.execute(
            update(Organization).where(Organization.id == farm.org_id).values(phone=PHONE)
        )
        db.session.commit()
    in_english(client)
    before = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert 'id="recall"' not in before and '<span class="ok">Valid until' in before
    assert PHONE not in before  # the phone shows with a recall only

    recall(farm, lot["batch"]["id"])
    html = page(client, f"/q/{lot['code']}").get_data(as_text=True)  # the next request
    banner = html.split('id="recall"', 1)[1].split("</section>", 1)[0]
    assert f"Reason: {html_lib.escape(REASON, quote=True)}" in banner or REASON in banner
    assert re.search(r"Recalled on \d{1,2} \w{3} \d{4}\.", banner)
    assert "What to do:" in banner and "Take it back to the shop" in banner
    assert f'<a href="tel:{PHONE.replace(" ", "")}">{PHONE}</a>' in banner
    certificates = html.split('id="certificates"', 1)[1].split("</section>", 1)[0]
    assert "Suspended while the lot is recalled" in certificates
    assert 'class="ok"' not in certificates and "Valid until" not in certificates

    vi = page(client, f"/q/{lot['code']}?lang=vi").get_data(as_text=True)
    assert vietnamese(app, "Suspended while the lot is recalled") in vi
    assert vietnamese(app, "Valid until %(date)s", date="31/12/2028") not in vi


def test_a_lot_made_from_a_recalled_one_shows_the_recall_too(app, client, farm, buyer, no_smtp):
    lot = make_lot(farm)
    green = farm.product(name="Cà phê nhân", standards=[])
    made = process(farm, lot["batch"]["id"], green["id"], "sorting")
    recall(farm, lot["batch"]["id"])
    in_english(client)
    html = page(client, f"/q/{public_code(farm, made)}").get_data(as_text=True)
    assert 'id="recall"' in html and "What to do:" in html and REASON in html


# English names ----------------------------------------------------------------------------


def test_english_names_on_the_english_page_only(app, client, farm):
    lot = make_lot(farm)
    product = farm.client.patch(
        f"/api/v1/products/{lot['product']['id']}",
        json={"name_en": "Robusta green coffee"},
        headers=farm.headers,
    )
    assert product.status_code == 200, product.json
    assert product.json["name_en"] == "Robusta green coffee"
    site = farm.client.patch(
        f"/api/v1/sites/{lot['site']['id']}",
        json={"name_en": "Lang Kon coffee area"},
        headers=farm.headers,
    )
    assert site.status_code == 200 and site.json["name_en"] == "Lang Kon coffee area"

    vi = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert "Cà phê nhân xanh Robusta" in vi and "Robusta green coffee" not in vi
    assert "Vùng trồng cà phê Làng Kon" in vi and "Lang Kon coffee area" not in vi
    in_english(client)
    en = page(client, f"/q/{lot['code']}").get_data(as_text=True)
    assert "<h1>Robusta green coffee</h1>" in en and "Cà phê nhân xanh Robusta" not in en
    assert "Harvested at Lang Kon coffee area" in en and "Làng Kon" not in en
    product_page = page(client, "/01/09520123456788").get_data(as_text=True)
    assert "<h1>Robusta green coffee</h1>" in product_page


def test_an_english_name_too_long_is_refused_naming_it(farm):
    lot = make_lot(farm, contract=False)
    answer = farm.client.patch(
        f"/api/v1/products/{lot['product']['id']}",
        json={"name_en": "x" * 201},
        headers=farm.headers,
    )
    assert answer.status_code == 422 and "name_en" in answer.json["errors"]


def test_the_forms_save_english_names(app, world, login):
    client = login(world["users"]["coop_a"])
    saved = post(client, "/trace/products/new", product_form(name_en="Green coffee"))
    assert saved.status_code == 302
    site = post(
        client,
        "/trace/sites/new",
        {
            "kind": "growing_area",
            "name": "Vùng cà phê Làng Kon",
            "name_en": "Lang Kon coffee area",
            "admin_unit": GIA_LAI_COMMUNES[0],
        },
    )
    assert site.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Product.name_en)) == "Green coffee"
        assert db.session.scalar(select(Site.name_en)) == "Lang Kon coffee area"


# One code on an item's page --------------------------------------------------------------------


def test_an_items_page_calls_one_thing_a_code(app, client, lot):
    code = add_unit(app, lot["batch"]["id"], "7")
    html = page(client, f"/q/{code}").get_data(as_text=True)
    item_no = vietnamese(app, "Item no.")
    assert f"<dt>{item_no}</dt><dd>7</dd>" in html
    assert vietnamese(app, "Code: %(code)s", code=code) in html
    label = vietnamese(app, "Code: %(code)s", code="").strip()
    assert html.count(label) == 1 and not item_no.startswith(label.rstrip(":"))


# The linkset and the public JSON -------------------------------------------------------------


def _texts(value) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize("language", ["vi", "en"])
def test_public_json_holds_what_the_page_shows(app, client, farm, no_smtp, language):
    lot = make_lot(farm)
    green = farm.product(name="Cà phê nhân", standards=[])
    made = process(farm, lot["batch"]["id"], green["id"], "drying")
    recall(farm, made)
    code = public_code(farm, made)
    html = page(client, f"/q/{code}?lang={language}").get_data(as_text=True)
    shown = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    shown = re.sub(r"\s+", " ", shown)
    answer = client.get(f"/q/{code}/trace.json?lang={language}")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    document = answer.json
    assert document["language"] == language and document["recall"]["reason"] == REASON
    assert [step["text"] for step in document["history"]]
    iso = re.compile(r"^\d{4}-\d\d-\d\d(T[\d:.+-]+)?$")
    for text in _texts(document):
        if iso.match(text) or text.startswith(BASE_URL) or text in ("recalled", "suspended"):
            continue  # dates as ISO, addresses, and states the page says in words
        assert re.sub(r"\s+", " ", text) in shown, text
    assert "Drying" in shown or vietnamese(app, "Drying") in shown


def test_public_json_answers_404_and_400_like_the_page(app, client, farm):
    lot = make_lot(farm, contract=False)
    unit = add_unit(app, lot["batch"]["id"])
    assert client.get(f"/q/{unit}/trace.json").status_code == 404  # a lot's document only
    assert client.get("/q/ZZZZZZZZZZZZZ/trace.json").status_code == 404
    assert client.get("/q/not-a-code!/trace.json").status_code == 400
    draft = farm.batch(lot["product"]["id"])
    assert client.get(f"/q/{draft['public_code']}/trace.json").status_code == 404
    document = client.get(f"/q/{lot['code']}/trace.json").json
    assert document["producer"]["phone"] is None  # shown with a recall only
    assert document["recall"] is None and document["lot"]["status"] == "active"
