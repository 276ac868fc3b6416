"""Support under Decree 98 through the linkage pages: the department's policy table,
claims that show their ceiling, and the department's decisions."""

from datetime import timedelta

from core.extensions import db
from linkage.models import (
    SupportClaim,
    SupportPolicy,
)
from tests.conftest import csrf_token
from tests.linkage_helpers import TODAY
from tests.web_helpers import count, field_error, post, text


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
