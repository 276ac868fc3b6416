"""Who sees and does what on the trace side's pages: other cooperatives, enterprises,
the department and anonymous visitors."""

import pytest

from tests.conftest import csrf_token
from tests.trace_helpers import local_time, product_form
from tests.web_helpers import count, field_error, messages, post, text
from trace.models import Product, TraceEvent


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
