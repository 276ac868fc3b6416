"""Recording a delivery under a contract, from the form on the contract page, and the
seller's confirmation or rejection of one the buyer recorded.

A refusal re-renders the contract page with the messages by field (422); a
delivery that lost its lots to another one recorded at the same moment (409) is
shown as a message above the form, the form kept as typed. A refused confirmation
(already decided, a lot no longer holding the quantity) is shown above the deliveries.
"""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from core.errors import Conflict, ValidationFailed
from linkage.models import DeliveryStatus
from linkage.schemas import DeliveryInputSchema, DeliveryRejectSchema
from linkage.services import contracts, deliveries
from linkage.views.common import bp, form_fields, form_rows, placed, renumber
from linkage.views.contracts import render_contract
from registry.views.common import FIELD_ERRORS, done, load, refusal
from registry.views.home import add_home_panel

LINE_FIELDS = ("batch_id", "quantity", "accepted_quantity", "rejection_reason")
TOP_FIELDS = ("delivered_on", "cooperative_id", "price_vnd", "note")


@bp.post("/contracts/<int:contract_id>/deliveries", endpoint="delivery_new")
def delivery_new(contract_id: int):
    """Record a delivery (and its shipping and receiving trace events) as a party."""
    contracts.get_contract(current_user, contract_id)
    raw = form_fields(TOP_FIELDS, ("price_vnd",))
    raw["lines"], kept = form_rows("lines", LINE_FIELDS, numbers=("quantity", "accepted_quantity"))
    data, errors = load(DeliveryInputSchema(), raw)
    status = 422
    if data is not None:
        try:
            delivery = deliveries.record_delivery(current_user, contract_id, data)
        except Conflict as exc:
            # The stock changed under the form: say so on top, and beside the lots.
            errors, status = {**refusal(exc), "_schema": [exc.message]}, exc.status
        except ValidationFailed as exc:
            errors = refusal(exc)
        else:
            return done(_recorded_message(delivery.status), _deliveries_of(contract_id))
    inputs = {*TOP_FIELDS, "lines", *request.form.keys()}
    errors = placed(renumber(errors, "lines", kept), inputs)
    contract = contracts.get_contract(current_user, contract_id)
    page = render_contract(contract, delivery_errors=errors, delivery_values=request.form)
    return page, status


def _recorded_message(status: DeliveryStatus) -> str:
    if status == DeliveryStatus.PENDING:
        return _("The delivery has been recorded; it waits for the cooperative to confirm it.")
    return _("The delivery has been recorded.")


def _deliveries_of(contract_id: int) -> str:
    return url_for(".contract", contract_id=contract_id, _anchor="deliveries")


@bp.post("/deliveries/<int:delivery_id>/confirm", endpoint="delivery_confirm")
def delivery_confirm(delivery_id: int):
    """The delivering cooperative confirms a delivery the buyer recorded (events written)."""
    contract_id = deliveries.get_delivery(current_user, delivery_id).contract_id
    try:
        deliveries.confirm_delivery(current_user, delivery_id)
    except FIELD_ERRORS as exc:
        return _refused(contract_id, exc)
    return done(_("The delivery has been confirmed."), _deliveries_of(contract_id))


@bp.post("/deliveries/<int:delivery_id>/reject", endpoint="delivery_reject")
def delivery_reject(delivery_id: int):
    """The delivering cooperative rejects a delivery the buyer recorded, with a reason."""
    contract_id = deliveries.get_delivery(current_user, delivery_id).contract_id
    values, errors = load(DeliveryRejectSchema(), form_fields(("reason",)))
    if values is None:
        contract = contracts.get_contract(current_user, contract_id)
        return render_contract(contract, decision_errors=errors), 422
    try:
        deliveries.reject_delivery(current_user, delivery_id, values["reason"])
    except FIELD_ERRORS as exc:
        return _refused(contract_id, exc)
    return done(_("The delivery has been rejected."), _deliveries_of(contract_id))


def _refused(contract_id: int, exc):
    errors = refusal(exc)
    contract = contracts.get_contract(current_user, contract_id)
    return render_contract(contract, decision_errors=errors), exc.status


@bp.record_once
def _register_home_panel(state) -> None:
    add_home_panel(state.app, pending_panel)


def pending_panel(user) -> Markup | str:
    """The cooperative's home-page list of deliveries its buyers recorded, to confirm."""
    org = user.organization
    if org is None or user.is_department or not org.is_cooperative_kind:
        return ""
    waiting = deliveries.pending_for_seller(org.id)
    if not waiting:
        return ""
    html = render_template("linkage/_pending_deliveries.html", waiting=waiting)
    return Markup(html)  # noqa: S704 - rendered by Jinja, which escaped every value
