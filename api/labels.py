"""Labels API: layouts, unit codes, single labels (PNG, SVG), PDF sheets, and print jobs.

Downloading a label or a sheet changes nothing; ``POST /batches/{id}/label-prints`` records
a print job, and the lot's first one issues its label (the checklist's "QR label issued").
"""

import re
from datetime import UTC

from flask import Response, url_for
from flask.views import MethodView
from marshmallow import Schema, fields, validate

import labels
from api.common import Blueprint, caller, commits, load_bearer_user, paginate
from core.validation import InputSchema
from labels import prints
from labels.models import PrintKind
from trace.services.uris import unit_uri

blp = Blueprint("labels_api", __name__, description="QR labels: unit codes, labels, PDF sheets")
blp.before_request(load_bearer_user)

LAYOUT_KEYS = list(labels.LAYOUTS)


def _pdf_url(job) -> str:
    return url_for(
        "labels_api.LabelPrintPdf", batch_id=job.batch_id, print_id=job.id, _external=True
    )


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


class LabelPrintArgsSchema(InputSchema):
    """A print job: the layout, and either copies of the batch label or every unit's."""

    layout = fields.String(required=True, validate=validate.OneOf(LAYOUT_KEYS))
    units = fields.String(
        load_default=None,
        validate=validate.OneOf(["all"]),
        metadata={"description": '"all": one label per unit code of the batch'},
    )
    copies = fields.Integer(
        load_default=None,
        strict=True,
        validate=validate.Range(min=1, max=labels.MAX_COPIES),
        metadata={"description": "Batch labels to print (default: one sheet)"},
    )


class PrinterSchema(Schema):
    """Who printed."""

    id = fields.Integer()
    full_name = fields.String()


class LabelPrintSchema(Schema):
    """A print job: who printed which labels of the lot, when, on which stock."""

    id = fields.Integer()
    batch_id = fields.Integer()
    printed_at = fields.AwareDateTime(default_timezone=UTC)
    printed_by = fields.Nested(PrinterSchema, allow_none=True)
    layout = fields.String()
    kind = fields.Enum(PrintKind, by_value=True)
    labels = fields.Integer(metadata={"description": "Labels in the PDF"})
    first_unit_id = fields.Integer(allow_none=True)
    last_unit_id = fields.Integer(allow_none=True)
    issued_label = fields.Boolean(metadata={"description": "This job issued the lot's label"})
    pdf_url = fields.Function(_pdf_url, metadata={"description": "The job's PDF (GET)"})


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

    @blp.arguments(PngArgsSchema, location="query")
    @blp.file_response(200, "image/png", description="The label as PNG")
    def get(self, args, batch_id):
        """Download a single label (PNG; issues nothing)"""
        data = labels.label_png(caller(), batch_id, **args)
        return _download(data, "image/png", _name(batch_id, args, "png"))


@blp.route("/batches/<int:batch_id>/label.svg")
class LabelSvg(MethodView):
    """One label as SVG (text stays text)."""

    @blp.arguments(SingleLabelArgsSchema, location="query")
    @blp.file_response(200, "image/svg+xml", description="The label as SVG")
    def get(self, args, batch_id):
        """Download a single label (SVG; issues nothing)"""
        data = labels.label_svg(caller(), batch_id, **args)
        return _download(data, "image/svg+xml", _name(batch_id, args, "svg"))


@blp.route("/batches/<int:batch_id>/labels.pdf")
class LabelSheet(MethodView):
    """Print-ready labels on A4 sheets or thermal rolls."""

    @blp.arguments(SheetArgsSchema, location="query")
    @blp.file_response(200, "application/pdf", description="The labels as PDF")
    def get(self, args, batch_id):
        """Download labels as PDF (the batch's code, or units=all); a preview: issues nothing"""
        data = labels.labels_pdf(caller(), batch_id, **args)
        return _download(data, "application/pdf", _name(batch_id, args, "pdf"))


@blp.route("/batches/<int:batch_id>/label-prints")
class LabelPrints(MethodView):
    """Print jobs of a lot: printing is recorded, and the first print issues the label."""

    @blp.response(200, LabelPrintSchema(many=True))
    @blp.paginate()
    def get(self, batch_id, pagination_parameters):
        """List a lot's print jobs, newest first"""
        return paginate(prints.prints_query(caller(), batch_id), pagination_parameters)

    @commits
    @blp.arguments(LabelPrintArgsSchema)
    @blp.response(201, LabelPrintSchema)
    def post(self, values, batch_id):
        """Print labels: record a print job (the lot's first issues its label)"""
        job, _sheet = prints.print_labels(caller(), batch_id, **values)
        return job, 201, {"Location": _pdf_url(job)}


@blp.route("/batches/<int:batch_id>/label-prints/<int:print_id>")
class LabelPrint(MethodView):
    """One print job."""

    @blp.response(200, LabelPrintSchema)
    def get(self, batch_id, print_id):
        """Show a print job"""
        return prints.get_print(caller(), batch_id, print_id)


@blp.route("/batches/<int:batch_id>/label-prints/<int:print_id>/labels.pdf")
class LabelPrintPdf(MethodView):
    """The PDF of a print job, with the labels it printed."""

    @blp.file_response(200, "application/pdf", description="The print job's labels as PDF")
    def get(self, batch_id, print_id):
        """Download a print job's PDF (again; records nothing)"""
        data = prints.print_pdf(caller(), batch_id, print_id)
        return _download(data, "application/pdf", f"nhan-lo-{batch_id}-in-{print_id}.pdf")


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
