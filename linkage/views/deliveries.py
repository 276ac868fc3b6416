"""Recording a delivery under a contract, from the form on the contract page.

A refusal re-renders the contract page with the messages by field (422); a
delivery that lost its lots to another one recorded at the same moment (409) is
shown as a message above the form, the form kept as typed.
"""

from flask import request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import Conflict, ValidationFailed
from linkage.schemas import DeliveryInputSchema
from linkage.services import contracts, deliveries
from linkage.views.common import bp, form_fields, form_rows, placed, renumber
from linkage.views.contracts import render_contract
from registry.views.common import done, load, refusal

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
            deliveries.record_delivery(current_user, contract_id, data)
        except Conflict as exc:
            # The stock changed under the form: say so on top, and beside the lots.
            errors, status = {**refusal(exc), "_schema": [exc.message]}, exc.status
        except ValidationFailed as exc:
            errors = refusal(exc)
        else:
            return done(
                _("The delivery has been recorded."),
                url_for(".contract", contract_id=contract_id, _anchor="deliveries"),
            )
    inputs = {*TOP_FIELDS, "lines", *request.form.keys()}
    errors = placed(renumber(errors, "lines", kept), inputs)
    contract = contracts.get_contract(current_user, contract_id)
    page = render_contract(contract, delivery_errors=errors, delivery_values=request.form)
    return page, status
