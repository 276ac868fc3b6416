"""The trace forms' bad input: re-rendered with field messages, 422, nothing written."""

from io import BytesIO

from tests.trace_helpers import batch_form, local_time, product_form
from tests.web_helpers import count, field_error, post, text
from trace.models import Batch, Product, Site, TraceEvent


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
