"""marshmallow schemas of linkage: contracts, deliveries, support policies and claims."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from core.clock import vn_today
from core.representation import RefusesFields, WholeRepresentation
from core.validation import InputSchema, Length, Range
from linkage.inputs import (
    ClaimDecision,
    ClaimInput,
    ContractInput,
    ContractItemInput,
    ContractPatch,
    DeliveryInput,
    DeliveryLineInput,
    PartyInput,
    PolicyInput,
)
from linkage.models import ClaimStatus, LinkageForm, PriceMechanism, SupportCategory
from linkage.services.lifecycle import missing_terms, status_on
from trace.models import ProductCategory, QuantityUnit

POSITIVE = Range(min=0, min_inclusive=False, max=1e12, error=_l("Must be more than 0."))
NOT_NEGATIVE = Range(min=0, max=1e12, error=_l("Must not be negative."))


def _choice(values, **kwargs) -> fields.String:
    values = [getattr(v, "value", v) for v in values]
    return fields.String(
        validate=validate.OneOf(values, error=_l("Must be one of: {choices}.")),
        metadata={"enum": values},
        **kwargs,
    )


def _text(max_len: int = 4000, **kwargs) -> fields.String:
    return fields.String(
        allow_none=True,
        validate=Length(max=max_len, error=_l("At most {max} characters.")),
        **kwargs,
    )


class PartyInputSchema(InputSchema):
    """A cooperative party of a contract; loads a PartyInput."""

    organization_id = fields.Integer(required=True)
    representative = _text(120)
    households = fields.Integer(allow_none=True, validate=Range(min=0, max=100_000))

    @post_load
    def _make(self, data, **kwargs):
        return PartyInput(**data)


class ItemInputSchema(InputSchema):
    """A product and quantity committed for a season or year."""

    category = _choice(ProductCategory, required=True)
    product_id = fields.Integer(allow_none=True)
    season = fields.String(required=True, validate=Length(min=1, max=40))
    due_from = fields.Date(required=True)
    due_to = fields.Date(required=True)
    quantity = fields.Decimal(required=True, places=3, as_string=False, validate=POSITIVE)
    unit = _choice(QuantityUnit, load_default=QuantityUnit.KG.value)

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("due_from") and data.get("due_to") and data["due_to"] < data["due_from"]:
            raise ValidationError(_l("The end is before the start."), "due_to")

    @post_load
    def _make(self, data, **kwargs):
        return ContractItemInput(
            **data
            | {"category": ProductCategory(data["category"]), "unit": QuantityUnit(data["unit"])}
        )


_STATE_ENDPOINTS = _l(
    "A contract's state changes through POST /contracts/{id}/confirm, /terminate or /complete."
)


class ContractInputSchema(RefusesFields, InputSchema):
    """A contract as the lead party drafts, edits or amends it; loads a ContractInput.

    Loaded partial (PATCH), a ContractPatch. Its state has endpoints of its own.
    """

    refused = {"state": _STATE_ENDPOINTS, "status": _STATE_ENDPOINTS}

    number = fields.String(required=True, validate=Length(min=1, max=60))
    linkage_form = fields.Integer(
        required=True,
        validate=validate.OneOf(
            [f.value for f in LinkageForm], error=_l("Choose one of the seven forms.")
        ),
    )
    lead_representative = _text(120)
    parties = fields.List(
        fields.Nested(PartyInputSchema),
        required=True,
        validate=Length(min=1, error=_l("Name at least one cooperative.")),
    )
    items = fields.List(fields.Nested(ItemInputSchema), load_default=list)
    area_ha = fields.Float(allow_none=True, validate=NOT_NEGATIVE)
    price_mechanism = _choice(PriceMechanism, allow_none=True)
    price_vnd = fields.Decimal(allow_none=True, places=0, as_string=False, validate=NOT_NEGATIVE)
    price_formula = _text()
    quality_standard = _text()
    delivery_terms = _text()
    payment_terms = _text()
    input_advances = _text()
    rights_obligations = _text()
    risk_sharing = _text()
    force_majeure = _text()
    breach_liability = _text()
    dispute_resolution = _text()
    amendment_termination = _text()
    signed_on = fields.Date(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    amendment_note = _text(500)

    @validates_schema
    def _dates(self, data, **kwargs):
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            raise ValidationError(_l("The contract ends before it starts."), "effective_to")

    @post_load
    def _make(self, data, partial=None, **kwargs):
        values = dict(data)
        for name in ("parties", "items"):
            if name in values:
                values[name] = tuple(values[name])
        if values.get("price_mechanism") is not None:
            values["price_mechanism"] = PriceMechanism(values["price_mechanism"])
        return ContractPatch(**values) if partial else ContractInput(**values)


class ContractPutSchema(WholeRepresentation, ContractInputSchema):
    """A draft's whole representation (PUT): every field, null to clear one."""


class ContractPatchSchema(ContractInputSchema):
    """Some fields of a draft (PATCH); loads a ContractPatch. Lists sent are sent whole."""

    def __init__(self, **kwargs):
        # Partial at the top only: a party or item row sent is a whole row.
        super().__init__(partial=tuple(self._declared_fields), **kwargs)


class ReasonSchema(InputSchema):
    """Why a contract ends or a claim is decided, and when."""

    reason = fields.String(required=True, validate=Length(min=3, max=500))
    on = fields.Date(load_default=None)


class DeliveryRejectSchema(InputSchema):
    """Why the seller rejects a delivery the buyer recorded."""

    reason = fields.String(required=True, validate=Length(min=3, max=500))


class DeliveryLineInputSchema(InputSchema):
    """A batch delivered, and how much of it was accepted; loads a DeliveryLineInput."""

    batch_id = fields.Integer(required=True)
    quantity = fields.Decimal(required=True, places=3, as_string=False, validate=POSITIVE)
    accepted_quantity = fields.Decimal(
        allow_none=True, places=3, as_string=False, validate=NOT_NEGATIVE
    )
    rejection_reason = _text(300)

    @post_load
    def _make(self, data, **kwargs):
        return DeliveryLineInput(**data)


class DeliveryInputSchema(InputSchema):
    """A delivery under a contract."""

    cooperative_id = fields.Integer(allow_none=True)
    delivered_on = fields.Date(required=True)
    price_vnd = fields.Decimal(allow_none=True, places=0, as_string=False, validate=NOT_NEGATIVE)
    note = _text(500)
    lines = fields.List(
        fields.Nested(DeliveryLineInputSchema),
        required=True,
        validate=Length(min=1, error=_l("List at least one batch.")),
    )

    @post_load
    def _make(self, data, **kwargs):
        return DeliveryInput(**data | {"lines": tuple(data["lines"])})


class PolicyInputSchema(InputSchema):
    """A support policy row."""

    category = _choice(SupportCategory, required=True)
    rate_percent = fields.Decimal(
        required=True,
        as_string=False,
        validate=Range(min=0, max=100, error=_l("A percentage from 0 to 100.")),
    )
    cap_vnd = fields.Integer(allow_none=True, validate=NOT_NEGATIVE)
    max_cycles = fields.Integer(allow_none=True, validate=Range(min=1, max=20))
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True)
    legal_basis = fields.String(required=True, validate=Length(min=3, max=255))
    note = _text(500)

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("valid_to") and data["valid_to"] < data["valid_from"]:
            raise ValidationError(_l("The end is before the start."), "valid_to")

    @post_load
    def _make(self, data, **kwargs):
        return PolicyInput(**data | {"category": SupportCategory(data["category"])})


class PolicyPutSchema(WholeRepresentation, PolicyInputSchema):
    """A policy row's whole representation (PUT): every field, null to clear one."""


class ClaimInputSchema(InputSchema):
    """A support claim against a contract."""

    contract_id = fields.Integer(required=True)
    category = _choice(SupportCategory, required=True)
    claimed_on = fields.Date(required=True)
    eligible_cost_vnd = fields.Integer(required=True, validate=POSITIVE)
    amount_asked_vnd = fields.Integer(required=True, validate=POSITIVE)

    @post_load
    def _make(self, data, **kwargs):
        return ClaimInput(**data | {"category": SupportCategory(data["category"])})


class ClaimDecisionSchema(InputSchema):
    """The department's decision on a claim."""

    status = fields.String(
        required=True,
        validate=validate.OneOf([ClaimStatus.GRANTED.value, ClaimStatus.REJECTED.value]),
    )
    amount_granted_vnd = fields.Integer(allow_none=True, validate=NOT_NEGATIVE)
    note = _text(500)

    @post_load
    def _make(self, data, **kwargs):
        return ClaimDecision(**data | {"status": ClaimStatus(data["status"])})


class AttachmentSchema(Schema):
    """A stored scan of a contract (the file itself is downloaded apart)."""

    id = fields.Integer(dump_only=True)
    filename = fields.String(dump_only=True)
    size = fields.Integer(dump_only=True, metadata={"description": "Bytes"})
    mimetype = fields.String(dump_only=True)


class PartySchema(Schema):
    """A contract party as returned."""

    organization_id = fields.Integer()
    organization = fields.Function(lambda p: p.organization.name)
    role = fields.String()
    representative = fields.String(allow_none=True)
    households = fields.Integer(allow_none=True)
    confirmed_at = fields.DateTime(allow_none=True)


class ItemSchema(Schema):
    """A contract item as returned."""

    id = fields.Integer()
    category = fields.String()
    product_id = fields.Integer(allow_none=True)
    season = fields.String()
    due_from = fields.Date()
    due_to = fields.Date()
    quantity = fields.Decimal(as_string=False)
    unit = fields.String()


class ContractSchema(Schema):
    """A contract version as the API returns it."""

    id = fields.Integer()
    number = fields.String()
    version = fields.Integer()
    previous_id = fields.Integer(allow_none=True)
    superseded_at = fields.DateTime(allow_none=True)
    amendment_note = fields.String(allow_none=True)
    lead_org_id = fields.Integer()
    linkage_form = fields.Integer()
    state = fields.String()
    status = fields.Function(lambda c: status_on(c, vn_today()))
    parties = fields.List(fields.Nested(PartySchema))
    items = fields.List(fields.Nested(ItemSchema))
    area_ha = fields.Float(allow_none=True)
    price_mechanism = fields.String(allow_none=True)
    price_vnd = fields.Decimal(as_string=False, allow_none=True)
    price_formula = fields.String(allow_none=True)
    quality_standard = fields.String(allow_none=True)
    delivery_terms = fields.String(allow_none=True)
    payment_terms = fields.String(allow_none=True)
    input_advances = fields.String(allow_none=True)
    rights_obligations = fields.String(allow_none=True)
    risk_sharing = fields.String(allow_none=True)
    force_majeure = fields.String(allow_none=True)
    breach_liability = fields.String(allow_none=True)
    dispute_resolution = fields.String(allow_none=True)
    amendment_termination = fields.String(allow_none=True)
    signed_on = fields.Date(allow_none=True)
    effective_from = fields.Date(allow_none=True)
    effective_to = fields.Date(allow_none=True)
    verified_at = fields.DateTime(allow_none=True)
    ended_on = fields.Date(allow_none=True)
    end_reason = fields.String(allow_none=True)
    missing = fields.Function(lambda c: [label for _key, label in missing_terms(c)])


class ContractQueryArgsSchema(InputSchema):
    """Filters of the contract list."""

    status = fields.String(
        validate=validate.OneOf(["draft", "signed", "active", "expired", "completed", "terminated"])
    )
    linkage_form = fields.Integer()
    admin_unit = fields.String(metadata={"description": "Commune code of a cooperative party"})
    category = _choice(ProductCategory)
    organization_id = fields.Integer()
    include_superseded = fields.Boolean(load_default=False)


class DeliveryLineSchema(Schema):
    """A delivery line as returned."""

    batch_id = fields.Integer()
    lot_code = fields.Function(lambda line: line.batch.lot_code)
    quantity = fields.Decimal(as_string=False)
    accepted_quantity = fields.Decimal(as_string=False)
    rejection_reason = fields.String(allow_none=True)


class DeliverySchema(Schema):
    """A delivery as returned."""

    id = fields.Integer()
    contract_id = fields.Integer()
    cooperative_id = fields.Integer()
    delivered_on = fields.Date()
    price_vnd = fields.Decimal(as_string=False, allow_none=True)
    note = fields.String(allow_none=True)
    shipping_event_id = fields.Integer(allow_none=True)
    receiving_event_id = fields.Integer(allow_none=True)
    status = fields.String(
        metadata={"description": "pending (recorded by the buyer), confirmed or rejected"}
    )
    decided_at = fields.DateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(DeliveryLineSchema))


class PolicySchema(Schema):
    """A support policy as returned."""

    id = fields.Integer()
    category = fields.String()
    rate_percent = fields.Decimal(as_string=False)
    cap_vnd = fields.Integer(allow_none=True)
    max_cycles = fields.Integer(allow_none=True)
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    legal_basis = fields.String()
    note = fields.String(allow_none=True)


class ClaimSchema(Schema):
    """A support claim as returned."""

    id = fields.Integer()
    contract_id = fields.Integer()
    claimant_org_id = fields.Integer()
    category = fields.String()
    claimed_on = fields.Date()
    eligible_cost_vnd = fields.Integer()
    amount_asked_vnd = fields.Integer()
    max_support_vnd = fields.Integer()
    policy_id = fields.Integer()
    status = fields.String()
    amount_granted_vnd = fields.Integer(allow_none=True)
    decided_on = fields.Date(allow_none=True)
    decision_note = fields.String(allow_none=True)
