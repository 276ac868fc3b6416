"""The lead party's contract form: draft a contract, edit a draft, amend a signed contract.

The form is flat (``parties.0.organization_id``, ``items.1.due_to``…); it is mapped
to the nested input of ``ContractInputSchema``, empty rows dropped, and the
schema's row numbers mapped back to the rows on the page for the messages.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import Forbidden
from linkage.inputs import ContractInput
from linkage.models import Contract, ContractState
from linkage.names import TERM_LABELS, form_options
from linkage.schemas import ContractInputSchema
from linkage.services import contracts
from linkage.views import options
from linkage.views.common import as_text, bp, form_fields, form_rows, is_lead, placed, renumber
from registry.views.common import FIELD_ERRORS, done, load, refusal

PARTY_FIELDS = ("organization_id", "representative", "households")
ITEM_FIELDS = ("category", "product_id", "season", "due_from", "due_to", "quantity", "unit")
TOP_FIELDS = (
    "number",
    "linkage_form",
    "lead_representative",
    "area_ha",
    "price_mechanism",
    "price_vnd",
    "price_formula",
    *TERM_LABELS,
    "signed_on",
    "effective_from",
    "effective_to",
    "amendment_note",
)
NUMBER_FIELDS = ("area_ha", "price_vnd")
MIN_ROWS = 3  # blank rows offered for parties and items


@bp.route("/contracts/new", methods=["GET", "POST"], endpoint="contract_new")
def contract_new():
    """Draft a contract as its lead party (an enterprise, or a cooperative leading a chain)."""
    if current_user.is_department or current_user.organization_id is None:
        raise Forbidden(_("A contract is drafted by one of its parties."))
    if request.method == "GET":
        return _form("new", None, {"linkage_form": "3"}, {})
    return _save("new", None)


@bp.route("/contracts/<int:contract_id>/edit", methods=["GET", "POST"], endpoint="contract_edit")
def contract_edit(contract_id: int):
    """Edit a draft (lead party); a signed contract changes only by amendment."""
    contract = _lead_contract(contract_id)
    if contract.state != ContractState.DRAFT:
        flash(_("Only a draft can be edited; amend a signed contract."), "error")
        return redirect(url_for(".contract", contract_id=contract.id))
    if request.method == "GET":
        return _form("edit", contract, contract_values(contract), {})
    return _save("edit", contract)


@bp.route("/contracts/<int:contract_id>/amend", methods=["GET", "POST"], endpoint="contract_amend")
def contract_amend(contract_id: int):
    """Amend the current signed version: a new draft version that both parties confirm."""
    contract = _lead_contract(contract_id)
    if contract.state != ContractState.SIGNED or contract.superseded_at is not None:
        flash(_("Only the current signed version can be amended."), "error")
        return redirect(url_for(".contract", contract_id=contract.id))
    if request.method == "GET":
        values = contract_values(contract) | {"amendment_note": "", "signed_on": ""}
        return _form("amend", contract, values, {})
    return _save("amend", contract)


def _lead_contract(contract_id: int) -> Contract:
    contract = contracts.get_contract(current_user, contract_id)
    if not is_lead(contract):
        raise Forbidden(_("Only the lead party changes this contract."))
    return contract


def _save(mode: str, contract: Contract | None):
    raw, kept = posted_contract()
    data, errors = load(ContractInputSchema(), raw)
    status = 422
    if data is not None:
        try:
            saved = _call(mode, contract, data)
        except FIELD_ERRORS as exc:
            errors, status = refusal(exc), exc.status
        else:
            return done(
                _("Contract %(number)s has been saved.", number=saved.number),
                url_for(".contract", contract_id=saved.id),
            )
    for prefix, rows in kept.items():
        errors = renumber(errors, prefix, rows)
    return _form(mode, contract, request.form, placed(errors, _inputs(request.form))), status


def _call(mode: str, contract: Contract | None, data: ContractInput) -> Contract:
    if mode == "new":
        return contracts.create_contract(current_user, data)
    if mode == "edit":
        return contracts.update_contract(current_user, contract.id, data)
    return contracts.amend(current_user, contract.id, data)


def posted_contract() -> tuple[dict, dict[str, list[int]]]:
    """The posted form as the schema's nested input, and the page rows kept per list."""
    raw = form_fields(TOP_FIELDS, NUMBER_FIELDS)
    raw["parties"], party_rows = form_rows("parties", PARTY_FIELDS, numbers=("households",))
    raw["items"], item_rows = form_rows(
        "items", ITEM_FIELDS, numbers=("quantity",), defaults=("unit",)
    )
    return raw, {"parties": party_rows, "items": item_rows}


def _inputs(form) -> set[str]:
    """Every input name of the page, and the two row groups that show list-wide messages."""
    return {*TOP_FIELDS, *form.keys(), "parties", "items"}


def contract_values(contract: Contract) -> dict[str, str]:
    """A contract as the form's flat values."""
    values = {name: as_text(getattr(contract, name, None)) for name in TOP_FIELDS}
    lead = next(p for p in contract.parties if p.organization_id == contract.lead_org_id)
    values["lead_representative"] = lead.representative or ""
    for index, party in enumerate(contract.cooperative_parties):
        for name in PARTY_FIELDS:
            values[f"parties.{index}.{name}"] = as_text(getattr(party, name))
    for index, item in enumerate(contract.items):
        for name in ITEM_FIELDS:
            values[f"items.{index}.{name}"] = as_text(getattr(item, name))
    return values


def _later_rows_used(values, errors: dict, prefix: str) -> bool:
    """True when a row after the first holds a value or a message, so its group opens."""
    rows, first = f"{prefix}.", f"{prefix}.0."
    later = [k for k in (*values, *errors) if k.startswith(rows) and not k.startswith(first)]
    return any(k in errors or (values.get(k) and not k.endswith(".unit")) for k in later)


def _row_count(values, prefix: str) -> int:
    used = {key.split(".")[1] for key in values if key.startswith(prefix + ".")}
    return max(MIN_ROWS, len(used))


def _form(mode: str, contract: Contract | None, values, errors: dict):
    return render_template(
        "linkage/contract_form.html",
        mode=mode,
        contract=contract,
        values=values,
        errors=errors,
        party_rows=_row_count(values, "parties"),
        item_rows=_row_count(values, "items"),
        more_parties=_later_rows_used(values, errors, "parties"),
        more_items=_later_rows_used(values, errors, "items"),
        form_options=form_options(),
        party_options=options.party_options(),
        product_options=options.product_options(contract, values),
    )
