"""marshmallow schemas of the trace side's master data: products, sites and lots, as the API and
the web forms accept and return them (events and traces: ``trace.event_schemas``)."""

import copy

from flask_babel import lazy_gettext as _l
from marshmallow import (
    Schema,
    ValidationError,
    fields,
    missing,
    post_load,
    pre_load,
    validate,
    validates,
    validates_schema,
)

from core.validation import InputSchema, Length, Range
from gs1.codes import gs1_check_digit_ok, is_cset82
from registry.schemas import AdminUnitSchema
from trace.inputs import (
    BatchInput,
    BatchPatch,
    Contribution,
    ProductInput,
    ProductPatch,
    SiteInput,
    SitePatch,
    StandardInput,
)
from trace.models import (
    BatchStatus,
    ProductCategory,
    QuantityUnit,
    SiteKind,
    StandardKind,
)
from trace.services.uris import public_uri

POSITIVE = Range(
    min=0, min_inclusive=False, max=1e10, error=_l("Must be more than {min} and at most {max}.")
)


def choice_field(enum_cls, **kwargs) -> fields.String:
    """A text field that takes one of the enum's values (listed in the OpenAPI document)."""
    values = [member.value for member in enum_cls]
    return fields.String(
        validate=validate.OneOf(values, error=_l("Must be one of: {choices}.")),
        metadata={"enum": values},
        **kwargs,
    )


def _whole(schema_cls: type[Schema], name: str, doc: str) -> type[Schema]:
    """The PUT form of an input schema: every field required, none defaulted.

    A PUT sends the whole representation, so a field left out is a mistake (422 naming it),
    not a value to erase; ``null`` still clears a field that may be empty.
    """
    return type(name, (schema_cls,), {**_undefaulted(schema_cls, required=True), "__doc__": doc})


def _partial(schema_cls: type[Schema], name: str, doc: str) -> type[Schema]:
    """The PATCH form of an input schema: any top-level field may be left out, none defaulted.

    Only the top level: a nested item sent (a household, a standard) is still whole.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", tuple(schema_cls._declared_fields))
        schema_cls.__init__(self, *args, **kwargs)

    fields_ = _undefaulted(schema_cls, required=False)
    return type(name, (schema_cls,), {**fields_, "__init__": __init__, "__doc__": doc})


def _undefaulted(schema_cls: type[Schema], required: bool) -> dict[str, fields.Field]:
    """Copies of the schema's fields without their load defaults (``required`` as given,
    or as declared when False)."""
    copies = {}
    for field_name, field in schema_cls._declared_fields.items():
        field = copy.copy(field)
        field.required = required or field.required
        field.load_default = missing
        copies[field_name] = field
    return copies


def text_field(max_len: int, **kwargs) -> fields.String:
    """A text field of 1 to ``max_len`` characters."""
    return fields.String(
        validate=Length(
            min=1, max=max_len, error=_l("Must be between {min} and {max} characters.")
        ),
        **kwargs,
    )


class StandardSchema(InputSchema):
    """A standard applied to a product, with its certificate."""

    kind = choice_field(StandardKind, required=True)
    stars = fields.Integer(
        allow_none=True, validate=Range(min=3, max=5, error=_l("OCOP stars are 3 to 5."))
    )
    certificate_number = text_field(80, allow_none=True)
    issuer = text_field(160, allow_none=True)
    issued_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)

    @validates_schema
    def _check_dates(self, data, **kwargs):
        if (
            data.get("issued_on")
            and data.get("expires_on")
            and data["expires_on"] < data["issued_on"]
        ):
            raise ValidationError(_l("Expires before it was issued."), "expires_on")

    @post_load
    def _typed(self, data, **kwargs) -> StandardInput:
        return StandardInput(**data)


class ProductInputSchema(InputSchema):
    """Fields accepted when creating or editing a product."""

    name = text_field(200, required=True)
    name_en = text_field(
        200, allow_none=True, metadata={"description": "Its name on the English page"}
    )
    category = choice_field(ProductCategory, required=True)
    gtin = fields.String(
        allow_none=True, metadata={"description": "GTIN-8/12/13/14; stored as GTIN-14"}
    )
    unit = choice_field(QuantityUnit, load_default=QuantityUnit.KG.value)
    description = text_field(4000, allow_none=True)
    is_agricultural = fields.Boolean(load_default=True)
    no_standard_declared = fields.Boolean(load_default=False)
    shelf_life_days = fields.Integer(
        allow_none=True,
        validate=Range(min=1, max=3650, error=_l("Between {min} and {max} days.")),
    )
    standards = fields.List(fields.Nested(StandardSchema), load_default=list)

    @validates("gtin")
    def _check_gtin(self, value, **kwargs):
        if value is None:
            return
        if (
            not value.isdigit()
            or len(value) not in (8, 12, 13, 14)
            or not gs1_check_digit_ok(value)
        ):
            raise ValidationError(_l("A GTIN has 8, 12, 13 or 14 digits and a valid check digit."))

    @post_load
    def _typed(self, data, partial=None, **kwargs) -> ProductInput | ProductPatch:
        return ProductPatch(**data) if partial else ProductInput(**data)


ProductPutSchema = _whole(
    ProductInputSchema, "ProductPutSchema", "A whole product, as PUT replaces it."
)
ProductPatchSchema = _partial(
    ProductInputSchema, "ProductPatchSchema", "The fields of a product to change (PATCH)."
)


class StandardOutSchema(Schema):
    """A product's standard as returned."""

    kind = fields.String()
    stars = fields.Integer(allow_none=True)
    certificate_number = fields.String(allow_none=True)
    issuer = fields.String(allow_none=True)
    issued_on = fields.Date(allow_none=True)
    expires_on = fields.Date(allow_none=True)


class ProductSchema(Schema):
    """A product as the API returns it."""

    id = fields.Integer()
    organization_id = fields.Integer()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    category = fields.String()
    gtin = fields.String(allow_none=True)
    unit = fields.String()
    description = fields.String(allow_none=True)
    is_agricultural = fields.Boolean()
    no_standard_declared = fields.Boolean()
    shelf_life_days = fields.Integer(allow_none=True)
    active = fields.Boolean()
    has_image = fields.Function(lambda product: product.image_path is not None)
    standards = fields.List(fields.Nested(StandardOutSchema))


class ProductQueryArgsSchema(InputSchema):
    """Filters of the product list."""

    category = choice_field(ProductCategory)
    q = fields.String()
    organization_id = fields.Integer()


class SiteInputSchema(InputSchema):
    """Fields accepted when creating or editing a growing area or facility."""

    kind = choice_field(SiteKind, load_default=SiteKind.GROWING_AREA.value)
    name = text_field(200, required=True)
    name_en = text_field(
        200, allow_none=True, metadata={"description": "Its name on the English page"}
    )
    planting_area_code = text_field(40, allow_none=True)
    admin_unit = fields.String(required=True)
    latitude = fields.Float(
        allow_none=True, validate=Range(min=-90, max=90, error=_l("Out of range."))
    )
    longitude = fields.Float(
        allow_none=True, validate=Range(min=-180, max=180, error=_l("Out of range."))
    )
    area_ha = fields.Float(allow_none=True, validate=POSITIVE)
    gln = fields.String(allow_none=True)
    household_ids = fields.List(fields.Integer(), load_default=list)

    @validates("gln")
    def _check_gln(self, value, **kwargs):
        if value is not None and not (len(value) == 13 and gs1_check_digit_ok(value)):
            raise ValidationError(_l("A GLN has 13 digits and a valid check digit."))

    @post_load
    def _typed(self, data, partial=None, **kwargs) -> SiteInput | SitePatch:
        return SitePatch(**data) if partial else SiteInput(**data)


SitePutSchema = _whole(SiteInputSchema, "SitePutSchema", "A whole site, as PUT replaces it.")
SitePatchSchema = _partial(
    SiteInputSchema, "SitePatchSchema", "The fields of a site to change (PATCH)."
)


class SiteSchema(Schema):
    """A site as the API returns it."""

    id = fields.Integer()
    organization_id = fields.Integer()
    kind = fields.String()
    name = fields.String()
    name_en = fields.String(allow_none=True)
    code = fields.String()
    planting_area_code = fields.String(allow_none=True)
    admin_unit = fields.Nested(AdminUnitSchema)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    area_ha = fields.Float(allow_none=True)
    gln = fields.String(allow_none=True)
    household_ids = fields.Function(lambda site: [h.id for h in site.households])


class ContributionSchema(InputSchema):
    """A member household's share of a harvest batch."""

    member_id = fields.Integer(required=True)
    quantity = fields.Decimal(required=True, places=3, as_string=False, validate=POSITIVE)

    @post_load
    def _typed(self, data, **kwargs) -> Contribution:
        return Contribution(**data)


class BatchInputSchema(InputSchema):
    """Fields accepted when creating or editing a batch (its status has its own endpoints)."""

    product_id = fields.Integer(required=True)
    lot_code = fields.String(allow_none=True, metadata={"description": "Generated when absent"})
    quantity = fields.Decimal(required=True, places=3, as_string=False, validate=POSITIVE)
    harvest_date = fields.Date(allow_none=True)
    production_date = fields.Date(allow_none=True)
    packing_date = fields.Date(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    site_ids = fields.List(fields.Integer(), load_default=list)
    households = fields.List(fields.Nested(ContributionSchema), load_default=list)

    @validates("lot_code")
    def _check_lot(self, value, **kwargs):
        if value is not None and not is_cset82(value):
            raise ValidationError(
                _l(
                    "A lot code is 1 to 20 characters of GS1 CSET 82"
                    " (letters, digits, - . / and a few others)."
                )
            )

    @pre_load
    def _status_elsewhere(self, data, **kwargs):
        if hasattr(data, "keys") and "status" in data:
            message = _l(
                "The status is not edited here: use POST /batches/{id}/activate"
                " or POST /batches/{id}/close."
            )
            raise ValidationError([message], "status")
        return data

    @post_load
    def _typed(self, data, partial=None, **kwargs) -> BatchInput | BatchPatch:
        return BatchPatch(**data) if partial else BatchInput(**data)


def _reason_field() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=Length(max=255),
        metadata={
            "description": "Why the batch is changed: required (else 409) once its labels"
            " are printed; kept with the batch's revision"
        },
    )


class BatchEditSchema(BatchInputSchema):
    """A batch as its edit form sends it: the whole batch, and the reason of a correction."""

    reason = _reason_field()


BatchPutSchema = type(
    "BatchPutSchema",
    (_whole(BatchInputSchema, "BatchPutBase", "A whole batch, as PUT replaces it."),),
    {"reason": _reason_field(), "__doc__": "A whole batch, as PUT replaces it."},
)
BatchPatchSchema = _partial(
    BatchEditSchema,
    "BatchPatchSchema",
    "The fields of a batch to change (PATCH): anything of a draft; the dates, growing areas"
    " and households of an active batch.",
)


class BatchStatusSchema(InputSchema):
    """A status change of a batch."""

    status = fields.String(
        required=True, validate=validate.OneOf([BatchStatus.ACTIVE.value, BatchStatus.CLOSED.value])
    )


class MissingItemSchema(Schema):
    """One item of the completeness checklist."""

    key = fields.String()
    label = fields.String()
    ok = fields.Boolean()


class BatchSchema(Schema):
    """A batch as the API returns it."""

    id = fields.Integer()
    organization_id = fields.Integer()
    product_id = fields.Integer()
    product_name = fields.Function(lambda batch: batch.product.name)
    lot_code = fields.String()
    public_code = fields.String()
    quantity = fields.Decimal(as_string=False)
    unit = fields.String()
    harvest_date = fields.Date(allow_none=True)
    production_date = fields.Date(allow_none=True)
    packing_date = fields.Date(allow_none=True)
    expiry_date = fields.Date(allow_none=True)
    status = fields.String()
    public_uri = fields.Function(lambda batch: public_uri(batch))
    site_ids = fields.Function(lambda batch: [s.id for s in batch.sites])
    households = fields.Function(
        lambda batch: [
            {"member_id": h.member_id, "quantity": float(h.quantity)} for h in batch.households
        ]
    )
    created_at = fields.DateTime()
    held_quantity = fields.Function(
        lambda batch: _number(getattr(batch, "held_quantity", None)),
        metadata={
            "description": "In lists, for a lot of another organization: what the caller"
            " holds of it (received and not passed on); null for its own lots"
        },
    )


def _number(value):
    return None if value is None else float(value)


class BatchQueryArgsSchema(InputSchema):
    """Filters and keyset cursor of the batch list."""

    product_id = fields.Integer()
    status = choice_field(BatchStatus)
    q = fields.String(metadata={"description": "Lot code prefix"})
    with_total = fields.Boolean(
        load_default=False, metadata={"description": "Count all matches (slower)"}
    )
