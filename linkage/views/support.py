"""Support for linkage (Decree 98 Art. 7–9): the policy table and the claims.

Everyone reads the policy table; the department adds and edits its rows. A party
claims support for one of its signed contracts, sees the ceiling the policy in
force allows, and the department grants an amount up to it or rejects the claim.
"""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.clock import vn_today
from core.extensions import db
from linkage.inputs import ClaimInput
from linkage.models import SupportPolicy
from linkage.schemas import ClaimDecisionSchema, ClaimInputSchema, PolicyInputSchema
from linkage.services import support
from linkage.views import options
from linkage.views.common import as_text, bp, form_fields, placed
from registry.services.scoping import require_department
from registry.views.common import FIELD_ERRORS, done, link_args, load, paginate, refusal

POLICY_FIELDS = tuple(PolicyInputSchema().fields)
CLAIM_FIELDS = tuple(ClaimInputSchema().fields)
DECISION_FIELDS = tuple(ClaimDecisionSchema().fields)
MONEY_FIELDS = ("cap_vnd", "rate_percent", "eligible_cost_vnd", "amount_asked_vnd")


# The policy table --------------------------------------------------------------------------


@bp.get("/support/policies", endpoint="policies")
def policy_list():
    """The support policy table: rates and caps with the dates they are valid."""
    return render_template("linkage/policy_list.html", policies=support.list_policies())


@bp.route("/support/policies/new", methods=["GET", "POST"], endpoint="policy_new")
def policy_new():
    """Add a policy row (department)."""
    require_department(current_user)
    if request.method == "GET":
        return _policy_form(None, {"valid_from": vn_today().isoformat()}, {})
    return _save_policy(None)


@bp.route("/support/policies/<int:policy_id>/edit", methods=["GET", "POST"], endpoint="policy_edit")
def policy_edit(policy_id: int):
    """Edit a policy row (department)."""
    require_department(current_user)
    policy = db.get_or_404(SupportPolicy, policy_id)
    if request.method == "GET":
        values = {name: as_text(getattr(policy, name)) for name in POLICY_FIELDS}
        return _policy_form(policy, values, {})
    return _save_policy(policy)


def _save_policy(policy: SupportPolicy | None):
    # A field left blank is None in the input, so it clears the stored value.
    data, errors = load(PolicyInputSchema(), form_fields(POLICY_FIELDS, MONEY_FIELDS))
    status = 422
    if data is not None:
        try:
            support.save_policy(current_user, data, policy.id if policy else None)
        except FIELD_ERRORS as exc:
            errors, status = refusal(exc), exc.status
        else:
            return done(_("The policy row has been saved."), url_for(".policies"))
    return _policy_form(policy, request.form, placed(errors, POLICY_FIELDS)), status


def _policy_form(policy: SupportPolicy | None, values, errors: dict):
    return render_template("linkage/policy_form.html", policy=policy, values=values, errors=errors)


# Claims ------------------------------------------------------------------------------------


@bp.get("/support/claims", endpoint="claims")
def claim_list():
    """Support claims under the user's contracts (the department: all), and the claim form."""
    return _claims_page({}, {})


@bp.post("/support/claims", endpoint="claim_new")
def claim_new():
    """Work out the ceiling of a claim ("preview"), or submit it as a party."""
    data, errors = load(ClaimInputSchema(), form_fields(CLAIM_FIELDS, MONEY_FIELDS))
    status, ceiling = 422, None
    if data is not None and request.form.get("action") == "preview":
        ceiling, errors = _ceiling(data)
        status = 200 if ceiling else 422
    elif data is not None:
        try:
            support.submit_claim(current_user, data)
        except FIELD_ERRORS as exc:
            errors, status = refusal(exc), exc.status
        else:
            return done(_("Your claim has been submitted."), url_for(".claims"))
    page = _claims_page(request.form, placed(errors, CLAIM_FIELDS), ceiling=ceiling)
    return page, status


def _ceiling(data: ClaimInput) -> tuple[dict | None, dict[str, list[str]]]:
    """The most the policy in force allows for the claim, or why no policy applies."""
    policy = support.policy_in_force(data.category, data.claimed_on)
    if policy is None:
        return None, {"category": [_("No support policy of this kind was in force on that date.")]}
    amount = support.max_support(policy, data.eligible_cost_vnd)
    return {"amount": amount, "policy": policy}, {}


@bp.post("/support/claims/<int:claim_id>/decision", endpoint="claim_decide")
def claim_decide(claim_id: int):
    """Grant an amount up to the ceiling, or reject (department)."""
    require_department(current_user)
    raw = form_fields(DECISION_FIELDS, ("amount_granted_vnd",))
    decision, errors = load(ClaimDecisionSchema(), raw)
    status = 422
    if decision is not None:
        try:
            claim = support.decide_claim(current_user, claim_id, decision)
        except FIELD_ERRORS as exc:
            errors, status = refusal(exc), exc.status
        else:
            return done(_("Claim %(id)s has been decided.", id=claim.id), url_for(".claims"))
    decision = {"claim_id": claim_id, "values": request.form, "errors": errors}
    return _claims_page({}, {}, decision), status


def _claims_page(values, errors: dict, decision: dict | None = None, ceiling=None):
    stmt = support.claims_query(current_user)
    may_claim = current_user.organization_id is not None and not current_user.is_department
    return render_template(
        "linkage/claim_list.html",
        page=paginate(stmt),
        args=link_args(),
        values=values or {"claimed_on": vn_today().isoformat()},
        errors=errors,
        decision=decision or {"claim_id": None, "values": {}, "errors": {}},
        may_claim=may_claim,
        contract_options=options.claimable_contracts() if may_claim else [],
        ceiling=ceiling,
    )
