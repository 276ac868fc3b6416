"""Labels API: layouts, unit codes, single labels (PNG, SVG) and PDF sheets of a batch."""

import re

from flask import Response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

import labels
from api.common import Blueprint, caller, commits, load_bearer_user, paginate
from trace.services.uris import unit_uri

blp = Blueprint("labels_api", __name__, description="QR labels: unit codes, labels, PDF sheets")
blp.before_request(load_bearer_user)

LAYOUT_KEYS = list(labels.LAYOUTS)


class LayoutSchema(Schema):
    """A kind of label stock (mm)."""

    key = fields.String()
    title = fields.String()
    page_mm = fields.List(fields.Float())
    label_mm = fields.List(fields.Float())
    columns = fields.Integer()
    rows = fields.Integer()
    per_page = fields.Integer()
    margins_mm = fields.Dict(keys=fields.String(), values=fields.Float())
    pitch_mm = fields.Dict(keys=fields.String(), values=fields.Float())
    qr_box_mm = fields.Float()


class SingleLabelArgsSchema(Schema):
    """Which label: the batch's, or one unit's; on which stock size."""

    layout = fields.String(load_default=labels.DEFAULT_SINGLE, validate=validate.OneOf(LAYOUT_KEYS))
    unit_id = fields.Integer(load_default=None)


class PngArgsSchema(SingleLabelArgsSchema):
    """A single PNG label and its resolution."""

    dpi = fields.Integer(load_default=300, validate=validate.Range(*labels.DPI_RANGE))


class SheetArgsSchema(Schema):
    """A PDF of labels: the layout, and either copies of the batch label or every unit's."""

    layout = fields.String(required=True, validate=validate.OneOf(LAYOUT_KEYS))
    units = fields.String(load_default=None, validate=validate.OneOf(["all"]))
    copies = fields.Integer(
        load_default=None, validate=validate.Range(min=1, max=labels.MAX_COPIES)
    )


class UnitMintSchema(Schema):
    """How many unit codes to make."""

    count = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=labels.MAX_UNITS)
    )


class MintedSchema(Schema):
    """What a mint made: how many unit codes, and their serial range."""

    batch_id = fields.Integer()
    count = fields.Integer()
    first_serial = fields.String()
    last_serial = fields.String()


class UnitSchema(Schema):
    """A per-item code and the URI its QR holds."""

    id = fields.Integer()
    serial = fields.String()
    public_code = fields.String()
    uri = fields.Function(lambda unit: unit_uri(unit, unit.batch))


@blp.route("/labels/layouts")
class Layouts(MethodView):
    """The label stock a sheet can be printed on."""

    @blp.response(200, LayoutSchema(many=True))
    def get(self):
        """List label layouts"""
        caller()
        return [layout.as_dict() for layout in labels.LAYOUTS.values()]


@blp.route("/batches/<int:batch_id>/units")
class BatchUnits(MethodView):
    """Per-item unit codes of a batch (serial, AI 21)."""

    @blp.response(200, UnitSchema(many=True))
    @blp.paginate()
    def get(self, batch_id, pagination_parameters):
        """List a batch's unit codes"""
        return paginate(labels.units_query(caller(), batch_id), pagination_parameters)

    @commits
    @blp.arguments(UnitMintSchema)
    @blp.response(201, MintedSchema)
    def post(self, values, batch_id):
        """Make unit codes for a complete batch (1 to 10,000 at a time)"""
        units = labels.mint_units(caller(), batch_id, values["count"])
        return {
            "batch_id": batch_id,
            "count": len(units),
            "first_serial": units[0].serial,
            "last_serial": units[-1].serial,
        }


@blp.route("/batches/<int:batch_id>/label.png")
class LabelPng(MethodView):
    """One label as a PNG image."""

    @commits
    @blp.arguments(PngArgsSchema, location="query")
    @blp.response(200, description="The label as PNG", content_type="image/png")
    def get(self, args, batch_id):
        """Download a single label (PNG)"""
        data = labels.label_png(caller(), batch_id, **args)
        return _download(data, "image/png", _name(batch_id, args, "png"))


@blp.route("/batches/<int:batch_id>/label.svg")
class LabelSvg(MethodView):
    """One label as SVG (text stays text)."""

    @commits
    @blp.arguments(SingleLabelArgsSchema, location="query")
    @blp.response(200, description="The label as SVG", content_type="image/svg+xml")
    def get(self, args, batch_id):
        """Download a single label (SVG)"""
        data = labels.label_svg(caller(), batch_id, **args)
        return _download(data, "image/svg+xml", _name(batch_id, args, "svg"))


@blp.route("/batches/<int:batch_id>/labels.pdf")
class LabelSheet(MethodView):
    """Print-ready labels on A4 sheets or thermal rolls."""

    @commits
    @blp.arguments(SheetArgsSchema, location="query")
    @blp.response(200, description="The labels as PDF", content_type="application/pdf")
    def get(self, args, batch_id):
        """Download labels as PDF (the batch's code, or units=all for one label per unit)"""
        data = labels.labels_pdf(caller(), batch_id, **args)
        return _download(data, "application/pdf", _name(batch_id, args, "pdf"))


def _name(batch_id: int, args: dict, extension: str) -> str:
    unit = f"-u{args['unit_id']}" if args.get("unit_id") else ""
    units = "-units" if args.get("units") else ""
    layout = re.sub(r"[^a-z0-9-]", "", args["layout"])
    return f"nhan-lo-{batch_id}{unit}{units}-{layout}.{extension}"


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    return Response(
        data,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
