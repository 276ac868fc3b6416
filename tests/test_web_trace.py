"""The trace side's web UI: products, sites, batches and events through the real forms,
who sees and does what, and bad input that re-renders with field messages and writes nothing."""

import re
from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from core.extensions import db
from tests.conftest import GIA_LAI_COMMUNES, csrf_token, row_count
from trace.models import Batch, BatchLink, BatchStatus, Product, Site, TraceEvent

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict, form_page: str | None = None, **kwargs):
    """POST a form with the CSRF token read from the form's own page, as a browser would."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def count(app, model) -> int:
    with app.app_context():
        return row_count(model)


def messages(response) -> list[str]:
    """The error messages a re-rendered form shows (to explain a failed assertion)."""
    return re.findall(r'class="(?:field-)?error"[^>]*>([^<]*)<', text(response))


def created_id(response, kind: str) -> int:
    assert response.status_code == 302, messages(response)
    match = re.search(rf"/trace/{kind}/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def local_time(days_ago: float = 1) -> str:
    """A datetime-local value (Vietnam time), as the browser posts it."""
    moment = datetime.now(VIETNAM) - timedelta(days=days_ago)
    return moment.strftime("%Y-%m-%dT%H:%M")


def field_error(html: str, name: str) -> str:
    match = re.search(rf'<span class="field-error" id="e-{re.escape(name)}">([^<]+)<', html)
    assert match, f"no message for {name}"
    return match.group(1)


def png_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


def product_form(**values) -> dict:
    form = {
        "name": "Cà phê nhân Robusta",
        "category": "coffee",
        "unit": "kg",
        "is_agricultural": "1",
        "standards.0.kind": "vietgap",
        "standards.0.certificate_number": "VG-52-0001",
        "standards.0.issuer": "Trung tâm Chứng nhận",
        "standards.0.expires_on": "2028-12-31",
        "standards.1.kind": "",
    }
    form.update(values)
    return form


def batch_form(product_id: int, member_id: int, site_id: int | None = None, **values) -> dict:
    form = {
        "product_id": str(product_id),
        "quantity": "1.000",
        "harvest_date": (datetime.now(VIETNAM).date() - timedelta(days=3)).isoformat(),
        f"hh-{member_id}": "1000",
    }
    if site_id is not None:
        form["site_ids"] = str(site_id)
    form.update(values)
    return form


# The cooperative's whole flow through the forms -----------------------------------------


def test_cooperative_records_a_batch_from_harvest_to_shipment(app, world, login):
    client = login(world["users"]["coop_a"])
    member = world["member_a"]

    product_id = created_id(post(client, "/trace/products/new", product_form()), "products")
    image = post(
        client,
        f"/trace/products/{product_id}/image",
        {"image": (BytesIO(png_bytes()), "ca-phe.png")},
        form_page=f"/trace/products/{product_id}",
        content_type="multipart/form-data",
    )
    assert image.status_code == 302
    with client.get(f"/trace/products/{product_id}/image") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
        assert "private" in photo.headers["Cache-Control"]
        assert Image.open(BytesIO(photo.get_data())).format == "JPEG"

    site_html = text(client.get("/trace/sites/new"))
    assert f'name="household_ids" value="{member}"' in site_html
    site_id = created_id(
        post(
            client,
            "/trace/sites/new",
            {
                "kind": "growing_area",
                "name": "Vùng cà phê Làng Kon",
                "planting_area_code": "VN-52-CF-0001",
                "admin_unit": GIA_LAI_COMMUNES[0],
                "area_ha": "12,5",
                "household_ids": str(member),
            },
        ),
        "sites",
    )
    with app.app_context():
        site = db.session.get(Site, site_id)
        assert site.area_ha == 12.5 and [h.id for h in site.households] == [member]

    batch_id = created_id(
        post(client, "/trace/batches/new", batch_form(product_id, member, site_id)), "batches"
    )
    page = text(client.get(f"/trace/batches/{batch_id}"))
    assert 'id="traced"' in page and "badge-untraced" in page
    assert re.search(r'class="missing" data-key="tracking_event"', page)
    assert "Nguyễn Văn An" in page  # its own households, by name

    harvested_at = local_time(2)
    harvest = post(
        client,
        f"/trace/batches/{batch_id}/events/harvest/new",
        {"event_time": harvested_at, "site_id": str(site_id), "quantity": ""},
    )
    assert harvest.status_code == 302, messages(harvest)
    with app.app_context():
        assert db.session.get(Batch, batch_id).status == BatchStatus.ACTIVE

    form_html = text(client.get(f"/trace/batches/{batch_id}/events/transformation/new"))
    assert f'name="in-{batch_id}"' in form_html
    split = post(
        client,
        f"/trace/batches/{batch_id}/events/transformation/new",
        {
            "event_time": local_time(1),
            "transformation": "splitting",
            f"in-{batch_id}": "600",
            "outputs.0.product_id": str(product_id),
            "outputs.0.quantity": "300",
            "outputs.0.lot_code": "CF-TACH-1",
            "outputs.1.product_id": str(product_id),
            "outputs.1.quantity": "300",
        },
    )
    assert split.status_code == 302, messages(split)
    assert count(app, BatchLink) == 2
    with app.app_context():
        child = db.session.scalar(db.select(Batch).where(Batch.lot_code == "CF-TACH-1"))
        child_id = child.id

    ship_form = text(client.get(f"/trace/batches/{batch_id}/events/shipping/new"))
    assert "Công ty TNHH X" in ship_form and "<optgroup" in ship_form
    shipped = post(
        client,
        f"/trace/batches/{batch_id}/events/shipping/new",
        {
            "event_time": local_time(0.5),
            "destination_org_id": str(world["ent_x"]),
            "quantity": "150,5",
            "reference_type": "contract",
            "reference_id": "HĐ-2026-01",
        },
    )
    assert shipped.status_code == 302, messages(shipped)

    page = text(client.get(f"/trace/batches/{batch_id}"))
    timeline = page.split('id="timeline"', 1)[1]
    kinds = re.findall(r'class="event event-(\w+)', timeline)
    assert kinds == ["harvest", "transformation", "shipping"]
    shown = datetime.strptime(harvested_at, "%Y-%m-%dT%H:%M").strftime("%d/%m/%Y %H:%M")
    assert f">{shown}</time>" in timeline  # Vietnam time in, Vietnam time out
    assert "Công ty TNHH X" in timeline and "HĐ-2026-01" in timeline
    assert "CF-TACH-1" in timeline
    assert re.search(r'class="ok" data-key="tracking_event"', page)
    assert re.search(r'class="ok" data-key="product_image"', page)
    assert re.search(r'id="held">\s*<span class="qty">249,5', page)  # 1000 − 600 − 150,5

    forward = text(client.get(f"/trace/batches/{batch_id}/chain?direction=forward"))
    tree = forward.split('id="tree"', 1)[1]
    assert "CF-TACH-1" in tree and "Công ty TNHH X" in tree
    assert tree.count('<li class="node') == 3
    link = re.search(r'<p class="node-link muted">(.*?)</p>', tree, re.S).group(1)
    assert '<span class="qty">600&nbsp;kg</span>' in link and "&lt;" not in link
    backward = text(client.get(f"/trace/batches/{child_id}/chain?direction=backward"))
    assert re.search(rf'href="/trace/batches/{batch_id}"><code>', backward)


def test_transformation_outputs_and_inputs_keep_the_form(app, world, login, farm):
    product = farm.product()
    batch = farm.batch(product["id"], quantity=100)
    farm.harvest(batch["id"], farm.site()["id"])
    client = login(world["users"]["coop_a"])
    before = (count(app, TraceEvent), count(app, Batch))
    response = post(
        client,
        f"/trace/batches/{batch['id']}/events/transformation/new",
        {
            "event_time": local_time(1),
            "transformation": "packing",
            f"in-{batch['id']}": "500",
            "outputs.2.product_id": str(product["id"]),
            "outputs.2.quantity": "40",
        },
    )
    html = text(response)
    assert response.status_code == 422
    assert "100" in html.split('id="e-inputs"', 1)[1][:200]  # "only 100 kg left"
    assert 'name="outputs.0.quantity" type="text" value="40"' in html  # the row moved up
    assert (count(app, TraceEvent), count(app, Batch)) == before


# Bad input: a field message, 422, nothing written ------------------------------------------


def test_shipping_more_than_held_is_refused(app, world, login, farm):
    batch = farm.batch(farm.product()["id"], quantity=100)
    farm.harvest(batch["id"], farm.site()["id"])
    client = login(world["users"]["coop_a"])
    before = count(app, TraceEvent)
    response = post(
        client,
        f"/trace/batches/{batch['id']}/events/shipping/new",
        {"event_time": local_time(1), "destination_org_id": str(world["ent_x"]), "quantity": "101"},
    )
    assert response.status_code == 422
    assert "100" in field_error(text(response), "quantity")
    assert 'value="101"' in text(response)
    assert count(app, TraceEvent) == before


def test_harvest_date_after_packing_date_is_refused(app, world, login, farm):
    product = farm.product()
    client = login(world["users"]["coop_a"])
    before = count(app, Batch)
    form = batch_form(product["id"], world["member_a"], harvest_date="2026-01-10")
    form["packing_date"] = "2026-01-05"
    response = post(client, "/trace/batches/new", form)
    assert response.status_code == 422
    assert field_error(text(response), "packing_date")
    assert count(app, Batch) == before


def test_form_errors_name_their_fields(app, world, login, farm):
    product = farm.product()
    client = login(world["users"]["coop_a"])
    before = (count(app, Product), count(app, Batch), count(app, Site), count(app, TraceEvent))

    bad_gtin = post(client, "/trace/products/new", product_form(gtin="12345"))
    assert bad_gtin.status_code == 422 and field_error(text(bad_gtin), "gtin")
    no_kind = post(
        client,
        "/trace/products/new",
        product_form(**{"standards.0.kind": "", "standards.0.certificate_number": "X-1"}),
    )
    assert no_kind.status_code == 422 and field_error(text(no_kind), "standards.0.kind")

    member = world["member_a"]
    short = post(
        client, "/trace/batches/new", batch_form(product["id"], member, **{f"hh-{member}": "900"})
    )
    assert short.status_code == 422
    assert "900" in text(short).split('id="e-households"', 1)[1][:300]
    assert f'name="hh-{member}" inputmode="decimal" value="900"' in text(short)

    no_site = post(client, "/trace/sites/new", {"name": "", "admin_unit": "00000"})
    assert no_site.status_code == 422 and field_error(text(no_site), "name")

    batch = farm.batch(product["id"])
    no_place = post(
        client,
        f"/trace/batches/{batch['id']}/events/harvest/new",
        {"event_time": local_time(1), "site_id": ""},
    )
    assert no_place.status_code == 422 and field_error(text(no_place), "site_id")
    future = post(
        client,
        f"/trace/batches/{batch['id']}/events/harvest/new",
        {"event_time": local_time(-2), "site_id": str(farm.site()["id"])},
    )
    assert future.status_code == 422 and field_error(text(future), "event_time")

    after = (count(app, Product), count(app, Batch), count(app, Site), count(app, TraceEvent))
    assert after == (before[0], before[1] + 1, before[2] + 1, before[3])  # farm's batch and site


def test_names_are_escaped(app, world, login, farm):
    product = farm.product(name="<b>Cà phê</b>")
    batch = farm.batch(product["id"])
    client = login(world["users"]["coop_a"])
    for url in (
        f"/trace/products/{product['id']}",
        f"/trace/batches/{batch['id']}",
        "/trace/batches",
    ):
        html = text(client.get(url))
        assert "&lt;b&gt;Cà phê&lt;/b&gt;" in html and "<b>Cà phê" not in html, url


def test_a_post_without_the_csrf_token_is_refused(app, world, login):
    client = login(world["users"]["coop_a"])
    response = client.post("/trace/products/new", data=product_form())
    assert response.status_code == 400
    assert count(app, Product) == 0


def test_a_bad_photo_is_refused(app, world, login, farm):
    product = farm.product()
    client = login(world["users"]["coop_a"])
    response = post(
        client,
        f"/trace/products/{product['id']}/image",
        {"image": (BytesIO(b"not an image"), "x.png")},
        form_page=f"/trace/products/{product['id']}",
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and field_error(text(response), "image")
    assert client.get(f"/trace/products/{product['id']}/image").status_code == 404


# Editing, status, corrections ---------------------------------------------------------------


def test_edit_forms_show_the_record_and_save_it(app, world, login, farm):
    product = farm.product()
    batch = farm.batch(product["id"], quantity=100)
    client = login(world["users"]["coop_a"])

    html = text(client.get(f"/trace/products/{product['id']}/edit"))
    assert 'value="VG-52-0001"' in html and 'name="standards.1.kind"' in html
    form = product_form(name="Cà phê Robusta rang", shelf_life_days="365")
    del form["is_agricultural"]
    assert post(client, f"/trace/products/{product['id']}/edit", form).status_code == 302
    with app.app_context():
        saved = db.session.get(Product, product["id"])
        assert (saved.name, saved.shelf_life_days, saved.is_agricultural) == (
            "Cà phê Robusta rang",
            365,
            False,
        )

    html = text(client.get(f"/trace/batches/{batch['id']}/edit"))
    assert f'name="hh-{world["member_a"]}" inputmode="decimal" value="100"' in html
    form = batch_form(product["id"], world["member_a"], quantity="80", lot_code="LO-SUA-1")
    form[f"hh-{world['member_a']}"] = "80"
    assert post(client, f"/trace/batches/{batch['id']}/edit", form).status_code == 302
    with app.app_context():
        saved = db.session.get(Batch, batch["id"])
        assert (saved.lot_code, saved.quantity) == ("LO-SUA-1", 80)

    farm.harvest(batch["id"], farm.site()["id"])
    edit = client.get(f"/trace/batches/{batch['id']}/edit")
    assert edit.status_code == 302  # an active batch is fixed by its events


def test_activate_and_close(app, world, login, farm):
    product = farm.product()
    draft = farm.batch(product["id"], quantity=50)
    client = login(world["users"]["coop_a"])
    path = f"/trace/batches/{draft['id']}/status"
    refused = post(client, path, {"status": "active"}, form_page=f"/trace/batches/{draft['id']}")
    assert refused.status_code == 422 and 'id="e-status"' in text(refused)
    farm.harvest(draft["id"], farm.site()["id"])
    closed = post(client, path, {"status": "closed"}, form_page=f"/trace/batches/{draft['id']}")
    assert closed.status_code == 302
    with app.app_context():
        assert db.session.get(Batch, draft["id"]).status == BatchStatus.CLOSED


def test_declaring_an_event_erroneous(app, world, login, farm):
    batch = farm.batch(farm.product()["id"], quantity=100)
    event = farm.harvest(batch["id"], farm.site()["id"])
    client = login(world["users"]["coop_a"])
    path = f"/trace/batches/{batch['id']}/events/{event['id']}/erroneous"
    page = f"/trace/batches/{batch['id']}"
    before = count(app, TraceEvent)
    empty = post(client, path, {"reason": " "}, form_page=page)
    assert empty.status_code == 422 and "field-error" in text(empty)
    assert count(app, TraceEvent) == before
    done = post(client, path, {"reason": "Nhập nhầm lô"}, form_page=page)
    assert done.status_code == 302
    html = text(client.get(page))
    assert re.search(rf'class="event event-harvest erroneous" id="event-{event["id"]}"', html)
    assert "Nhập nhầm lô" in html and "event-correction" in html
    assert re.search(r'class="missing" data-key="tracking_event"', html)
    again = post(client, path, {"reason": "Lần nữa"}, form_page=page)
    assert again.status_code == 422 and 'class="field-error"' in text(again)
    assert count(app, TraceEvent) == before + 1


def test_batch_list_pages_by_cursor_and_filters(app, world, login, farm):
    product = farm.product()
    other = farm.product(name="Hồ tiêu đen")
    for n in range(27):
        farm.batch(product["id"], quantity=10, lot_code=f"CF-{n:03d}")
    farm.batch(other["id"], quantity=10, lot_code="HT-001")
    client = login(world["users"]["coop_a"])

    first = text(client.get("/trace/batches"))
    assert first.count("<code>CF-") + first.count("<code>HT-") == 25
    next_link = re.search(r'href="\?([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    second = text(client.get(f"/trace/batches?{next_link}"))
    assert second.count("<code>CF-") == 3 and 'rel="next"' not in second

    only_pepper = text(client.get(f"/trace/batches?product_id={other['id']}"))
    assert "HT-001" in only_pepper and "CF-0" not in only_pepper
    prefix = text(client.get("/trace/batches?q=cf-02"))
    assert re.findall(r"<code>(CF-\d+)</code>", prefix) == [f"CF-02{n}" for n in range(6, -1, -1)]
    drafts = text(client.get("/trace/batches?status=active"))
    assert "CF-0" not in drafts
    bad_filter = text(client.get(f"/trace/batches?status=nonsense&product_id={other['id']}"))
    assert "HT-001" in bad_filter and "CF-0" not in bad_filter and 'id="e-status"' in bad_filter


# Who sees and does what ---------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    for url in ("/trace/products", "/trace/batches", "/trace/sites", "/trace/batches/1"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next=%2Ftrace%2F"), url


def test_another_cooperative_gets_404(app, world, login, farm):
    product = farm.product()
    site = farm.site()
    batch = farm.batch(product["id"])
    event = farm.harvest(batch["id"], site["id"])
    client = login(world["users"]["coop_b"])
    b = batch["id"]
    for url in (
        f"/trace/products/{product['id']}",
        f"/trace/products/{product['id']}/edit",
        f"/trace/products/{product['id']}/image",
        f"/trace/sites/{site['id']}",
        f"/trace/sites/{site['id']}/edit",
        f"/trace/batches/{b}",
        f"/trace/batches/{b}/edit",
        f"/trace/batches/{b}/chain",
        f"/trace/batches/{b}/events/shipping/new",
    ):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/trace/batches")
    before = count(app, TraceEvent)
    for url, data in (
        (f"/trace/batches/{b}/events/shipping/new", {"quantity": "1"}),
        (f"/trace/batches/{b}/events/{event['id']}/erroneous", {"reason": "x"}),
        (f"/trace/batches/{b}/status", {"status": "closed"}),
    ):
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 404, url
    assert count(app, TraceEvent) == before
    listing = text(client.get("/trace/batches"))
    assert batch["lot_code"] not in listing


def test_enterprise_sees_delivered_lots_and_records_receipt(app, world, login, farm):
    product = farm.product()
    site = farm.site()
    shipped = farm.batch(product["id"], quantity=100)
    kept = farm.batch(product["id"], quantity=100)
    for batch in (shipped, kept):
        farm.harvest(batch["id"], site["id"])
    farm.ship(shipped["id"], 60, world["ent_x"], reference={"type": "contract", "id": "HĐ-9"})

    client = login(world["users"]["ent_x"])
    client.get("/lang/en")  # the timeline is checked for English text
    listing = text(client.get("/trace/batches"))
    assert shipped["lot_code"] in listing and kept["lot_code"] not in listing
    assert client.get(f"/trace/batches/{kept['id']}").status_code == 404

    page = text(client.get(f"/trace/batches/{shipped['id']}"))
    assert f"/trace/batches/{shipped['id']}/events/receiving/new" in page
    for kind in ("harvest", "shipping", "transformation", "inspection"):
        assert f"/events/{kind}/new" not in page
    assert "Nguyễn Văn An" not in page  # households' names stay with the cooperative
    assert "erroneous" not in page.split('id="timeline"', 1)[1]

    for url in (
        "/trace/products/new",
        "/trace/sites/new",
        "/trace/batches/new",
        f"/trace/batches/{shipped['id']}/events/shipping/new",
        f"/trace/batches/{shipped['id']}/edit",
    ):
        assert client.get(url).status_code == 403, url

    form = text(client.get(f"/trace/batches/{shipped['id']}/events/receiving/new"))
    assert f'<option value="{world["coop_a"]}" selected>' in form
    before = count(app, TraceEvent)
    too_much = post(
        client,
        f"/trace/batches/{shipped['id']}/events/receiving/new",
        {"event_time": local_time(0.1), "source_org_id": str(world["coop_a"]), "quantity": "61"},
    )
    assert too_much.status_code == 422 and field_error(text(too_much), "quantity")
    assert count(app, TraceEvent) == before
    received = post(
        client,
        f"/trace/batches/{shipped['id']}/events/receiving/new",
        {
            "event_time": local_time(0.1),
            "source_org_id": str(world["coop_a"]),
            "quantity": "60",
            "reference_type": "contract",
            "reference_id": "HĐ-9",
        },
    )
    assert received.status_code == 302, messages(received)
    assert count(app, TraceEvent) == before + 1
    page = text(client.get(f"/trace/batches/{shipped['id']}"))
    assert "event-receiving" in page

    other = login(world["users"]["ent_y"])
    assert other.get(f"/trace/batches/{shipped['id']}").status_code == 404
    assert other.get(f"/trace/batches/{shipped['id']}/events/receiving/new").status_code == 404


def test_department_reads_everything_and_changes_nothing(app, world, login, farm):
    product = farm.product()
    site = farm.site()
    batch = farm.batch(product["id"])
    farm.harvest(batch["id"], site["id"])
    client = login(world["users"]["department"])
    client.get("/lang/en")  # the page is checked for English button text
    for url in (
        "/trace/products",
        "/trace/sites",
        "/trace/batches",
        f"/trace/products/{product['id']}",
        f"/trace/sites/{site['id']}",
        f"/trace/batches/{batch['id']}",
        f"/trace/batches/{batch['id']}/chain?direction=backward",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert batch["lot_code"] in text(client.get("/trace/batches"))
    page = text(client.get(f"/trace/batches/{batch['id']}"))
    assert "/events/" not in page.replace('id="events"', "")  # no recording buttons
    assert "Declare erroneous" not in page

    for url in (
        "/trace/products/new",
        f"/trace/products/{product['id']}/edit",
        "/trace/sites/new",
        "/trace/batches/new",
        f"/trace/batches/{batch['id']}/edit",
        f"/trace/batches/{batch['id']}/events/harvest/new",
        f"/trace/batches/{batch['id']}/events/receiving/new",
    ):
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/trace/batches")
    before = (count(app, Product), count(app, TraceEvent))
    created = client.post("/trace/products/new", data={**product_form(), "csrf_token": token})
    assert created.status_code == 403
    status = client.post(
        f"/trace/batches/{batch['id']}/status", data={"status": "closed", "csrf_token": token}
    )
    assert status.status_code == 403
    assert (count(app, Product), count(app, TraceEvent)) == before


@pytest.mark.parametrize("kind", ["input_applied", "inspection"])
def test_observations_are_recorded(app, world, login, farm, kind):
    batch = farm.batch(farm.product()["id"], quantity=100)
    site = farm.site()
    farm.harvest(batch["id"], site["id"])
    client = login(world["users"]["coop_a"])
    data = {"event_time": local_time(1), "site_id": str(site["id"])}
    if kind == "input_applied":
        data.update(input_name="Phân NPK 16-16-8", dose="2,5", dose_unit="kg/ha")
        data["pre_harvest_interval_days"] = "14"
    else:
        data.update(result="pass", certificate="KN-2026-77")
    response = post(client, f"/trace/batches/{batch['id']}/events/{kind}/new", data)
    assert response.status_code == 302, messages(response)
    html = text(client.get(f"/trace/batches/{batch['id']}"))
    assert f"event-{kind}" in html
    assert ("Phân NPK 16-16-8" if kind == "input_applied" else "KN-2026-77") in html


def test_unknown_event_kind_is_404(world, login, farm):
    batch = farm.batch(farm.product()["id"])
    client = login(world["users"]["coop_a"])
    assert client.get(f"/trace/batches/{batch['id']}/events/recall/new").status_code == 404
