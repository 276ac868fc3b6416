"""The linkage web UI: contracts drafted, confirmed and verified through the real forms,
deliveries into fulfilment (also on a phone, in a real browser); bad input that
re-renders with field messages and writes nothing."""

import re
from datetime import timedelta

import pytest

from core.extensions import db
from linkage.models import (
    Contract,
    ContractState,
    Delivery,
)
from tests.browser_helpers import fits_the_phone
from tests.conftest import PASSWORD
from tests.linkage_helpers import TODAY, contract_form, saved_id
from tests.web_helpers import count, field_error, post, text


def harvested_lot(farm, quantity=1000, **product):
    lot = farm.batch(farm.product(**product)["id"], quantity)
    farm.harvest(lot["id"], farm.site()["id"])
    return lot


def delivery_form(batch_id: int, quantity: str, **values) -> dict:
    form = {
        "delivered_on": TODAY.isoformat(),
        "price_vnd": "96.000",
        "lines.0.batch_id": str(batch_id),
        "lines.0.quantity": quantity,
        "lines.0.accepted_quantity": "",
        "lines.0.rejection_reason": "",
    }
    for row in range(1, 5):
        form.update({f"lines.{row}.batch_id": "", f"lines.{row}.quantity": ""})
    form.update(values)
    return form


# The lifecycle through the forms ---------------------------------------------------------


def test_enterprise_drafts_cooperative_confirms_department_verifies(app, world, login):
    users = world["users"]
    ent = login(users["ent_x"])
    new_page = ent.get("/linkage/contracts/new")
    assert new_page.status_code == 200 and "HTX Cà phê Đăk Đoa" in text(new_page)
    contract_id = saved_id(post(ent, "/linkage/contracts/new", contract_form(world["coop_a"])))
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert [p.organization_id for p in contract.cooperative_parties] == [world["coop_a"]]
        assert len(contract.items) == 1 and contract.items[0].quantity == 20000
        assert contract.price_vnd == 95000 and contract.area_ha == 55.5
    path = f"/linkage/contracts/{contract_id}"
    page = text(ent.get(path))
    assert 'id="checklist"' in page and 'class="missing"' not in page
    assert saved_id(post(ent, f"{path}/confirm", {}, form_page=path)) == contract_id

    coop = login(users["coop_a"])
    page = text(coop.get(path))
    assert "badge-contract-draft" in page and f"{path}/confirm" in page
    assert saved_id(post(coop, f"{path}/confirm", {}, form_page=path)) == contract_id
    page = text(coop.get(path))
    assert "badge-contract-active" in page and f"{path}/confirm" not in page

    dept = login(users["department"])
    assert saved_id(post(dept, f"{path}/verify", {}, form_page=path)) == contract_id
    assert 'id="verified"' in text(dept.get(path))
    assert "In force" in text(dept.get(f"{path}?lang=en"))
    with app.app_context():
        contract = db.session.get(Contract, contract_id)
        assert contract.state == ContractState.SIGNED and contract.verified_at is not None


def test_incomplete_draft_shows_its_checklist_and_cannot_be_confirmed(app, world, login):
    ent = login(world["users"]["ent_x"])
    form = contract_form(world["coop_a"], force_majeure="", dispute_resolution="")
    contract_id = saved_id(post(ent, "/linkage/contracts/new", form))
    path = f"/linkage/contracts/{contract_id}"
    page = text(ent.get(path))
    assert page.count('class="missing"') == 2
    refused = post(ent, f"{path}/confirm", {}, form_page=path)
    assert refused.status_code == 422 and 'id="action-errors"' in text(refused)
    with app.app_context():
        assert all(p.confirmed_at is None for p in db.session.get(Contract, contract_id).parties)


def test_lead_saves_an_edited_draft(app, world, login):
    ent = login(world["users"]["ent_x"])
    draft_id = saved_id(post(ent, "/linkage/contracts/new", contract_form(world["coop_a"])))
    edit = f"/linkage/contracts/{draft_id}/edit"
    saved_id(post(ent, edit, contract_form(world["coop_a"], price_vnd="97.000")))
    with app.app_context():
        assert db.session.get(Contract, draft_id).price_vnd == 97000


def test_lead_opens_the_edit_form_and_amends_a_signed_contract(app, world, login, linkage):
    ent = login(world["users"]["ent_x"])
    draft_id = saved_id(post(ent, "/linkage/contracts/new", contract_form(world["coop_a"])))
    edit = f"/linkage/contracts/{draft_id}/edit"
    form = text(ent.get(edit))
    assert 'value="95000"' in form and 'value="55,5"' in form and 'value="20000"' in form
    assert login(world["users"]["coop_a"]).get(edit).status_code == 403
    signed = linkage.signed_contract("HĐ-SIGNED")
    assert ent.get(f"/linkage/contracts/{signed['id']}/edit").status_code == 302  # not a draft
    amend = f"/linkage/contracts/{signed['id']}/amend"
    assert text(ent.get(amend)).count('name="parties.0.organization_id"') == 1
    assert login(world["users"]["coop_a"]).get(amend).status_code == 403
    form = contract_form(world["coop_a"], "HĐ-SIGNED", price_vnd="105.000")
    new_id = saved_id(post(ent, amend, {**form, "amendment_note": "Tăng giá sàn"}))
    page = text(ent.get(f"/linkage/contracts/{new_id}"))
    assert 'id="versions"' in page and f'href="/linkage/contracts/{signed["id"]}"' in page
    with app.app_context():
        amended = db.session.get(Contract, new_id)
        assert (amended.version, amended.price_vnd, amended.amendment_note) == (
            2,
            105000,
            "Tăng giá sàn",
        )


def test_bad_contracts_are_refused_by_field_and_write_nothing(app, world, login):
    ent = login(world["users"]["ent_x"])
    before = count(app, Contract)
    backwards = post(
        ent,
        "/linkage/contracts/new",
        contract_form(world["coop_a"], effective_from="2026-12-01", effective_to="2026-01-01"),
    )
    assert backwards.status_code == 422 and field_error(text(backwards), "effective_to")
    # A bad third row is named on the third row even though the second was left empty.
    late = contract_form(
        world["coop_a"],
        **{
            "items.2.category": "pepper",
            "items.2.season": "2027",
            "items.2.quantity": "500",
            "items.2.due_from": "2027-03-01",
            "items.2.due_to": "2027-01-01",
        },
    )
    refused = post(ent, "/linkage/contracts/new", late)
    assert refused.status_code == 422 and field_error(text(refused), "items.2.due_to")
    assert text(refused).count('<details class="more-rows" open>') == 1  # the items' rows
    no_name = contract_form(world["coop_a"], **{"parties.0.organization_id": ""})
    refused = post(ent, "/linkage/contracts/new", no_name)
    assert refused.status_code == 422 and field_error(text(refused), "parties.0.organization_id")
    blank = {
        f"parties.0.{name}": "" for name in ("organization_id", "representative", "households")
    }
    refused = post(ent, "/linkage/contracts/new", contract_form(world["coop_a"], **blank))
    assert refused.status_code == 422 and 'id="e-parties"' in text(refused)
    assert count(app, Contract) == before


# Deliveries and fulfilment ------------------------------------------------------------------


def test_delivery_through_the_form_shows_in_fulfilment(app, world, login, farm, linkage):
    contract = linkage.signed_contract()
    lot = harvested_lot(farm)
    path = f"/linkage/contracts/{contract['id']}"
    ent = login(world["users"]["ent_x"])
    page = text(ent.get(path))
    assert f'<option value="{lot["id"]}"' in page  # the cooperative's lot, a contract product
    form = delivery_form(
        lot["id"], "600", **{"lines.0.accepted_quantity": "580", "lines.0.rejection_reason": "Xanh"}
    )
    response = post(ent, f"{path}/deliveries", form, form_page=path)
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        delivery_id = db.session.scalar(db.select(Delivery.id))
    coop = login(world["users"]["coop_a"])
    confirmed = post(coop, f"/linkage/deliveries/{delivery_id}/confirm", {}, form_page=path)
    assert confirmed.status_code == 302, text(confirmed)[:2000]
    page = text(ent.get(path))
    assert lot["lot_code"] in page and "Xanh" in page
    accepted = re.search(r'<td class="num accepted">(.*?)</td>', page, re.S).group(1)
    assert "580" in accepted and 'class="chart hbars fulfilment-chart"' in page
    with app.app_context():
        delivery = db.session.scalar(db.select(Delivery))
        assert delivery.price_vnd == 96000 and delivery.lines[0].accepted_quantity == 580

    overview = text(coop.get("/linkage/"))
    owed = re.search(r'<td class="num owed">(.*?)</td>', overview, re.S).group(1)
    assert "19.420" in owed  # 20.000 committed − 580 accepted
    assert "HTX Cà phê Đăk Đoa" in text(ent.get("/linkage/"))  # the supplier
    dept = text(login(world["users"]["department"]).get("/linkage/"))
    assert re.search(r'data-status="active">\s*<span class="tile-number">1<', dept)


def test_bad_deliveries_are_refused_by_field_and_write_nothing(app, world, login, farm, linkage):
    contract = linkage.signed_contract()
    lot = harvested_lot(farm)
    pepper = harvested_lot(farm, 50, name="Hồ tiêu đen", category="pepper")
    path = f"/linkage/contracts/{contract['id']}"
    coop = login(world["users"]["coop_a"])
    before = count(app, Delivery)
    too_much = post(coop, f"{path}/deliveries", delivery_form(lot["id"], "1001"), form_page=path)
    # More than the lot holds is a conflict with the stock (409), as when a race takes it.
    assert too_much.status_code == 409 and "1000" in text(too_much)
    early = delivery_form(lot["id"], "10", delivered_on=(TODAY - timedelta(days=200)).isoformat())
    refused = post(coop, f"{path}/deliveries", early, form_page=path)
    assert refused.status_code == 422 and field_error(text(refused), "delivered_on")
    wrong = post(coop, f"{path}/deliveries", delivery_form(pepper["id"], "10"), form_page=path)
    assert wrong.status_code == 422
    assert pepper["lot_code"] in field_error_group(text(wrong), "lines")
    zero = post(coop, f"{path}/deliveries", delivery_form(lot["id"], "0"), form_page=path)
    assert zero.status_code == 422 and field_error(text(zero), "lines.0.quantity")
    assert count(app, Delivery) == before


def test_a_delivery_that_lost_its_lots_is_a_message(app, world, login, farm, linkage, monkeypatch):
    from core.errors import Conflict
    from linkage.services import deliveries

    def taken(*args, **kwargs):
        raise Conflict("Another delivery used these lots at the same moment.", {"lines": ["x"]})

    contract = linkage.signed_contract()
    lot = harvested_lot(farm)
    path = f"/linkage/contracts/{contract['id']}"
    ent = login(world["users"]["ent_x"])
    monkeypatch.setattr(deliveries, "record_delivery", taken)
    response = post(ent, f"{path}/deliveries", delivery_form(lot["id"], "10"), form_page=path)
    assert response.status_code == 409
    alert = re.search(r'<div class="form-alert" role="alert">(.*?)</div>', text(response), re.S)
    assert "at the same moment" in alert.group(1)
    assert 'value="10"' in text(response) and count(app, Delivery) == 0


def field_error_group(html: str, name: str) -> str:
    match = re.search(rf'<p class="field-error" id="e-{re.escape(name)}"[^>]*>([^<]+)<', html)
    assert match, f"no message for {name}"
    return match.group(1)


# On a phone, in a real browser -------------------------------------------------------------


@pytest.mark.browser
def test_the_enterprise_records_a_delivery_on_a_phone(world, linkage, farm, page, base_url):
    base = base_url
    contract = linkage.signed_contract()
    lot = harvested_lot(farm)
    page.goto(f"{base}/login")
    page.locator("main input[name=email]").fill("x@dn.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/linkage/contracts/{contract['id']}")
    page.locator("#delivery-form > summary").click()
    page.locator("[id='f-lines.0.batch_id']").select_option(str(lot["id"]))
    page.locator("[id='f-lines.0.quantity']").fill("1.200")
    page.locator("#delivery-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[id='e-lines']").count() == 1  # only 1.000 kg left
    fits_the_phone(page, "linkage-delivery-refused")
    page.locator("[id='f-lines.0.quantity']").fill("600")
    page.locator("#delivery-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#deliveries tr.delivery-line").count() == 1
    assert page.locator("#fulfilment .fulfilment-chart .bar-accepted").count() == 1
    fits_the_phone(page, "linkage-contract")
    for name, path in (
        ("overview", "/linkage/"),
        ("list", "/linkage/contracts"),
        ("form", "/linkage/contracts/new"),
        ("claims", "/linkage/support/claims"),
        ("policies", "/linkage/support/policies"),
    ):
        page.goto(base + path)
        fits_the_phone(page, f"linkage-{name}")
