"""EPCIS 2.0 API: export events as an EPCISDocument, capture one, and the trace report file."""

import io
from dataclasses import asdict

from flask import current_app, jsonify, request, send_file
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import Schema, fields, post_dump, validate

from api.common import Blueprint, caller, commits, load_bearer_user
from core.errors import error_body
from core.security import own_body_limit
from epcis import capture as epcis_capture
from epcis import export as epcis_export
from trace.services import report as trace_report

blp = Blueprint("epcis_api", __name__, description="EPCIS 2.0 export and capture; the trace report")
blp.before_request(load_bearer_user)

LD_JSON = "application/ld+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCUMENT_BODY = {
    "required": True,
    "description": "An EPCIS 2.0 EPCISDocument in JSON-LD (GS1's JSON schema)",
    "content": {
        LD_JSON: {"schema": {"type": "object"}},
        "application/json": {"schema": {"type": "object"}},
    },
}


class ExportArgsSchema(Schema):
    """Which events to export."""

    batch_id = fields.Integer(metadata={"description": "Events about this lot"})
    organization_id = fields.Integer(metadata={"description": "Events recorded by this one"})
    since = fields.AwareDateTime(data_key="from", metadata={"description": "Event time ≥"})
    until = fields.AwareDateTime(data_key="to", metadata={"description": "Event time <"})


class EpcisBodySchema(Schema):
    """The body of an EPCISDocument: its events."""

    event_list = fields.List(
        fields.Dict(),
        data_key="eventList",
        required=True,
        metadata={"description": "EPCIS 2.0 events, each with its eventID (CBV 2.0 hash)"},
    )


class MasterDataSchema(Schema):
    """CBV master data: names for the places and parties the events name."""

    vocabulary_list = fields.List(
        fields.Dict(),
        data_key="vocabularyList",
        metadata={"description": "BusinessLocation and Party vocabularies, with their elements"},
    )


class EpcisHeaderSchema(Schema):
    """The header of an EPCISDocument: its master data."""

    epcis_master_data = fields.Nested(MasterDataSchema, data_key="epcisMasterData")


class EpcisDocumentSchema(Schema):
    """An EPCIS 2.0 EPCISDocument in JSON-LD, as GS1's JSON schema describes it."""

    context = fields.List(
        fields.Raw(),
        data_key="@context",
        required=True,
        metadata={"description": "GS1's EPCIS context, then the prefixes the events use"},
    )
    type = fields.String(required=True, validate=validate.OneOf(["EPCISDocument"]))
    schema_version = fields.String(
        data_key="schemaVersion", required=True, validate=validate.OneOf(["2.0"])
    )
    creation_date = fields.String(
        data_key="creationDate", required=True, metadata={"format": "date-time"}
    )
    epcis_header = fields.Nested(
        EpcisHeaderSchema,
        data_key="epcisHeader",
        metadata={"description": "Master data, when the events name places or parties"},
    )
    epcis_body = fields.Nested(EpcisBodySchema, data_key="epcisBody", required=True)


# The export answers in the media type asked for (Accept): JSON-LD, else plain JSON.
EXPORT_RESPONSE = {
    "description": "An EPCIS 2.0 EPCISDocument",
    "content": {
        LD_JSON: {"schema": EpcisDocumentSchema},
        "application/json": {"schema": EpcisDocumentSchema},
    },
}


class CaptureErrorSchema(Schema):
    """One refused event: its index in eventList (-1: the document), eventID, field, why."""

    index = fields.Integer()
    event_id = fields.String(allow_none=True)
    field = fields.String()
    message = fields.String()


class CaptureReportSchema(Schema):
    """What a capture stored; lots it created and warnings only when there are some."""

    stored = fields.Integer()
    duplicates = fields.Integer()
    lots_created = fields.Integer(
        metadata={"description": "Lots the events made (transformation outputs, ADD with ilmd)"}
    )
    warnings = fields.List(
        fields.Nested(CaptureErrorSchema),
        metadata={"description": "Stored, but worth a look: a ni: eventID that is not the hash"},
    )

    @post_dump
    def _without_empty_extras(self, data, **_kwargs):
        for name in ("lots_created", "warnings"):
            if not data.get(name):
                data.pop(name, None)
        return data


class CaptureRefusalSchema(Schema):
    """The one error shape, plus every problem of every event."""

    code = fields.String()
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    duplicates = fields.Integer()
    events = fields.List(fields.Nested(CaptureErrorSchema))


class ReportArgsSchema(Schema):
    """Which events the trace report covers, its format and order."""

    batch_id = fields.Integer(metadata={"description": "Events about this lot"})
    since = fields.AwareDateTime(data_key="from", metadata={"description": "Event time ≥"})
    until = fields.AwareDateTime(data_key="to", metadata={"description": "Event time <"})
    fmt = fields.String(
        data_key="format", load_default="csv", validate=validate.OneOf(["csv", "xlsx"])
    )
    sort = fields.String(
        load_default="event_time", validate=validate.OneOf(list(trace_report.SORTS))
    )


@blp.route("/epcis/events")
class EpcisEvents(MethodView):
    """The events the caller may see, as EPCIS 2.0."""

    @blp.arguments(ExportArgsSchema, location="query")
    @blp.response(200, EpcisDocumentSchema, content_type=LD_JSON)
    @blp.doc(responses={"200": EXPORT_RESPONSE})
    def get(self, args):
        """Export events as an EPCIS 2.0 EPCISDocument"""
        document = epcis_export.export_document(caller(), **args)
        wanted = request.accept_mimetypes.best_match([LD_JSON, "application/json"]) or LD_JSON
        return current_app.response_class(epcis_export.as_json(document), mimetype=wanted)


@blp.route("/epcis/capture")
class EpcisCapture(MethodView):
    """Capture of EPCIS 2.0 documents from other systems (all or nothing)."""

    @own_body_limit("EPCIS_CAPTURE_MAX_BYTES")
    @commits
    @blp.doc(requestBody=DOCUMENT_BODY)
    @blp.response(201, CaptureReportSchema, description="Events stored")
    @blp.alt_response(200, schema=CaptureReportSchema, description="All already stored")
    @blp.alt_response(422, schema=CaptureRefusalSchema, description="Refused whole")
    @blp.alt_response(413, description="Larger than 20 MB")
    @blp.alt_response(503, description="EPCIS_SCHEMA_PATH names a file that cannot be read")
    def post(self):
        """Capture an EPCIS 2.0 document: every event stored, or none"""
        user = caller()
        if not request.is_json:
            abort(415, message=_("Send the EPCIS document as application/ld+json or JSON."))
        document = request.get_json(silent=True)
        if not isinstance(document, dict):
            abort(400, message=_("The body is not a JSON object."))
        report = epcis_capture.capture_document(user, document)
        if not report.ok:
            return _refusal(report)
        return report, 201 if report.stored else 200


def _refusal(report):
    errors: dict[str, list[str]] = {}
    for error in report.errors:
        errors.setdefault(error.field, []).append(error.message)
    refused = len({error.index for error in report.errors})
    message = _(
        "The document was refused and nothing was stored: %(count)s problems in %(events)s events.",
        count=len(report.errors),
        events=refused,
    )
    body = error_body(422, "validation_failed", message, errors)
    body["duplicates"] = report.duplicates
    body["events"] = [asdict(error) for error in report.errors]
    return jsonify(body), 422


@blp.route("/trace-report")
class TraceReport(MethodView):
    """The sortable trace spreadsheet (FSMA 204 style), one row per event line."""

    @blp.arguments(ReportArgsSchema, location="query")
    @blp.file_response(200, "text/csv", XLSX, description="A CSV or XLSX file")
    def get(self, args):
        """Download the trace report for a lot or a time range"""
        rows = trace_report.trace_report_rows(
            caller(), args.get("batch_id"), args.get("since"), args.get("until")
        )
        data, mimetype, filename = trace_report.trace_report_file(rows, args["fmt"], args["sort"])
        return send_file(
            io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
        )
