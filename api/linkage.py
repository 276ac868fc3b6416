"""Linkage API: contracts, confirmations, deliveries, fulfilment, support policies and claims."""

import io

from flask import request, send_file
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from api.common import Blueprint, caller, commits, load_bearer_user, paginate
from files.views import send_stored
from linkage.models import ContractState
from linkage.schemas import (
    AttachmentSchema,
    ClaimDecisionSchema,
    ClaimInputSchema,
    ClaimSchema,
    ContractInputSchema,
    ContractPatchSchema,
    ContractPutSchema,
    ContractQueryArgsSchema,
    ContractSchema,
    DeliveryInputSchema,
    DeliveryRejectSchema,
    DeliverySchema,
    PolicyInputSchema,
    PolicyPutSchema,
    PolicySchema,
    ReasonSchema,
)
from linkage.services import attachments, contracts, deliveries, fulfilment, reports, support

blp = Blueprint(
    "linkage_api", __name__, description="Linkage contracts (Decree 98/2018), deliveries, support"
)
blp.before_request(load_bearer_user)


@blp.route("/contracts")
class Contracts(MethodView):
    """Contracts the caller is party to (the department: all)."""

    @blp.arguments(ContractQueryArgsSchema, location="query")
    @blp.response(200, ContractSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List contracts"""
        return paginate(contracts.contracts_query(caller(), **args), pagination_parameters)

    @commits
    @blp.arguments(ContractInputSchema)
    @blp.response(201, ContractSchema)
    def post(self, data):
        """Draft a contract as its lead party"""
        return contracts.create_contract(caller(), data)


class ExportArgsSchema(ContractQueryArgsSchema):
    """Filters of the contract list, and the file format."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(["csv", "xlsx"]))


@blp.route("/contracts/export")
class ContractsExport(MethodView):
    """The contract list as a spreadsheet."""

    @blp.arguments(ExportArgsSchema, location="query")
    @blp.file_response(
        200,
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description="The contract list as CSV or XLSX",
    )
    def get(self, args):
        """Export the contract list (CSV or XLSX)"""
        fmt = args.pop("format")
        content, mimetype, name = reports.contracts_file(
            contracts.contracts_query(caller(), **args), fmt
        )
        return send_file(
            io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name
        )


@blp.route("/contracts/<int:contract_id>")
class ContractById(MethodView):
    """One contract version."""

    @blp.response(200, ContractSchema)
    def get(self, contract_id):
        """Get a contract"""
        return contracts.get_contract(caller(), contract_id)

    @commits
    @blp.arguments(ContractPutSchema)
    @blp.response(200, ContractSchema)
    def put(self, data, contract_id):
        """Replace a draft contract, every field sent (lead party)"""
        return contracts.update_contract(caller(), contract_id, data)

    @commits
    @blp.arguments(ContractPatchSchema)
    @blp.response(200, ContractSchema)
    def patch(self, patch, contract_id):
        """Change the fields sent of a draft contract (lead party)"""
        return contracts.update_contract(caller(), contract_id, patch)


@blp.route("/contracts/<int:contract_id>/versions")
class ContractVersions(MethodView):
    """Every version of a contract."""

    @blp.response(200, ContractSchema(many=True))
    def get(self, contract_id):
        """List a contract's versions"""
        return contracts.versions(contracts.get_contract(caller(), contract_id))


@blp.route("/contracts/<int:contract_id>/amendments")
class ContractAmendments(MethodView):
    """Amending a signed contract makes a new draft version."""

    @commits
    @blp.arguments(ContractInputSchema)
    @blp.response(201, ContractSchema)
    def post(self, data, contract_id):
        """Amend a signed contract (lead party)"""
        return contracts.amend(caller(), contract_id, data)


@blp.route("/contracts/<int:contract_id>/confirm")
class ContractConfirm(MethodView):
    """A party's confirmation (signature)."""

    @commits
    @blp.response(200, ContractSchema)
    def post(self, contract_id):
        """Confirm a contract as one of its parties"""
        return contracts.confirm(caller(), contract_id)


@blp.route("/contracts/<int:contract_id>/verify")
class ContractVerify(MethodView):
    """The department's check of a signed contract."""

    @commits
    @blp.response(200, ContractSchema)
    def post(self, contract_id):
        """Verify a signed contract (department)"""
        return contracts.verify(caller(), contract_id)


@blp.route("/contracts/<int:contract_id>/terminate")
class ContractTerminate(MethodView):
    """Ending a contract early."""

    @commits
    @blp.arguments(ReasonSchema)
    @blp.response(200, ContractSchema)
    def post(self, values, contract_id):
        """Terminate a contract with a reason"""
        return contracts.end(
            caller(), contract_id, ContractState.TERMINATED, values["reason"], values["on"]
        )


@blp.route("/contracts/<int:contract_id>/complete")
class ContractComplete(MethodView):
    """Closing a fulfilled contract."""

    @commits
    @blp.arguments(ReasonSchema)
    @blp.response(200, ContractSchema)
    def post(self, values, contract_id):
        """Mark a contract completed"""
        return contracts.end(
            caller(), contract_id, ContractState.COMPLETED, values["reason"], values["on"]
        )


class SeasonSchema(Schema):
    """Fulfilment of one committed item."""

    item_id = fields.Integer()
    season = fields.String()
    category = fields.String()
    committed = fields.Decimal(as_string=False)
    delivered = fields.Decimal(as_string=False)
    accepted = fields.Decimal(as_string=False)
    expected_by_now = fields.Decimal(as_string=False)
    unit = fields.String()
    share = fields.Float()
    behind = fields.Boolean()


@blp.route("/contracts/<int:contract_id>/fulfilment")
class ContractFulfilment(MethodView):
    """Delivered and accepted against the commitment."""

    @blp.response(200, SeasonSchema(many=True))
    def get(self, contract_id):
        """Fulfilment per season"""
        contract = contracts.get_contract(caller(), contract_id)
        return fulfilment.fulfilment([contract])[contract.id]


@blp.route("/contracts/<int:contract_id>/deliveries")
class ContractDeliveries(MethodView):
    """Deliveries under a contract."""

    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate()
    def get(self, contract_id, pagination_parameters):
        """List a contract's deliveries"""
        contracts.get_contract(caller(), contract_id)
        return paginate(deliveries.deliveries_query(caller(), contract_id), pagination_parameters)

    @commits
    @blp.arguments(DeliveryInputSchema)
    @blp.response(201, DeliverySchema)
    @blp.alt_response(409, description="The contract has expired or ended, or a lot is taken")
    def post(self, data, contract_id):
        """Record a delivery

        Recorded by the delivering cooperative, it is confirmed and its shipping and
        receiving events are written. Recorded by the buyer, it is pending (status
        ``pending``): no event until the cooperative confirms it. A contract that has
        expired, been completed or terminated takes no more deliveries (409).
        """
        return deliveries.record_delivery(caller(), contract_id, data)


_NOT_PENDING = "Already confirmed or rejected, or a lot no longer holds the quantity"


@blp.route("/deliveries/<int:delivery_id>/confirm")
class DeliveryConfirm(MethodView):
    """The seller's confirmation of a delivery the buyer recorded."""

    @commits
    @blp.response(200, DeliverySchema)
    @blp.alt_response(403, description="Not the delivering cooperative")
    @blp.alt_response(404, description="No such delivery under a contract of the caller")
    @blp.alt_response(409, description=_NOT_PENDING)
    def post(self, delivery_id):
        """Confirm a pending delivery (the delivering cooperative)

        Writes the shipping event in the cooperative's chain and the receiving event in
        the buyer's, with the usual quantity checks: a lot that no longer holds the
        quantity is refused (409) and nothing changes.
        """
        return deliveries.confirm_delivery(caller(), delivery_id)


@blp.route("/deliveries/<int:delivery_id>/reject")
class DeliveryReject(MethodView):
    """The seller's refusal of a delivery the buyer recorded."""

    @commits
    @blp.arguments(DeliveryRejectSchema)
    @blp.response(200, DeliverySchema)
    @blp.alt_response(403, description="Not the delivering cooperative")
    @blp.alt_response(404, description="No such delivery under a contract of the caller")
    @blp.alt_response(409, description="Already confirmed or rejected")
    def post(self, values, delivery_id):
        """Reject a pending delivery with a reason (the delivering cooperative)"""
        return deliveries.reject_delivery(caller(), delivery_id, values["reason"])


@blp.route("/contracts/<int:contract_id>/attachments")
class ContractAttachments(MethodView):
    """Scans of a contract (PDF, JPEG, PNG up to 10 MB)."""

    @commits
    @blp.response(201, AttachmentSchema)
    def post(self, contract_id):
        """Attach a scan (multipart field "file")"""
        upload = request.files.get("file")
        if upload is None:
            abort(
                422,
                message=_("Send the scan in a multipart field named file."),
                errors={"file": [_("Missing file.")]},
            )
        return attachments.add_attachment(
            caller(), contract_id, upload.filename, upload.read(attachments.MAX_BYTES + 1)
        )


@blp.route("/contracts/<int:contract_id>/attachments/<int:attachment_id>")
class ContractAttachmentById(MethodView):
    """One scan, for the parties and the department only."""

    @blp.file_response(
        200, "application/pdf", "image/jpeg", "image/png", description="The scan as stored"
    )
    def get(self, contract_id, attachment_id):
        """Download a scan"""
        found, attachment = attachments.attachment_file(caller(), contract_id, attachment_id)
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


@blp.route("/support-policies")
class Policies(MethodView):
    """The support policy table (rates and caps with their validity)."""

    @blp.response(200, PolicySchema(many=True))
    def get(self):
        """List support policies"""
        caller()
        return support.list_policies()

    @commits
    @blp.arguments(PolicyInputSchema)
    @blp.response(201, PolicySchema)
    def post(self, data):
        """Add a policy row (department)"""
        return support.save_policy(caller(), data)


@blp.route("/support-policies/<int:policy_id>")
class PolicyById(MethodView):
    """One policy row."""

    @commits
    @blp.arguments(PolicyPutSchema)
    @blp.response(200, PolicySchema)
    def put(self, data, policy_id):
        """Replace a policy row, every field sent (department)"""
        return support.save_policy(caller(), data, policy_id)


@blp.route("/support-claims")
class Claims(MethodView):
    """Support claims under contracts."""

    @blp.response(200, ClaimSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List support claims"""
        return paginate(support.claims_query(caller()), pagination_parameters)

    @commits
    @blp.arguments(ClaimInputSchema)
    @blp.response(201, ClaimSchema)
    def post(self, data):
        """Claim support for a contract (a party)"""
        return support.submit_claim(caller(), data)


@blp.route("/support-claims/<int:claim_id>/decision")
class ClaimDecision(MethodView):
    """The department's decision on a claim."""

    @commits
    @blp.arguments(ClaimDecisionSchema)
    @blp.response(200, ClaimSchema)
    def post(self, decision, claim_id):
        """Grant or reject a claim (department)"""
        return support.decide_claim(caller(), claim_id, decision)
