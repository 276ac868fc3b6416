"""marshmallow schemas of the EUDR side: plots, checks, consents and the evidence summary."""

import json

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates

from core.validation import InputSchema, Length, Range

AREA = Range(
    min=0, min_inclusive=False, max=100_000, error=_l("Must be more than {min} and at most {max}.")
)


class GeometryField(fields.Field):
    """A GeoJSON geometry, as an object or as its text; checked by the service."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict | str):
            raise ValidationError(_l("A GeoJSON geometry (an object) is required."))
        return value

    def _serialize(self, value, attr, obj, **kwargs):
        return json.loads(value) if isinstance(value, str) else value


class PlotInputSchema(InputSchema):
    """Fields accepted when adding or replacing a plot."""

    name = fields.String(
        required=True,
        validate=Length(min=1, max=120, error=_l("Must be between {min} and {max} characters.")),
    )
    geometry = GeometryField(
        required=True,
        metadata={"description": "GeoJSON Point or Polygon, [longitude, latitude], ≥ 6 decimals"},
    )
    declared_area_ha = fields.Decimal(as_string=False, allow_none=True, validate=AREA)
    production_since = fields.Date(allow_none=True)
    land_document_number = fields.String(
        allow_none=True, validate=Length(max=80, error=_l("At most {max} characters."))
    )
    household_ids = fields.List(fields.Integer(), load_default=list)


class WalkInputSchema(PlotInputSchema):
    """A plot walked with a phone's GPS: the plot's fields and each corner's accuracy."""

    accuracies_m = fields.List(
        fields.Float(validate=Range(min=0, max=100_000)),
        required=True,
        validate=Length(min=3, error=_l("Record at least {min} corners.")),
        metadata={"description": "the GPS accuracy (metres) of each corner, in the order walked"},
    )


class PlotCheckSchema(Schema):
    """A check on a plot."""

    id = fields.Integer()
    kind = fields.String()
    tool = fields.String()
    checked_on = fields.Date()
    passed = fields.Boolean()
    note = fields.String(allow_none=True)


class PlotCheckInputSchema(InputSchema):
    """A check made elsewhere, recorded on a plot."""

    tool = fields.String(
        required=True,
        validate=Length(min=1, max=120, error=_l("Must be between {min} and {max} characters.")),
    )
    checked_on = fields.Date(required=True)
    passed = fields.Boolean(required=True)
    note = fields.String(allow_none=True, validate=Length(max=500))


class PlotSchema(Schema):
    """A plot as the API returns it."""

    id = fields.Integer()
    organization_id = fields.Integer()
    site_id = fields.Integer()
    name = fields.String()
    geometry = GeometryField()
    geometry_type = fields.String()
    area_ha = fields.Float()
    declared_area_ha = fields.Float(allow_none=True)
    longitude = fields.Float()
    latitude = fields.Float()
    production_since = fields.Date(allow_none=True)
    land_document_number = fields.String(allow_none=True)
    has_land_document = fields.Function(lambda plot: plot.land_document_path is not None)
    household_ids = fields.Function(lambda plot: [member.id for member in plot.households])
    walk_accuracies_m = fields.List(fields.Float(), allow_none=True)
    checks = fields.List(fields.Nested(PlotCheckSchema))


class ConsentInputSchema(InputSchema):
    """A household's answer about its name in the EU files, and the day it gave it."""

    agreed = fields.Boolean(required=True)
    decided_on = fields.Date(required=True)


class ConsentSchema(Schema):
    """A household's recorded consent."""

    member_id = fields.Integer()
    agreed = fields.Boolean()
    decided_on = fields.Date()


class EvidenceQueryArgsSchema(InputSchema):
    """What to gather the evidence for: a date range of the caller's shipments."""

    shipped_from = fields.Date(required=True)
    shipped_to = fields.Date(required=True)

    @validates("shipped_to")
    def _not_before(self, value, **kwargs):
        """A range of at most a year keeps an export to a size one request can write."""
        if value.year < 2000:
            raise ValidationError(_l("Not a plausible date."))


class CheckImportArgsSchema(InputSchema):
    """The tool whose results a file holds, and the day it checked."""

    tool = fields.String(
        required=True,
        validate=Length(min=1, max=120, error=_l("Must be between {min} and {max} characters.")),
    )
    checked_on = fields.Date(required=True)


DDS_NUMBER = validate.Regexp(
    r"^[A-Za-z0-9][A-Za-z0-9\-/.]{0,39}$",
    error=_l("Letters, digits, - / . only, at most 40 characters."),
)


class StatementInputSchema(InputSchema):
    """A due-diligence statement's numbers and the lots it covers."""

    reference_number = fields.String(required=True, validate=DDS_NUMBER)
    verification_number = fields.String(required=True, validate=DDS_NUMBER)
    batch_ids = fields.List(fields.Integer(), required=True)


class StatementSchema(Schema):
    """A due-diligence statement as the API returns it."""

    id = fields.Integer()
    organization_id = fields.Integer()
    organization = fields.Function(lambda statement: statement.organization.name)
    reference_number = fields.String()
    verification_number = fields.String()
    event_id = fields.Integer(allow_none=True)
    recorded_at = fields.DateTime()
    batch_ids = fields.Function(lambda statement: [lot.id for lot in statement.lots])


class ImportErrorSchema(Schema):
    """One refused feature or row of an import (0: the file as a whole)."""

    feature = fields.Integer(metadata={"description": "Feature or row number, from 1"})
    field = fields.String()
    message = fields.String()


class ImportReportSchema(Schema):
    """What an import read and created (nothing unless ``ok``), and every problem found."""

    ok = fields.Boolean()
    total = fields.Integer()
    created = fields.Integer()
    errors = fields.List(fields.Nested(ImportErrorSchema))


class MissingEvidenceSchema(Schema):
    """A plot and what it lacks for the EUDR."""

    plot_id = fields.Integer()
    plot = fields.String()
    growing_area_id = fields.Integer()
    growing_area = fields.String()
    items = fields.List(fields.String())


class ProductionSinceSchema(Schema):
    """When the plots came into production, against the 31 December 2020 cut-off."""

    earliest = fields.String(allow_none=True, metadata={"format": "date"})
    latest = fields.String(allow_none=True, metadata={"format": "date"})
    dates = fields.List(fields.String(metadata={"format": "date"}))
    unknown = fields.Integer()
    after_cut_off = fields.Integer()


class EvidenceFileSchema(Schema):
    """One GeoJSON file of the evidence (split under the EU Information System's 25 MB)."""

    name = fields.String()
    bytes = fields.Integer()
    sha256 = fields.String()


class NamedAreaSchema(Schema):
    """A growing area, by id and name."""

    id = fields.Integer()
    name = fields.String()


class EvidenceSummarySchema(Schema):
    """What the evidence for a lot, a delivery or a date range holds and lacks."""

    subject = fields.String()
    generated_at = fields.String(metadata={"format": "date-time"})
    lots = fields.Integer()
    plots = fields.Integer()
    polygons = fields.Integer()
    points = fields.Integer()
    total_area_ha = fields.Float()
    households = fields.Integer()
    production_since = fields.Nested(ProductionSinceSchema)
    files = fields.List(fields.Nested(EvidenceFileSchema))
    missing = fields.List(fields.Nested(MissingEvidenceSchema))
    growing_areas_without_plots = fields.List(fields.Nested(NamedAreaSchema))
    complete = fields.Boolean()
