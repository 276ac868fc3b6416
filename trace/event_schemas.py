"""marshmallow schemas of trace events and traces: what the API and web forms accept (an
event with its lines, a correction) and return (events, a lot's genealogy)."""

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from core.validation import InputSchema, Range
from trace.inputs import LineInput, OutputInput, ReferenceInput, event_input
from trace.models import BatchStatus, EventKind, QuantityUnit
from trace.process_steps import STEP_NAMES
from trace.schemas import POSITIVE, choice_field, text_field


class LineInputSchema(InputSchema):
    """A batch and a quantity taking part in an event."""

    batch_id = fields.Integer(required=True)
    quantity = fields.Decimal(allow_none=True, places=3, as_string=False, validate=POSITIVE)

    @post_load
    def _typed(self, data, **kwargs) -> LineInput:
        return LineInput(**data)


class NewOutputSchema(InputSchema):
    """An output of a transformation: an existing batch, or a new one to create."""

    batch_id = fields.Integer(allow_none=True)
    product_id = fields.Integer(allow_none=True)
    lot_code = fields.String(allow_none=True)
    quantity = fields.Decimal(required=True, places=3, as_string=False, validate=POSITIVE)
    production_date = fields.Date(allow_none=True)
    packing_date = fields.Date(allow_none=True)
    expiry_date = fields.Date(allow_none=True)

    @validates_schema
    def _one_of(self, data, **kwargs):
        if bool(data.get("batch_id")) == bool(data.get("product_id")):
            raise ValidationError(_l("Give either batch_id or product_id."), "product_id")

    @post_load
    def _typed(self, data, **kwargs) -> OutputInput:
        return OutputInput(**data)


class ReferenceSchema(InputSchema):
    """A business document an event refers to."""

    type = fields.String(
        required=True, validate=validate.OneOf(["contract", "invoice", "po", "desadv", "other"])
    )
    id = text_field(120, required=True)

    @post_load
    def _typed(self, data, **kwargs) -> ReferenceInput:
        return ReferenceInput(**data)


class EventInputSchema(InputSchema):
    """A critical tracking event to record."""

    kind = fields.String(
        required=True,
        validate=validate.OneOf(
            [
                k.value
                for k in EventKind
                if k not in (EventKind.RECALL, EventKind.OTHER, EventKind.CORRECTION)
            ]
        ),
    )
    event_time = fields.AwareDateTime(required=True, metadata={"description": "With its offset"})
    site_id = fields.Integer(allow_none=True)
    lines = fields.List(fields.Nested(LineInputSchema), load_default=list)
    inputs = fields.List(fields.Nested(LineInputSchema), load_default=list)
    outputs = fields.List(fields.Nested(NewOutputSchema), load_default=list)
    transformation = fields.String(
        load_default="processing",
        validate=validate.OneOf(["processing", "packing", "splitting", "merging"]),
    )
    process_step = fields.String(
        allow_none=True,
        validate=validate.OneOf(list(STEP_NAMES)),
        metadata={"description": "What the processing was (drying, hulling, roasting…)"},
    )
    destination_org_id = fields.Integer(allow_none=True)
    source_org_id = fields.Integer(allow_none=True)
    reference = fields.Nested(ReferenceSchema, allow_none=True)
    input_name = text_field(200, allow_none=True)
    dose = fields.Decimal(allow_none=True, as_string=False, validate=POSITIVE)
    dose_unit = text_field(20, allow_none=True)
    pre_harvest_interval_days = fields.Integer(allow_none=True, validate=Range(min=0, max=365))
    result = fields.String(allow_none=True, validate=validate.OneOf(["pass", "fail"]))
    certificate = text_field(200, allow_none=True)
    note = text_field(500, allow_none=True)

    @post_load
    def _typed(self, data, **kwargs):
        """The event as its kind's typed input (``trace.inputs``)."""
        return event_input(data)


class CorrectionInputSchema(InputSchema):
    """Declaring an earlier event erroneous."""

    reason = text_field(255, required=True)


class EventLineSchema(Schema):
    """One line of an event as returned."""

    batch_id = fields.Integer()
    role = fields.String()
    quantity = fields.Decimal(as_string=False, allow_none=True)


class EventSchema(Schema):
    """An event as the API returns it."""

    id = fields.Integer()
    organization_id = fields.Integer()
    kind = fields.String()
    event_time = fields.DateTime()
    time_zone_offset = fields.String()
    site_id = fields.Integer(allow_none=True)
    location_code = fields.String()
    source_org_id = fields.Integer(allow_none=True)
    destination_org_id = fields.Integer(allow_none=True)
    reference_type = fields.String(allow_none=True)
    reference = fields.String(allow_none=True)
    event_hash = fields.String()
    corrects_event_id = fields.Integer(allow_none=True)
    correction_reason = fields.String(allow_none=True)
    recorded_at = fields.DateTime()
    lines = fields.List(fields.Nested(EventLineSchema))


class TraceBatchSchema(Schema):
    """A lot reached by a trace, at its depth (links from the traced lot)."""

    id = fields.Integer(required=True)
    lot_code = fields.String(required=True)
    product = fields.String(required=True, metadata={"description": "The product's name"})
    organization_id = fields.Integer(required=True)
    organization = fields.String(required=True, metadata={"description": "Its owner's name"})
    quantity = fields.Float(required=True)
    unit = choice_field(QuantityUnit, required=True)
    status = choice_field(BatchStatus, required=True)
    depth = fields.Integer(required=True, metadata={"description": "0 for the traced lot"})


class TraceLinkSchema(Schema):
    """A transformation's link from an input lot (parent) to an output lot (child)."""

    parent_id = fields.Integer(required=True)
    child_id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    parent_quantity = fields.Float(required=True, allow_none=True)
    child_quantity = fields.Float(required=True, allow_none=True)


class TraceShipmentSchema(Schema):
    """A live shipment of a lot of the trace to another organization."""

    batch_id = fields.Integer(required=True)
    event_id = fields.Integer(required=True)
    time = fields.String(
        required=True, metadata={"description": "The shipping event's time, ISO 8601"}
    )
    quantity = fields.Float(required=True, allow_none=True)
    to_organization_id = fields.Integer(required=True, allow_none=True)
    to_organization = fields.String(required=True, allow_none=True)
    reference = fields.String(
        required=True, allow_none=True, metadata={"description": "Contract, invoice… number"}
    )


class TraceSchema(Schema):
    """A lot's genealogy one way: the lots reached, the links between them, their shipments."""

    root = fields.Integer(required=True, metadata={"description": "The traced lot's id"})
    direction = fields.String(required=True, validate=validate.OneOf(["forward", "backward"]))
    batches = fields.List(fields.Nested(TraceBatchSchema), required=True)
    links = fields.List(fields.Nested(TraceLinkSchema), required=True)
    shipments = fields.List(fields.Nested(TraceShipmentSchema), required=True)
