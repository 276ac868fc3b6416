"""A delivery the buyer records waits for the cooperative (issue 18, item 8).

Pending, it writes no trace event, moves no stock and counts nowhere; the cooperative
confirms it (then, and only then, its shipping and receiving events are written, the
quantities checked again) or rejects it with a reason. Only the cooperative decides, and
only once. A delivery the cooperative records itself is confirmed at once. The
cooperative's home page lists what waits, and it confirms from there in a real browser.
"""

import threading

import pytest
from sqlalchemy import func, select

from core.extensions import db
from linkage.models import Delivery, DeliveryStatus
from registry.models import User
from tests.browser_helpers import fits_the_phone
from tests.conftest import PASSWORD, csrf_token
from tests.linkage_helpers import TODAY
from tests.missing import needs_postgres
from tests.web_helpers import post, text
from trace.models import EventKind, TraceEvent
from trace.services.quantities import held_quantities


def _harvested_lot(farm, quantity=1000):
    batch = farm.batch(farm.product()["id"], quantity)
    farm.harvest(batch["id"], farm.site()["id"])
    return batch


def _record(linkage, contract, batch, headers, quantity=600, expect=201):
    return linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        headers,
        {
            "delivered_on": TODAY.isoformat(),
            "lines": [
                {
                    "batch_id": batch["id"],
                    "quantity": quantity,
                    "accepted_quantity": quantity - 20,
                    "rejection_reason": "Quả xanh",
                }
            ],
        },
        expect=expect,
    ).json


def _state(app, batch_id: int, coop_id: int) -> dict:
    """What a delivery may change: trace events by kind, the lot's stock, delivery statuses."""
    with app.app_context():
        events = dict(
            db.session.execute(
                select(TraceEvent.kind, func.count()).group_by(TraceEvent.kind)
            ).all()
        )
        statuses = dict(
            db.session.execute(select(Delivery.id, Delivery.status).order_by(Delivery.id)).all()
        )
        return {
            "shipping": events.get(EventKind.SHIPPING, 0),
            "receiving": events.get(EventKind.RECEIVING, 0),
            "events": sum(events.values()),
            "held": held_quantities([batch_id], coop_id)[batch_id],
            "statuses": statuses,
        }


def _fulfilment(linkage, contract) -> tuple:
    rows = linkage.call(
        "get", f"/contracts/{contract['id']}/fulfilment", linkage.coop, expect=200
    ).json
    return rows[0]["delivered"], rows[0]["accepted"]


def test_a_buyers_delivery_waits_then_confirming_writes_one_shipment(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    before = _state(app, batch["id"], world["coop_a"])
    delivery = _record(linkage, contract, batch, linkage.ent)
    assert delivery["status"] == "pending"
    assert delivery["shipping_event_id"] is None and delivery["receiving_event_id"] is None
    pending = _state(app, batch["id"], world["coop_a"])
    # No event in anybody's chain, no stock moved, nothing delivered on the contract.
    assert pending["events"] == before["events"] and pending["held"] == 1000
    assert _fulfilment(linkage, contract) == (0, 0)
    # The enterprise does not see the cooperative's lot yet: nothing was shipped to it.
    linkage.call("get", f"/batches/{batch['id']}", linkage.ent, expect=404)

    confirmed = linkage.call(
        "post", f"/deliveries/{delivery['id']}/confirm", linkage.coop, expect=200
    ).json
    assert confirmed["status"] == "confirmed" and confirmed["decided_at"]
    after = _state(app, batch["id"], world["coop_a"])
    assert after["shipping"] == before["shipping"] + 1
    assert after["receiving"] == before["receiving"] + 1
    # 600 brought, 580 accepted: the 20 kg refused stay the cooperative's.
    assert after["events"] == before["events"] + 2 and after["held"] == 420
    shipping = linkage.call(
        "get", f"/events/{confirmed['shipping_event_id']}", linkage.coop, expect=200
    ).json
    assert shipping["organization_id"] == world["coop_a"]
    assert shipping["destination_org_id"] == world["ent_x"]
    with app.app_context():
        recorder = db.session.get(TraceEvent, confirmed["shipping_event_id"]).recorded_by_id
    assert recorder == world["users"]["coop_a"]  # the cooperative's confirmation wrote it
    assert _fulfilment(linkage, contract) == (600, 580)
    linkage.call("get", f"/batches/{batch['id']}", linkage.ent, expect=200)


def test_confirming_twice_is_refused(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    delivery = _record(linkage, contract, batch, linkage.ent, quantity=300)
    linkage.call("post", f"/deliveries/{delivery['id']}/confirm", linkage.coop, expect=200)
    once = _state(app, batch["id"], world["coop_a"])
    again = linkage.call(
        "post", f"/deliveries/{delivery['id']}/confirm", linkage.coop, expect=409
    ).json
    assert "status" in again["errors"]
    linkage.call(
        "post", f"/deliveries/{delivery['id']}/reject", linkage.coop, {"reason": "Nhầm"}, expect=409
    )
    assert _state(app, batch["id"], world["coop_a"]) == once
    assert once["held"] == 720  # 300 brought, 280 accepted


def test_rejecting_leaves_everything_unchanged(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    delivery = _record(linkage, contract, batch, linkage.ent)
    before = _state(app, batch["id"], world["coop_a"])
    path = f"/deliveries/{delivery['id']}/reject"
    short = linkage.call("post", path, linkage.coop, {"reason": ""}, expect=422).json
    assert "reason" in short["errors"]
    rejected = linkage.call(
        "post", path, linkage.coop, {"reason": "Không giao lô này"}, expect=200
    ).json
    assert rejected["status"] == "rejected" and rejected["reject_reason"] == "Không giao lô này"
    after = _state(app, batch["id"], world["coop_a"])
    assert after["events"] == before["events"] and after["held"] == before["held"] == 1000
    assert after["statuses"][delivery["id"]] == DeliveryStatus.REJECTED
    assert _fulfilment(linkage, contract) == (0, 0)
    linkage.call("post", f"/deliveries/{delivery['id']}/confirm", linkage.coop, expect=409)
    assert _state(app, batch["id"], world["coop_a"]) == after


def test_only_the_selling_cooperative_decides(app, linkage, farm, world, token_for):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    delivery = _record(linkage, contract, batch, linkage.ent)
    before = _state(app, batch["id"], world["coop_a"])
    confirm, reject = (f"/deliveries/{delivery['id']}/{action}" for action in ("confirm", "reject"))
    reason = {"reason": "Tự xác nhận"}
    # The buyer and the department see the delivery but may not decide it.
    for headers in (linkage.ent, linkage.dept):
        assert linkage.call("post", confirm, headers, expect=403).json["code"] == "forbidden"
        linkage.call("post", reject, headers, reason, expect=403)
    # Another cooperative and another enterprise are not party: not found.
    for headers in (token_for(world["users"]["coop_b"]), token_for(world["users"]["ent_y"])):
        linkage.call("post", confirm, headers, expect=404)
        linkage.call("post", reject, headers, reason, expect=404)
    linkage.call("post", confirm, {}, expect=401)
    linkage.call("post", "/deliveries/999999/confirm", linkage.coop, expect=404)
    assert _state(app, batch["id"], world["coop_a"]) == before


def test_the_cooperatives_own_delivery_is_confirmed_at_once(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    before = _state(app, batch["id"], world["coop_a"])
    delivery = _record(linkage, contract, batch, linkage.coop)
    assert delivery["status"] == "confirmed" and delivery["shipping_event_id"]
    after = _state(app, batch["id"], world["coop_a"])
    assert after["shipping"] == before["shipping"] + 1 and after["held"] == 420
    assert _fulfilment(linkage, contract) == (600, 580)
    linkage.call("post", f"/deliveries/{delivery['id']}/confirm", linkage.coop, expect=409)


def test_a_confirmation_the_stock_no_longer_covers_is_refused(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    waiting = _record(linkage, contract, batch, linkage.ent, quantity=600)
    # Meanwhile the cooperative delivers 500 kg of the lot itself, 480 accepted: 520 are left.
    _record(linkage, contract, batch, linkage.coop, quantity=500)
    before = _state(app, batch["id"], world["coop_a"])
    refused = linkage.call(
        "post", f"/deliveries/{waiting['id']}/confirm", linkage.coop, expect=409
    ).json
    assert batch["lot_code"] in refused["errors"]["lines"][0]
    assert "520" in refused["errors"]["lines"][0]
    after = _state(app, batch["id"], world["coop_a"])
    assert after == before and after["statuses"][waiting["id"]] == DeliveryStatus.PENDING


def test_a_lot_recalled_meanwhile_is_not_confirmed(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    waiting = _record(linkage, contract, batch, linkage.ent, quantity=100)
    recall = {"batch_id": batch["id"], "reason": "Dư lượng thuốc", "severity": "serious"}
    linkage.call("post", "/recalls", linkage.coop, recall, expect=201)
    before = _state(app, batch["id"], world["coop_a"])
    refused = linkage.call(
        "post", f"/deliveries/{waiting['id']}/confirm", linkage.coop, expect=409
    ).json
    assert batch["lot_code"] in refused["errors"]["lines"][0]
    assert _state(app, batch["id"], world["coop_a"]) == before
    # Nor may the buyer record a delivery of it, pending or not.
    again = _record(linkage, contract, batch, linkage.ent, quantity=100, expect=422)
    assert f"#{batch['id']}" in again["errors"]["lines"][0]  # the buyer does not see the lot


def test_the_home_page_lists_deliveries_to_confirm(app, linkage, farm, world, login):
    contract = linkage.signed_contract("HĐLK-HOME-01")
    batch = _harvested_lot(farm)
    delivery = _record(linkage, contract, batch, linkage.ent)
    coop = login(world["users"]["coop_a"])
    home = text(coop.get("/"))
    assert 'id="deliveries-to-confirm"' in home and "HĐLK-HOME-01" in home
    link = f"/linkage/contracts/{contract['id']}#decide-{delivery['id']}"
    assert link in home and batch["lot_code"] in home
    assert link in text(coop.get("/linkage/"))  # the cooperative's linkage overview too
    # The buyer's contract page shows it waiting; its home page has no such list.
    ent = login(world["users"]["ent_x"])
    page = text(ent.get(f"/linkage/contracts/{contract['id']}"))
    assert "badge-delivery-pending" in page and "delivery_confirm" not in page
    assert f"/linkage/deliveries/{delivery['id']}/confirm" not in page
    assert 'id="deliveries-to-confirm"' not in text(ent.get("/"))
    assert "badge-delivery-pending" in text(ent.get("/linkage/"))  # its latest deliveries
    # The buyer posting the cooperative's button is refused, and nothing changes.
    path = f"/linkage/contracts/{contract['id']}"
    before = _state(app, batch["id"], world["coop_a"])
    refused = post(ent, f"/linkage/deliveries/{delivery['id']}/confirm", {}, form_page=path)
    assert refused.status_code == 403
    assert _state(app, batch["id"], world["coop_a"]) == before
    # The cooperative rejects it through the form: a reason is needed.
    no_reason = post(coop, f"/linkage/deliveries/{delivery['id']}/reject", {}, form_page=path)
    assert no_reason.status_code == 422
    rejected = post(
        coop, f"/linkage/deliveries/{delivery['id']}/reject", {"reason": "Sai lô"}, form_page=path
    )
    assert rejected.status_code == 302
    assert 'id="deliveries-to-confirm"' not in text(coop.get("/"))
    assert "Sai lô" in text(ent.get(path))
    assert _state(app, batch["id"], world["coop_a"])["events"] == before["events"]


def test_two_confirmations_at_once_write_one_shipment(app, linkage, farm, world, is_postgres):
    needs_postgres(is_postgres, "SQLite serialises writers; the race is a PostgreSQL concern")
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    delivery = _record(linkage, contract, batch, linkage.ent, quantity=300)
    before = _state(app, batch["id"], world["coop_a"])
    results = []
    start = threading.Barrier(2)

    def confirm():
        client = app.test_client()
        start.wait()
        response = client.post(f"/api/v1/deliveries/{delivery['id']}/confirm", headers=linkage.coop)
        results.append(response.status_code)

    threads = [threading.Thread(target=confirm) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [200, 409], results
    after = _state(app, batch["id"], world["coop_a"])
    assert after["shipping"] == before["shipping"] + 1 and after["held"] == 720


@pytest.mark.browser
def test_the_cooperative_confirms_from_its_home_page(app, world, linkage, farm, page, base_url):
    contract = linkage.signed_contract("HĐLK-BROWSER-01")
    batch = _harvested_lot(farm)
    delivery = _record(linkage, contract, batch, linkage.ent)
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("a@htx.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")
    panel = page.locator("#deliveries-to-confirm")
    assert panel.locator("li.pending-delivery").count() == 1
    fits_the_phone(page, "home-deliveries-to-confirm")
    panel.locator("a", has_text="HĐLK-BROWSER-01").click()
    page.wait_for_url(f"**/linkage/contracts/{contract['id']}#decide-{delivery['id']}")
    fits_the_phone(page, "linkage-delivery-to-confirm")
    page.locator(f"#decide-{delivery['id']} button.confirm-delivery").click()
    page.wait_for_load_state()
    assert page.locator(f"#delivery-{delivery['id']} .badge-delivery-confirmed").count() == 1
    assert page.locator(f"#decide-{delivery['id']}").count() == 0
    page.goto(f"{base_url}/")
    assert page.locator("#deliveries-to-confirm").count() == 0
    with app.app_context():
        found = db.session.get(Delivery, delivery["id"])
        assert found.status == DeliveryStatus.CONFIRMED and found.shipping_event_id


def test_the_demo_has_one_delivery_to_confirm_on_a_home_page(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        pending = db.session.scalars(
            select(Delivery).where(Delivery.status == DeliveryStatus.PENDING)
        ).all()
        assert len(pending) == 1 and pending[0].shipping_event_id is None
        number = pending[0].contract.number
        emails = set(
            db.session.scalars(
                select(User.email).where(User.organization_id == pending[0].cooperative_id)
            )
        )
        confirmed = db.session.scalar(
            select(func.count()).where(Delivery.status == DeliveryStatus.CONFIRMED)
        )
        assert confirmed > 0  # the others the cooperatives recorded themselves
    password = next(
        line.split()[-1] for line in result.output.splitlines() if line.split()[:1] == [*emails][:1]
    )
    client = app.test_client()
    form = {"email": [*emails][0], "password": password, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=form).status_code == 302
    home = text(client.get("/"))
    assert 'id="deliveries-to-confirm"' in home and number in home


def test_the_buyers_refusals_never_name_the_cooperatives_lots(linkage, farm):
    """The buyer does not see the cooperative's lots: a refused line names the id it sent."""
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm, quantity=100)
    draft = farm.batch(farm.product()["id"], 50)
    too_much = _record(linkage, contract, batch, linkage.ent, quantity=500, expect=409)
    assert f"#{batch['id']}" in str(too_much) and batch["lot_code"] not in str(too_much)
    refused = _record(linkage, contract, draft, linkage.ent, quantity=30, expect=422)
    assert draft["lot_code"] not in str(refused)
    # The cooperative recording the same gets its own lot's code.
    own = _record(linkage, contract, batch, linkage.coop, quantity=500, expect=409)
    assert batch["lot_code"] in str(own)
