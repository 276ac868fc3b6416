"""The trace side's web UI: products, sites, batches and events through the real forms,
from harvest to shipment; editing, status and corrections."""

import re
from datetime import datetime
from io import BytesIO

import pytest
from PIL import Image

from core.extensions import db
from tests.conftest import GIA_LAI_COMMUNES
from tests.trace_helpers import batch_form, local_time, product_form
from tests.web_helpers import count, messages, post, text
from trace.models import Batch, BatchLink, BatchStatus, Product, Site, TraceEvent


def created_id(response, kind: str) -> int:
    assert response.status_code == 302, messages(response)
    match = re.search(rf"/trace/{kind}/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def png_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 60)).save(buffer, "PNG")
    return buffer.getvalue()


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
    # An active batch is completed, not rewritten: its events fix product, lot and quantity.
    edit = text(client.get(f"/trace/batches/{batch['id']}/edit"))
    assert 'id="completing"' in edit and 'name="quantity" value=' in edit
    assert 'id="f-quantity"' not in edit
    moved = post(client, f"/trace/batches/{batch['id']}/edit", {**form, "quantity": "70"})
    assert moved.status_code == 422
    with app.app_context():
        assert db.session.get(Batch, batch["id"]).quantity == 80


def test_activate_and_close(app, world, login, farm):
    product = farm.product()
    draft = farm.batch(product["id"], quantity=50)
    client = login(world["users"]["coop_a"])
    page, path = f"/trace/batches/{draft['id']}", f"/trace/batches/{draft['id']}/status"
    activate, close = 'name="status" value="active"', 'name="status" value="closed"'

    def offered() -> tuple[bool, bool]:
        html = text(client.get(page))
        return activate in html, close in html

    assert offered() == (False, False)  # a draft nothing has produced cannot be activated
    refused = post(client, path, {"status": "active"}, form_page=page)
    assert refused.status_code == 422 and 'id="e-status"' in text(refused)
    farm.harvest(draft["id"], farm.site()["id"])
    assert offered() == (False, True)
    closed = post(client, path, {"status": "closed"}, form_page=page)
    assert closed.status_code == 302
    with app.app_context():
        assert db.session.get(Batch, draft["id"]).status == BatchStatus.CLOSED
    assert offered() == (False, False)


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


@pytest.mark.parametrize(
    ("role", "uploads"),
    [("coop_a", True), ("ent_x", True), ("department", False)],
)
def test_the_trace_menu_leads_to_downloads_and_to_the_upload(login, world, role, uploads):
    page = text(login(world["users"][role]).get("/trace/batches"))
    menu = page.split('class="subnav"', 1)[1].split("</nav>", 1)[0]
    assert 'href="/trace/exports"' in menu
    assert ('href="/trace/epcis/capture"' in menu) is uploads
