"""The linkage web UI: contracts drafted, confirmed and verified through the real forms,
deliveries into fulfilment, scans, exports, support policies and claims; who sees and
does what; and bad input that re-renders with field messages and writes nothing."""

import csv
import io
import os
import re
import threading
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from werkzeug.serving import make_server

from core.extensions import db
from linkage.models import (
    Contract,
    ContractAttachment,
    ContractState,
    Delivery,
    SupportClaim,
    SupportPolicy,
)
from tests.conftest import PASSWORD, csrf_token, row_count
from tests.linkage_helpers import TODAY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict, form_page: str | None = None, **kwargs):
    """POST a form with the CSRF token read from a page, as a browser would."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


def count(app, model) -> int:
    with app.app_context():
        return row_count(model)


def field_error(html: str, name: str) -> str:
    match = re.search(rf'class="field-error" id="e-{re.escape(name)}"[^>]*>([^<]+)<', html)
    assert match, f"no message for {name}"
    return match.group(1)


def saved_id(response) -> int:
    assert response.status_code == 302, re.findall(r'field-error"[^>]*>([^<]*)<', text(response))
    match = re.search(r"/linkage/contracts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def contract_form(coop_id: int, number: str = "HĐLK-W1/2026", **values) -> dict:
    """The contract form as a lead fills it in: one cooperative, one commitment, every term.

    Unused rows are posted blank (the unit select always posts its value), as a browser does.
    """
    form = {
        "number": number,
        "linkage_form": "3",
        "lead_representative": "Ông Nguyễn Văn Giám đốc",
        "area_ha": "55,5",
        "parties.0.organization_id": str(coop_id),
        "parties.0.representative": "Bà Rơ Châm H'Lan",
        "parties.0.households": "40",
        "items.0.category": "coffee",
        "items.0.season": "2026/27",
        "items.0.quantity": "20.000",
        "items.0.unit": "kg",
        "items.0.due_from": (TODAY - timedelta(days=60)).isoformat(),
        "items.0.due_to": (TODAY + timedelta(days=120)).isoformat(),
        "price_mechanism": "floor",
        "price_vnd": "95.000",
        "price_formula": "Giá sàn 95.000 đ/kg hoặc giá thị trường nếu cao hơn",
        "quality_standard": "Cà phê quả chín ≥ 95%",
        "delivery_terms": "Tại kho HTX, hằng tuần",
        "payment_terms": "Chuyển khoản trong 7 ngày",
        "input_advances": "Ứng phân bón, trừ vào tiền hàng",
        "rights_obligations": "Theo Điều 5",
        "risk_sharing": "Chia sẻ 50/50 khi mất mùa",
        "force_majeure": "Thiên tai, dịch bệnh",
        "breach_liability": "Phạt 8% giá trị vi phạm",
        "dispute_resolution": "Thương lượng, sau đó Tòa án",
        "amendment_termination": "Bằng văn bản, báo trước 30 ngày",
        "signed_on": "",
        "effective_from": (TODAY - timedelta(days=90)).isoformat(),
        "effective_to": (TODAY + timedelta(days=275)).isoformat(),
    }
    for row in (1, 2):
        form.update({f"parties.{row}.organization_id": "", f"parties.{row}.representative": ""})
        form.update({f"items.{row}.category": "", f"items.{row}.unit": "kg"})
        form.update({f"items.{row}.quantity": "", f"items.{row}.season": ""})
    form.update(values)
    return form


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
    page = text(ent.get(path))
    assert lot["lot_code"] in page and "Xanh" in page
    accepted = re.search(r'<td class="num accepted">(.*?)</td>', page, re.S).group(1)
    assert "580" in accepted and '<svg class="chart"' in page
    with app.app_context():
        delivery = db.session.scalar(db.select(Delivery))
        assert delivery.price_vnd == 96000 and delivery.lines[0].accepted_quantity == 580

    coop = login(world["users"]["coop_a"])
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


# Who sees what ------------------------------------------------------------------------------


def test_scans_and_pages_are_for_the_parties_and_the_department(app, world, login, linkage):
    contract = linkage.signed_contract()
    path = f"/linkage/contracts/{contract['id']}"
    ent = login(world["users"]["ent_x"])
    lying = post(
        ent,
        f"{path}/attachments",
        {"file": (io.BytesIO(b"<script>alert(1)</script>"), "scan.pdf")},
        form_page=path,
        content_type="multipart/form-data",
    )
    assert lying.status_code == 422 and field_error(text(lying), "file")
    stored = post(
        ent,
        f"{path}/attachments",
        {"file": (io.BytesIO(PDF), "hop-dong.pdf")},
        form_page=path,
        content_type="multipart/form-data",
    )
    assert stored.status_code == 302
    with app.app_context():
        attachment_id = db.session.scalar(db.select(ContractAttachment.id))
    url = f"{path}/attachments/{attachment_id}"
    assert url in text(ent.get(path))
    for key in ("coop_a", "department"):
        download = login(world["users"][key]).get(url)
        assert download.status_code == 200 and download.data == PDF
        download.close()
    for key in ("coop_b", "ent_y"):
        outsider = login(world["users"][key])
        assert outsider.get(path).status_code == 404
        assert outsider.get(url).status_code == 404
        assert contract["number"] not in text(outsider.get("/linkage/contracts"))
    dept = login(world["users"]["department"])
    assert post(dept, f"{path}/confirm", {}, form_page=path).status_code == 403
    assert dept.get("/linkage/contracts/new").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/linkage/",
        "/linkage/contracts",
        "/linkage/contracts/1",
        "/linkage/contracts/export?format=csv",
        "/linkage/support/policies",
        "/linkage/support/claims",
    ],
)
def test_anonymous_visitors_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_contract_list_filters_and_exports(app, world, login, linkage):
    linkage.signed_contract()
    ent = login(world["users"]["ent_x"])
    saved_id(post(ent, "/linkage/contracts/new", contract_form(world["coop_a"], "HĐ-NHÁP")))
    dept = login(world["users"]["department"])
    listed = text(dept.get("/linkage/contracts"))
    assert "HĐLK-01/2026" in listed and "HĐ-NHÁP" in listed
    assert listed.count("<table") == listed.count('class="table-wrap"')
    drafts = text(dept.get("/linkage/contracts?status=draft&linkage_form=3&category=coffee"))
    assert "HĐ-NHÁP" in drafts and "HĐLK-01/2026" not in drafts
    assert "HĐLK-01/2026" not in text(dept.get("/linkage/contracts?admin_unit=23941"))
    overview = text(dept.get("/linkage/"))
    for status, number in (("active", 1), ("draft", 1), ("signed", 0), ("terminated", 0)):
        tile = rf'data-status="{status}">\s*<span class="tile-number">{number}<'
        assert re.search(tile, overview), status
    assert re.search(r'data-form="3">.*?<td class="num">2</td>', overview)
    xlsx = dept.get("/linkage/contracts/export?format=xlsx&status=active")
    assert xlsx.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.data)).active.values)
    assert len(rows) == 2 and rows[1][0] == "HĐLK-01/2026"
    exported = dept.get("/linkage/contracts/export?format=csv")
    table = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert exported.mimetype == "text/csv" and {r[0] for r in table[1:]} == {
        "HĐLK-01/2026",
        "HĐ-NHÁP",
    }
    # The user's words, not the stored codes (draft, active, 3, coffee).
    assert not {r[7] for r in table[1:]} & {"draft", "active"}
    assert not {r[5] for r in table[1:]} & {"3"} and all(r[5].startswith("3. ") for r in table[1:])
    assert "coffee" not in {r[6] for r in table[1:]}
    assert dept.get("/linkage/contracts/export?format=pdf").status_code == 400


# Support -----------------------------------------------------------------------------------


def policy_form(**values) -> dict:
    form = {
        "category": "consulting",
        "rate_percent": "50",
        "cap_vnd": "100.000.000",
        "max_cycles": "",
        "valid_from": (TODAY - timedelta(days=10)).isoformat(),
        "valid_to": "",
        "legal_basis": "Nghị quyết 97/2018/NQ-HĐND tỉnh Gia Lai",
        "note": "",
    }
    form.update(values)
    return form


def test_only_the_department_edits_the_policy_table(app, world, login):
    coop = login(world["users"]["coop_a"])
    table = text(coop.get("/linkage/support/policies"))
    assert "Nghị định 98/2018" in table and "/linkage/support/policies/new" not in table
    assert coop.get("/linkage/support/policies/new").status_code == 403
    before = count(app, SupportPolicy)
    token = csrf_token(coop, "/linkage/support/policies")
    form = {**policy_form(), "csrf_token": token}
    refused = coop.post("/linkage/support/policies/new", data=form)
    assert refused.status_code == 403 and count(app, SupportPolicy) == before

    dept = login(world["users"]["department"])
    backwards = post(dept, "/linkage/support/policies/new", policy_form(valid_to="2000-01-01"))
    assert backwards.status_code == 422 and field_error(text(backwards), "valid_to")
    added = post(dept, "/linkage/support/policies/new", policy_form())
    assert added.status_code == 302 and count(app, SupportPolicy) == before + 1
    with app.app_context():
        policy = db.session.scalar(
            db.select(SupportPolicy).where(SupportPolicy.legal_basis.like("Nghị quyết 97%"))
        )
        assert (policy.rate_percent, policy.cap_vnd) == (50, 100_000_000)
    edit = f"/linkage/support/policies/{policy.id}/edit"
    assert coop.get(edit).status_code == 403
    assert post(dept, edit, policy_form(cap_vnd="", rate_percent="40,5")).status_code == 302
    with app.app_context():
        policy = db.session.get(SupportPolicy, policy.id)
        assert policy.cap_vnd is None and float(policy.rate_percent) == 40.5


def claim_form(contract_id: int, **values) -> dict:
    form = {
        "contract_id": str(contract_id),
        "category": "infrastructure",
        "claimed_on": TODAY.isoformat(),
        "eligible_cost_vnd": "2.000.000.000",
        "amount_asked_vnd": "700.000.000",
        "action": "submit",
    }
    form.update(values)
    return form


def test_claims_see_the_ceiling_and_the_department_decides(app, world, login, linkage):
    contract = linkage.signed_contract()
    coop = login(world["users"]["coop_a"])
    page = "/linkage/support/claims"
    assert f'<option value="{contract["id"]}"' in text(coop.get(page))
    preview = post(coop, page, claim_form(contract["id"], action="preview"))
    assert preview.status_code == 200 and "600.000.000" in text(preview)  # 30% of 2 billion
    assert count(app, SupportClaim) == 0
    over = post(coop, page, claim_form(contract["id"]))
    assert over.status_code == 422
    assert "600.000.000" in field_error(text(over), "amount_asked_vnd")
    assert count(app, SupportClaim) == 0
    made = post(coop, page, claim_form(contract["id"], amount_asked_vnd="600.000.000"))
    assert made.status_code == 302
    with app.app_context():
        claim_id = db.session.scalar(db.select(SupportClaim.id))
    decide = f"{page}/{claim_id}/decision"
    grant = {"status": "granted", "amount_granted_vnd": "500.000.000", "note": ""}
    assert post(coop, decide, grant, form_page=page).status_code == 403
    dept = login(world["users"]["department"])
    assert f'id="decide-{claim_id}"' in text(dept.get(page))
    too_much = post(dept, decide, {**grant, "amount_granted_vnd": "600.000.001"}, form_page=page)
    assert too_much.status_code == 422
    assert "600.000.000" in field_error(text(too_much), "amount_granted_vnd")
    assert post(dept, decide, grant, form_page=page).status_code == 302
    with app.app_context():
        claim = db.session.get(SupportClaim, claim_id)
        assert claim.amount_granted_vnd == 500_000_000 and claim.decided_by_id is not None
    assert "badge-claim-granted" in text(coop.get(page))


# On a phone, in a real browser -------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def phone(app):
    """A phone-sized page of Debian's Chromium on the app behind a real HTTP server."""
    if not Path(CHROMIUM).exists():
        reason = f"{CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ARTIFACTS.mkdir(exist_ok=True)
    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = context.new_page()
        page.on("response", lambda r: errors.append(r.url) if r.status >= 500 else None)
        yield page, f"http://127.0.0.1:{server.server_port}"
        browser.close()
    server.shutdown()
    thread.join()
    server.server_close()
    assert errors == [], f"server errors: {errors}"


def fits_the_phone(page, name: str) -> None:
    """Save a screenshot; the page must not scroll sideways on a 360 px screen."""
    page.screenshot(path=ARTIFACTS / f"linkage-{name}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width} px wide on a {PHONE['width']} px screen"


@pytest.mark.browser
def test_the_enterprise_records_a_delivery_on_a_phone(world, linkage, farm, phone):
    page, base = phone
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
    fits_the_phone(page, "delivery-refused")
    page.locator("[id='f-lines.0.quantity']").fill("600")
    page.locator("#delivery-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#deliveries tr.delivery-line").count() == 1
    assert page.locator("#fulfilment svg.chart rect.bar-accepted").count() == 1
    fits_the_phone(page, "contract")
    for name, path in (
        ("overview", "/linkage/"),
        ("list", "/linkage/contracts"),
        ("form", "/linkage/contracts/new"),
        ("claims", "/linkage/support/claims"),
        ("policies", "/linkage/support/policies"),
    ):
        page.goto(base + path)
        fits_the_phone(page, name)
