"""HTML views of contracts (hợp đồng liên kết): list and export, the contract page, its actions.

The lead's form (create, edit, amend) is in ``contract_form``; deliveries in ``deliveries``.
"""

import io

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.clock import vn_today
from files.views import send_stored
from linkage.models import Contract, ContractState
from linkage.names import form_options
from linkage.schemas import ContractQueryArgsSchema, ReasonSchema
from linkage.services import attachments, contracts, deliveries, reports
from linkage.services.fulfilment import fulfilment, is_behind
from linkage.services.lifecycle import missing_terms, status_on
from linkage.views import options, progress
from linkage.views.common import bp, form_fields, is_lead
from registry.views.common import (
    FIELD_ERRORS,
    commune_options,
    done,
    link_args,
    load,
    paginate,
    refusal,
    valid_filters,
)

FILTERS = ("status", "linkage_form", "admin_unit", "category")
EXPORT_FORMATS = ("csv", "xlsx")


# The list and its export -------------------------------------------------------------------


def list_filters() -> tuple[dict, dict[str, list[str]]]:
    """The list's filters from the query string; invalid ones are dropped and reported."""
    raw = {name: request.args[name] for name in FILTERS if request.args.get(name)}
    return valid_filters(ContractQueryArgsSchema(), raw)


@bp.get("/contracts", endpoint="contracts")
def contract_list():
    """Contracts the user may see (a party's own; the department's all), filtered and paged."""
    filters, errors = list_filters()
    stmt = contracts.contracts_query(current_user, **filters)
    page = paginate(stmt)
    progress_by_id = fulfilment(page.items)
    return render_template(
        "linkage/contract_list.html",
        page=page,
        filters=filters,
        errors=errors,
        args=link_args(),
        shares={cid: progress.overall_share(rows) for cid, rows in progress_by_id.items()},
        behind={cid: is_behind(rows) for cid, rows in progress_by_id.items()},
        statuses={c.id: status_on(c, vn_today()) for c in page.items},
        communes=commune_options(),
        form_choices=form_options(),
    )


@bp.get("/contracts/export", endpoint="contracts_export")
def contracts_export():
    """The filtered contract list as a CSV or XLSX download."""
    fmt = request.args.get("format", "xlsx")
    if fmt not in EXPORT_FORMATS:
        abort(400)
    filters, _errors = list_filters()
    content, mimetype, name = reports.contracts_file(
        contracts.contracts_query(current_user, **filters), fmt
    )
    return send_file(io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name)


# The contract page -------------------------------------------------------------------------


@bp.get("/contracts/<int:contract_id>", endpoint="contract")
def contract_detail(contract_id: int):
    """A contract: terms, parties, checklist, versions, scans, deliveries and fulfilment."""
    return render_contract(contracts.get_contract(current_user, contract_id))


def render_contract(contract: Contract, **forms):
    """The contract page; ``forms`` carries a refused form's messages and posted values.

    Keys: ``action_errors``, ``end_errors``, ``attachment_errors``, ``delivery_errors``,
    ``delivery_values`` and ``decision_errors`` (a refused confirmation or rejection).
    """
    rows = fulfilment([contract])[contract.id]
    history, today = contracts.versions(contract), vn_today()
    may = permissions(contract)
    return render_template(
        "linkage/contract_detail.html",
        contract=contract,
        status=status_on(contract, today),
        missing=missing_terms(contract) if contract.state == ContractState.DRAFT else [],
        versions=history,
        version_status={v.id: status_on(v, today) for v in history},
        coop_choices=[
            (str(p.organization_id), p.organization.name) for p in contract.cooperative_parties
        ],
        deliveries=deliveries.list_deliveries(current_user, contract.id),
        seasons=rows,
        behind=is_behind(rows),
        chart=progress.chart(rows),
        may=may,
        lots=options.lot_options(contract) if may["deliver"] else [],
        today=today.isoformat(),
        action_errors=forms.get("action_errors", {}),
        end_errors=forms.get("end_errors", {}),
        attachment_errors=forms.get("attachment_errors", {}),
        delivery_errors=forms.get("delivery_errors", {}),
        delivery_values=forms.get("delivery_values", {}),
        decision_errors=forms.get("decision_errors", {}),
    )


def permissions(contract: Contract) -> dict[str, bool]:
    """Which buttons and forms the page offers the user; the services decide again."""
    current = contract.superseded_at is None
    draft = contract.state == ContractState.DRAFT
    signed = contract.state == ContractState.SIGNED and current
    own = next(
        (p for p in contract.parties if p.organization_id == current_user.organization_id), None
    )
    return {
        "confirm": own is not None and own.confirmed_at is None and draft and current,
        "verify": current_user.is_department and not draft and contract.verified_at is None,
        "end": own is not None and signed,
        "amend": is_lead(contract) and signed,
        "edit": is_lead(contract) and draft,
        "deliver": own is not None and deliveries.may_record_delivery(contract),
        "attach": own is not None,
    }


def _refused(contract_id: int, exc, key: str):
    errors = refusal(exc)
    page = render_contract(contracts.get_contract(current_user, contract_id), **{key: errors})
    return page, exc.status


def _done(contract: Contract, message: str):
    return done(message, url_for(".contract", contract_id=contract.id))


# Actions -----------------------------------------------------------------------------------


@bp.post("/contracts/<int:contract_id>/confirm", endpoint="contract_confirm")
def contract_confirm(contract_id: int):
    """Confirm (sign) the contract as one of its parties."""
    try:
        contract = contracts.confirm(current_user, contract_id)
    except FIELD_ERRORS as exc:
        return _refused(contract_id, exc, "action_errors")
    if contract.state == ContractState.SIGNED:
        return _done(contract, _("Every party has confirmed: the contract is signed."))
    return _done(contract, _("Your confirmation has been recorded."))


@bp.post("/contracts/<int:contract_id>/verify", endpoint="contract_verify")
def contract_verify(contract_id: int):
    """Mark a signed contract as checked against the paper original (department)."""
    try:
        contract = contracts.verify(current_user, contract_id)
    except FIELD_ERRORS as exc:
        return _refused(contract_id, exc, "action_errors")
    return _done(contract, _("The contract has been verified."))


@bp.post("/contracts/<int:contract_id>/terminate", endpoint="contract_terminate")
def contract_terminate(contract_id: int):
    """End a signed contract early, with a reason."""
    return _end(contract_id, ContractState.TERMINATED, _("The contract has been terminated."))


@bp.post("/contracts/<int:contract_id>/complete", endpoint="contract_complete")
def contract_complete(contract_id: int):
    """Close a fulfilled contract."""
    return _end(contract_id, ContractState.COMPLETED, _("The contract has been completed."))


def _end(contract_id: int, outcome: ContractState, message: str):
    values, errors = load(ReasonSchema(), form_fields(("reason", "on")))
    if values is not None:
        try:
            contract = contracts.end(
                current_user, contract_id, outcome, values["reason"], values["on"]
            )
        except FIELD_ERRORS as exc:
            return _refused(contract_id, exc, "end_errors")
        return _done(contract, message)
    contract = contracts.get_contract(current_user, contract_id)
    return render_contract(contract, end_errors=errors), 422


# Attachments (scans) -----------------------------------------------------------------------


@bp.post("/contracts/<int:contract_id>/attachments", endpoint="attachment_new")
def attachment_new(contract_id: int):
    """Attach a scan (PDF, JPEG or PNG up to 10 MB) as a party."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        contract = contracts.get_contract(current_user, contract_id)
        errors = {"file": [_("Choose a file to attach.")]}
        return render_contract(contract, attachment_errors=errors), 422
    try:
        stored = attachments.add_attachment(
            current_user, contract_id, upload.filename, upload.read(attachments.MAX_BYTES + 1)
        )
    except FIELD_ERRORS as exc:
        return _refused(contract_id, exc, "attachment_errors")
    return _done(stored.contract, _("%(name)s has been attached.", name=stored.filename))


@bp.get("/contracts/<int:contract_id>/attachments/<int:attachment_id>", endpoint="attachment")
def attachment_download(contract_id: int, attachment_id: int):
    """Download a scan: the parties and the department only."""
    found, attachment = attachments.attachment_file(current_user, contract_id, attachment_id)
    if isinstance(found, str):
        return send_stored(
            found,
            private=True,
            download_name=attachment.filename,
            content_type=attachment.mimetype,
        )
    return send_file(
        found,
        mimetype=attachment.mimetype,
        as_attachment=True,
        download_name=attachment.filename,
    )
