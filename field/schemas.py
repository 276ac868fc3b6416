"""marshmallow schemas of the field app's batch submit and the reference data it caches."""

import base64
import binascii

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from core.validation import InputSchema, translated_errors
from field.inputs import FieldRecordInput, InvalidRecord
from trace.schemas import ContributionSchema

KINDS = ("harvest", "input_applied", "inspection")
POSITIVE = validate.Range(
    min=0, min_inclusive=False, max=1e10, error=_l("Must be more than 0 and at most 10 billion.")
)
MAX_PHOTO_BYTES = 200 * 1024
# 30 photos of 200 kB in base64 stay under the 10 MB request limit.
MAX_RECORDS = 30


def _text(max_len: int, **kwargs) -> fields.String:
    return fields.String(
        validate=validate.Length(
            min=1, max=max_len, error=_l("Must be between {min} and {max} characters.")
        ),
        **kwargs,
    )


class FieldRecordSchema(InputSchema):
    """One record made on the phone: a harvest of a new lot, an input applied, an inspection."""

    key = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9_-]{8,100}$", error=_l("8 to 100 letters, digits, - or _.")
        ),
        metadata={"description": "Idempotency key made on the phone (a UUID)"},
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    event_time = fields.AwareDateTime(
        required=True, metadata={"description": "When it happened, on the phone, with its offset"}
    )
    site_id = fields.Integer(allow_none=True)
    product_id = fields.Integer(allow_none=True, metadata={"description": "Harvest: product"})
    quantity = fields.Decimal(
        allow_none=True, places=3, as_string=False, validate=POSITIVE,
        metadata={"description": "Harvest: the new lot's quantity"},
    )  # fmt: skip
    households = fields.List(fields.Nested(ContributionSchema), load_default=list)
    lot_id = fields.Integer(
        allow_none=True, metadata={"description": "Input or inspection: an open lot"}
    )
    input_name = _text(200, allow_none=True)
    dose = fields.Decimal(allow_none=True, as_string=False, validate=POSITIVE)
    dose_unit = _text(20, allow_none=True)
    pre_harvest_interval_days = fields.Integer(
        allow_none=True, validate=validate.Range(min=0, max=365)
    )
    result = fields.String(allow_none=True, validate=validate.OneOf(["pass", "fail"]))
    note = _text(500, allow_none=True)
    photo = fields.String(
        allow_none=True,
        metadata={"description": "The photo of the scene: JPEG or WebP, base64, at most 200 kB"},
    )

    @validates_schema
    def _needed_for_kind(self, data, **kwargs):
        """Each kind's own required fields, named."""
        needed = {
            "harvest": ("product_id", "quantity", "site_id", "households"),
            "input_applied": ("input_name",),
            "inspection": ("lot_id", "result"),
        }.get(data.get("kind"), ())
        missing = {name: [_l("This field is required.")] for name in needed if not data.get(name)}
        if data.get("kind") == "input_applied" and not (data.get("lot_id") or data.get("site_id")):
            missing["lot_id"] = [_l("Choose a lot or a growing area.")]
        if missing:
            raise ValidationError(missing)

    @post_load
    def _typed(self, data, **kwargs) -> FieldRecordInput:
        """The record as a typed input, its photo decoded."""
        photo = data.pop("photo", None)
        data["households"] = tuple(data.get("households") or ())
        return FieldRecordInput(**data, photo=_decoded(photo) if photo else None)


def _decoded(text: str) -> bytes:
    if "," in text[:100]:  # a data: URL as the canvas gives it
        text = text.split(",", 1)[1]
    if len(text) > (MAX_PHOTO_BYTES * 4) // 3 + 8:
        raise ValidationError({"photo": [_l("The photo is larger than 200 kB.")]})
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"photo": [_l("The photo is not valid base64.")]}) from None
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photo": [_l("The photo is larger than 200 kB.")]})
    return data


class JudgedRecord(fields.Nested):
    """A record of a batch, documented as its schema; one that fails validation becomes an
    ``InvalidRecord`` (refused alone) instead of failing the whole batch."""

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        try:
            return super()._deserialize(value, attr, data, partial=partial, **kwargs)
        except ValidationError as error:
            key = value.get("key") if isinstance(value, dict) else None
            return InvalidRecord(
                key=key if isinstance(key, str) else None,
                errors=translated_errors(error.messages),
            )


class FieldBatchSchema(Schema):
    """Records from the phone's queue, judged one by one."""

    records = fields.List(
        JudgedRecord(FieldRecordSchema),
        required=True,
        validate=validate.Length(min=1, max=MAX_RECORDS),
    )


class FieldResultSchema(Schema):
    """What became of one record: stored (now or before), or refused with the reason."""

    key = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["stored", "refused"]})
    status_code = fields.Integer(metadata={"description": "201 stored; 4xx refused"})
    replayed = fields.Boolean(metadata={"description": "Stored by an earlier send of this key"})
    event_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer(allow_none=True)
    lot_code = fields.String(allow_none=True)
    received_at = fields.String(allow_none=True, metadata={"description": "When the server got it"})
    code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class FieldResultsSchema(Schema):
    """One result per record sent, in the order sent."""

    results = fields.List(fields.Nested(FieldResultSchema))


class _Named(Schema):
    id = fields.Integer()
    name = fields.String()


class _Product(_Named):
    unit = fields.String()


class _Lot(Schema):
    id = fields.Integer()
    lot_code = fields.String()
    product = fields.String()
    status = fields.String()


class FieldReferenceSchema(Schema):
    """What the phone caches to fill its forms offline."""

    organization = fields.String()
    user = fields.String()
    products = fields.List(fields.Nested(_Product))
    sites = fields.List(fields.Nested(_Named))
    households = fields.List(fields.Nested(_Named))
    lots = fields.List(fields.Nested(_Lot), metadata={"description": "Open lots (draft, active)"})
    refreshed_at = fields.String()
    csrf_token = fields.String(
        allow_none=True, metadata={"description": "For a session-cookie caller's next POST"}
    )
