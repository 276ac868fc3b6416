"""marshmallow schemas of recalls: what opening, acknowledging and closing take and return."""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields, validate

from core.validation import InputSchema, Length, Range
from recall.models import RecallOutcome, RecallSeverity, RecallStatus


class AwareDateTime(fields.DateTime):
    """A datetime written with its UTC offset (SQLite hands stored UTC values back naive)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def _choice(values, **kwargs) -> fields.String:
    values = [getattr(v, "value", v) for v in values]
    return fields.String(
        validate=validate.OneOf(values, error=_l("Must be one of: {choices}.")),
        metadata={"enum": values},
        **kwargs,
    )


class RecallInputSchema(InputSchema):
    """A recall as it is opened: the lot, why, and how serious."""

    batch_id = fields.Integer(required=True, validate=Range(min=1))
    reason = fields.String(
        required=True,
        validate=Length(min=5, max=2000, error=_l("Between {min} and {max} characters.")),
    )
    severity = _choice(RecallSeverity, required=True)


class AcknowledgeInputSchema(InputSchema):
    """Who acknowledges a notice (optional: a logged-in user is known already)."""

    name = fields.String(
        load_default=None,
        validate=Length(max=120, error=_l("At most {max} characters.")),
    )


class CloseInputSchema(InputSchema):
    """How a recall ended."""

    outcome = _choice(RecallOutcome, required=True)
    note = fields.String(
        load_default=None,
        validate=Length(max=4000, error=_l("At most {max} characters.")),
    )


class RecallQueryArgsSchema(InputSchema):
    """Filters of the recall list."""

    status = _choice(RecallStatus, load_default=None)


class RecallBatchSchema(Schema):
    """A lot the recall reaches."""

    batch_id = fields.Integer()
    lot_code = fields.Function(lambda row: row.batch.lot_code)
    product = fields.Function(lambda row: row.batch.product.name)
    organization_id = fields.Integer()
    organization = fields.Function(lambda row: row.organization.name)
    depth = fields.Integer()
    quantity = fields.Decimal(as_string=False)
    unit = fields.Function(lambda row: row.unit.value)


class ReceivedSchema(Schema):
    """One shipment line of a recalled lot to a recipient."""

    batch_id = fields.Integer()
    lot_code = fields.String()
    quantity = fields.Float(allow_none=True)
    unit = fields.String()
    event_id = fields.Integer()
    shipped_at = fields.String()


class NoticeSchema(Schema):
    """One e-mail of the outbox."""

    id = fields.Integer()
    address = fields.String()
    status = fields.Function(lambda n: n.status.value)
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    sent_at = AwareDateTime(allow_none=True)


class RecipientSchema(Schema):
    """An organization the recall reaches, and its acknowledgement."""

    id = fields.Integer()
    organization_id = fields.Integer()
    organization = fields.Function(lambda r: r.organization.name)
    contact_name = fields.String(allow_none=True)
    contact_email = fields.String(allow_none=True)
    contact_phone = fields.String(allow_none=True)
    received = fields.List(fields.Nested(ReceivedSchema))
    acknowledged_at = AwareDateTime(allow_none=True)
    acknowledged_by = fields.String(attribute="acknowledged_by_name", allow_none=True)
    acknowledged_via = fields.Function(
        lambda r: r.acknowledged_via.value if r.acknowledged_via else None
    )
    notices = fields.List(fields.Nested(NoticeSchema))


def _overdue(recall) -> bool:
    return (
        recall.is_open and datetime.now(UTC) > recall.deadline and bool(recall.pending_recipients)
    )


class RecallSummarySchema(Schema):
    """A recall as a list shows it."""

    id = fields.Integer()
    batch_id = fields.Integer()
    lot_code = fields.Function(lambda r: r.batch.lot_code)
    organization_id = fields.Integer()
    organization = fields.Function(lambda r: r.organization.name)
    reason = fields.String()
    severity = fields.Function(lambda r: r.severity.value)
    status = fields.Function(lambda r: r.status.value)
    opened_at = AwareDateTime()
    deadline_at = AwareDateTime()
    overdue = fields.Function(_overdue)
    recipient_count = fields.Function(lambda r: len(r.recipients))
    acknowledged_count = fields.Function(lambda r: len(r.recipients) - len(r.pending_recipients))


class RecallSchema(RecallSummarySchema):
    """A recall with its lots, recipients, notices and outcome."""

    opened_by = fields.Function(lambda r: r.opened_by.full_name)
    event_id = fields.Integer(allow_none=True)
    closed_at = AwareDateTime(allow_none=True)
    outcome = fields.Function(lambda r: r.outcome.value if r.outcome else None)
    outcome_note = fields.String(allow_none=True)
    batches = fields.List(fields.Nested(RecallBatchSchema))
    recipients = fields.List(fields.Nested(RecipientSchema))
    not_acknowledged = fields.Function(lambda r: [p.organization_id for p in r.pending_recipients])
