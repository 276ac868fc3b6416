"""Season imports API: a spreadsheet of lots with their harvest, inputs applied or shipments,
imported all or nothing (at once, or by the worker when long), its outcome, the refused file
given back with its messages, and the templates."""

from io import BytesIO

from flask import request, send_file
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import Schema, fields

from api.common import Blueprint, caller, load_bearer_user
from core.extensions import db
from trace.services import season_files, season_jobs

blp = Blueprint(
    "season_api", __name__, url_prefix="/trace", description="Season imports from spreadsheets"
)
blp.before_request(load_bearer_user)

CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            }
        }
    },
}


class RowErrorSchema(Schema):
    """One problem: the row as the spreadsheet numbers it (1 the header, 0 the whole file)."""

    row = fields.Integer()
    column = fields.String()
    message = fields.String()


class SeasonImportSchema(Schema):
    """An import and its outcome."""

    id = fields.Integer()
    kind = fields.String(metadata={"description": "lots, inputs or shipments"})
    filename = fields.String()
    status = fields.String(metadata={"description": "queued, running, done or refused"})
    progress = fields.Method("_progress", metadata={"description": "Percent, 0 to 100"})
    total_rows = fields.Integer()
    created = fields.Integer(metadata={"description": "Records stored"})
    unchanged = fields.Integer(
        metadata={"description": "Records already there (a file sent again)"}
    )
    errors = fields.List(fields.Nested(RowErrorSchema))
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)

    def _progress(self, job) -> int:
        return season_jobs.progress(job)


@blp.route("/imports/<string:kind>")
class SeasonImports(MethodView):
    """Import a season's spreadsheet (CSV or XLSX, the first sheet)."""

    @blp.doc(requestBody=UPLOAD_BODY)
    @blp.response(201, SeasonImportSchema, description="Every record stored (or already there)")
    @blp.alt_response(202, schema=SeasonImportSchema, description="Queued for the worker")
    @blp.alt_response(422, schema=SeasonImportSchema, description="Refused whole; nothing stored")
    def post(self, kind):
        """Import lots with their harvest, inputs applied or shipments: every row, or none

        ``kind``: lots, inputs or shipments. The file (CSV or XLSX) in a multipart field
        named file."""
        user = caller()
        season_jobs.require_importer(user, kind)
        upload = request.files.get("file")
        if upload is None:
            abort(
                422,
                message=_("Send the spreadsheet in a multipart field named file."),
                errors={"file": [_("Missing file.")]},
            )
        job = season_jobs.start_import(user, kind, upload.filename or "", upload.read())
        db.session.commit()  # the import's record in every case; its rows only when all good
        season_jobs.queue(job)
        status = {season_jobs.DONE: 201, season_jobs.REFUSED: 422}.get(job.status, 202)
        return job, status


@blp.route("/imports/<int:job_id>")
class SeasonImportById(MethodView):
    """One import."""

    @blp.response(200, SeasonImportSchema)
    def get(self, job_id):
        """An import's status, progress and errors"""
        return season_jobs.get_import(caller(), job_id)


@blp.route("/imports/<int:job_id>/errors")
class SeasonImportErrors(MethodView):
    """A refused file with its messages."""

    @blp.file_response(200, CSV, XLSX, description="The file as sent, with a column of messages")
    def get(self, job_id):
        """Download a refused file with a column of messages beside each row"""
        job = season_jobs.get_import(caller(), job_id)
        if job.status != season_jobs.REFUSED or not job.data:
            abort(404, message=_("This import was not refused."))
        return _download(*season_files.annotated_file(job))


@blp.route("/imports/templates/<string:kind>.<string:fmt>")
class SeasonTemplates(MethodView):
    """The templates to fill in."""

    @blp.file_response(200, CSV, XLSX, description="The template, with the caller's lists")
    def get(self, kind, fmt):
        """Download a template (kind: lots, inputs or shipments; fmt: csv or xlsx)"""
        user = caller()
        season_jobs.require_importer(user, kind)
        if fmt not in ("csv", "xlsx"):
            abort(404, message=_("Not found."))
        return _download(*season_files.template_file(user, kind, fmt))


def _download(content: bytes, mimetype: str, filename: str):
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )
