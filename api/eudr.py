"""EUDR API: plots of growing areas, their checks and documents, households' consent to their
names, and the evidence for a lot, a delivery or a date range of shipments."""

import io
import json
from decimal import Decimal

from flask import request, send_file
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort

from api.common import Blueprint, caller, commits, load_bearer_user, paginate
from eudr.schemas import (
    CheckImportArgsSchema,
    ConsentInputSchema,
    ConsentSchema,
    EvidenceQueryArgsSchema,
    EvidenceSummarySchema,
    ImportReportSchema,
    PlotCheckInputSchema,
    PlotCheckSchema,
    PlotInputSchema,
    PlotSchema,
    StatementInputSchema,
    StatementSchema,
)
from eudr.services import checks, evidence, package, plots, statements, transfer
from files import store
from files.views import send_stored

# RFC 7946's outline, as far as the OpenAPI document needs it (tests/eudr check the rest).
FEATURE_COLLECTION = {
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}

blp = Blueprint("eudr_api", __name__, url_prefix="/eudr", description=__doc__.splitlines()[0])
blp.before_request(load_bearer_user)


def _typed_geometry(values: dict) -> dict:
    """The body's geometry read again with its numbers as Decimal: the API's JSON reader makes
    floats, which drop the trailing zeros the six-decimals rule counts."""
    try:
        body = json.loads(request.get_data(), parse_float=Decimal)
    except ValueError:
        return values
    if isinstance(body, dict) and isinstance(body.get("geometry"), dict):
        values["geometry"] = body["geometry"]
    return values


@blp.route("/sites/<int:site_id>/plots")
class SitePlots(MethodView):
    """The plots of a growing area."""

    @blp.response(200, PlotSchema(many=True))
    @blp.paginate()
    def get(self, site_id, pagination_parameters):
        """List a growing area's plots"""
        return paginate(plots.plots_query(caller(), site_id), pagination_parameters)

    @commits
    @blp.arguments(PlotInputSchema)
    @blp.response(201, PlotSchema)
    def post(self, values, site_id):
        """Add a plot to a growing area"""
        return plots.create_plot(caller(), site_id, _typed_geometry(values))


@blp.route("/plots")
class Plots(MethodView):
    """Every plot the caller may see."""

    @blp.response(200, PlotSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List plots"""
        return paginate(plots.plots_query(caller()), pagination_parameters)


@blp.route("/plots/<int:plot_id>")
class PlotById(MethodView):
    """One plot."""

    @blp.response(200, PlotSchema)
    def get(self, plot_id):
        """Get a plot"""
        return plots.get_plot(caller(), plot_id)

    @commits
    @blp.arguments(PlotInputSchema)
    @blp.response(200, PlotSchema)
    def put(self, values, plot_id):
        """Replace a plot's geometry and details"""
        return plots.update_plot(caller(), plot_id, _typed_geometry(values))

    @commits
    @blp.response(204)
    def delete(self, plot_id):
        """Delete a plot"""
        plots.delete_plot(caller(), plot_id)


@blp.route("/plots/<int:plot_id>/document")
class PlotDocument(MethodView):
    """A plot's land-use right document (PDF, JPEG or PNG up to 5 MB)."""

    @blp.file_response(
        200, "application/pdf", "image/jpeg", "image/png", description="The document as stored"
    )
    def get(self, plot_id):
        """Download a plot's land-use right document"""
        plot = plots.get_plot(caller(), plot_id)
        found = plots.land_document(plot)
        if isinstance(found, str) and store.info(found) is not None:
            return send_stored(found, private=True, download_name=plot.land_document_name)
        if found is None or isinstance(found, str) or not found.exists():
            abort(404, message=_("This plot has no land-use right document."))
        return send_file(found, download_name=plot.land_document_name, as_attachment=True)

    @commits
    @blp.response(200, PlotSchema)
    def put(self, plot_id):
        """Upload a plot's land-use right document (multipart field "document")"""
        upload = request.files.get("document")
        if upload is None:
            abort(
                422,
                message=_("Send the document in a multipart field named document."),
                errors={"document": [_("Missing file.")]},
            )
        data = upload.read(plots.MAX_DOCUMENT_BYTES + 1)
        return plots.save_land_document(caller(), plot_id, upload.filename, data)


@blp.route("/plots/<int:plot_id>/checks")
class PlotChecks(MethodView):
    """Checks made on a plot (deforestation checks by a named tool)."""

    @commits
    @blp.arguments(PlotCheckInputSchema)
    @blp.response(201, PlotCheckSchema)
    def post(self, values, plot_id):
        """Record a check on a plot"""
        return plots.record_check(caller(), plot_id, values)


@blp.route("/households/<int:member_id>/consent")
class HouseholdConsent(MethodView):
    """Whether a member household agrees to its name in the EU files (ProducerName)."""

    @commits
    @blp.arguments(ConsentInputSchema)
    @blp.response(200, ConsentSchema)
    def put(self, values, member_id):
        """Record a household's consent or refusal, with its date"""
        return plots.set_consent(caller(), member_id, values["agreed"], values["decided_on"])


def _format_of(filename: str | None) -> str:
    """The import format: ``?format=``, else the file name's extension."""
    wanted = request.args.get("format")
    if wanted is None and filename:
        extension = filename.rsplit(".", 1)[-1].lower()
        wanted = {"json": "geojson", "geojson": "geojson", "kml": "kml", "zip": "shp"}.get(
            extension
        )
    if wanted not in transfer.FORMATS:
        abort(
            422,
            message=_("Use GeoJSON, KML or a zipped shapefile."),
            errors={"format": [_("One of: %(formats)s.", formats=", ".join(transfer.FORMATS))]},
        )
    return wanted


def _missing_file():
    message = _("Send the file in a multipart field named file.")
    report = transfer.PlotImportReport(errors=[transfer.FeatureError(0, "file", message)])
    return _report(report), 422


def _report(report: transfer.PlotImportReport) -> dict:
    return {
        "ok": report.ok,
        "total": report.total,
        "created": report.created,
        "errors": [vars(error) for error in report.errors],
    }


@blp.route("/sites/<int:site_id>/plots/import")
class PlotImport(MethodView):
    """Plots from a GeoJSON, KML or zipped shapefile file, all or none."""

    @commits
    @blp.response(201, ImportReportSchema, description="The report: features read, plots created")
    @blp.alt_response(
        422, schema=ImportReportSchema, description="The report: every bad feature; nothing created"
    )
    def post(self, site_id):
        """Import plots into the cooperative's growing areas (multipart field "file")"""
        upload = request.files.get("file")
        if upload is None:
            return _missing_file()
        user = caller()
        plots.own_growing_area(user, site_id)  # 404 for another's area before the file's form
        report = transfer.import_plots(user, site_id, _format_of(upload.filename), upload.read())
        return _report(report), 201 if report.ok else 422


@blp.route("/checks/import")
class CheckImport(MethodView):
    """Deforestation check results from a checking tool (CSV keyed by plot id), all or none."""

    @commits
    @blp.arguments(CheckImportArgsSchema, location="query")
    @blp.response(201, ImportReportSchema, description="The report: rows read, checks recorded")
    @blp.alt_response(
        422, schema=ImportReportSchema, description="The report: every bad row; nothing recorded"
    )
    def post(self, args):
        """Import a checking tool's results (multipart field "file"; ?tool=&checked_on=)"""
        upload = request.files.get("file")
        if upload is None:
            return _missing_file()
        report = checks.import_checks(caller(), args["tool"], args["checked_on"], upload.read())
        return _report(report), 201 if report.ok else 422


@blp.route("/plots/export")
class PlotExport(MethodView):
    """The caller's plots as GeoJSON (for checking tools too), KML or a zipped shapefile."""

    @blp.file_response(
        200,
        "application/geo+json",
        "application/vnd.google-earth.kml+xml",
        "application/zip",
        description="The plots as GeoJSON, KML or a zipped shapefile",
        json_schema=FEATURE_COLLECTION,
    )
    def get(self):
        """Export plots (?format=geojson|kml|shp, optional ?site_id=)"""
        fmt = _format_of(None)
        site_id = request.args.get("site_id", type=int)
        data, mimetype, name = transfer.export_plots(caller(), fmt, site_id)
        return send_file(
            io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name
        )


def _zip_response(found: evidence.Evidence, stem: str):
    data = package.evidence_zip(found)
    return send_file(
        io.BytesIO(data),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"eudr-{stem}.zip",
    )


@blp.route("/lots/<int:batch_id>/evidence")
class LotEvidence(MethodView):
    """The evidence for a lot: what it holds and lacks."""

    @blp.response(200, EvidenceSummarySchema)
    def get(self, batch_id):
        """Summarise the EUDR evidence for a lot"""
        return evidence.summary(evidence.for_lot(caller(), batch_id))


@blp.route("/lots/<int:batch_id>/evidence.zip")
class LotEvidenceZip(MethodView):
    """The evidence for a lot, whole."""

    @blp.file_response(
        200, "application/zip", description="ZIP: plots GeoJSON file(s), summary.json, cover.pdf"
    )
    def get(self, batch_id):
        """Download the EUDR evidence for a lot"""
        return _zip_response(evidence.for_lot(caller(), batch_id), f"lot-{batch_id}")


@blp.route("/lots/<int:batch_id>/evidence.geojson")
class LotEvidenceGeoJson(MethodView):
    """One GeoJSON file of a lot's evidence (``part``, from 1, when it is split)."""

    @blp.file_response(
        200,
        "application/geo+json",
        description="A GeoJSON FeatureCollection in the EU Information System's format",
        json_schema=FEATURE_COLLECTION,
    )
    def get(self, batch_id):
        """Download a lot's plots as GeoJSON"""
        found = evidence.for_lot(caller(), batch_id)
        part = request.args.get("part", "1")
        if not part.isdigit() or not 1 <= int(part) <= len(found.files):
            abort(
                422,
                message=_("No such part."),
                errors={"part": [_("From 1 to %(n)s.", n=len(found.files))]},
            )
        name = evidence.file_name(int(part), len(found.files))
        return send_file(
            io.BytesIO(found.files[int(part) - 1].encode()),
            mimetype="application/geo+json",
            as_attachment=True,
            download_name=name,
        )


@blp.route("/deliveries/<int:delivery_id>/evidence")
class DeliveryEvidence(MethodView):
    """The evidence for a contract delivery's lots."""

    @blp.response(200, EvidenceSummarySchema)
    def get(self, delivery_id):
        """Summarise the EUDR evidence for a delivery"""
        return evidence.summary(evidence.for_delivery(caller(), delivery_id))


@blp.route("/deliveries/<int:delivery_id>/evidence.zip")
class DeliveryEvidenceZip(MethodView):
    """The evidence for a contract delivery, whole."""

    @blp.file_response(
        200, "application/zip", description="ZIP: plots GeoJSON file(s), summary.json, cover.pdf"
    )
    def get(self, delivery_id):
        """Download the EUDR evidence for a delivery"""
        found = evidence.for_delivery(caller(), delivery_id)
        return _zip_response(found, f"delivery-{delivery_id}")


@blp.route("/shipments/evidence")
class RangeEvidence(MethodView):
    """The evidence for the lots the caller's organization shipped or received in a range."""

    @blp.arguments(EvidenceQueryArgsSchema, location="query")
    @blp.response(200, EvidenceSummarySchema)
    def get(self, args):
        """Summarise the EUDR evidence for a date range of shipments"""
        return evidence.summary(
            evidence.for_range(caller(), args["shipped_from"], args["shipped_to"])
        )


@blp.route("/shipments/evidence.zip")
class RangeEvidenceZip(MethodView):
    """The evidence for a date range of shipments, whole."""

    @blp.arguments(EvidenceQueryArgsSchema, location="query")
    @blp.file_response(
        200, "application/zip", description="ZIP: plots GeoJSON file(s), summary.json, cover.pdf"
    )
    def get(self, args):
        """Download the EUDR evidence for a date range of shipments"""
        start, end = args["shipped_from"], args["shipped_to"]
        found = evidence.for_range(caller(), start, end)
        return _zip_response(found, f"{start.isoformat()}-{end.isoformat()}")


@blp.route("/statements")
class Statements(MethodView):
    """Due-diligence statements (EU Information System reference and verification numbers)."""

    @commits
    @blp.arguments(StatementInputSchema)
    @blp.response(201, StatementSchema)
    def post(self, values):
        """Record a due-diligence statement against the lots it covers"""
        return statements.record_statement(caller(), values)


@blp.route("/lots/<int:batch_id>/statements")
class LotStatements(MethodView):
    """The statements on a lot and on the lots it was made from."""

    @blp.response(200, StatementSchema(many=True))
    def get(self, batch_id):
        """List the due-diligence statements of a lot"""
        return statements.statements_for_lot(caller(), batch_id)
