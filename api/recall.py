"""Recall API: open a recall, see whom it reaches, acknowledge, close."""

import io

from flask import after_this_request, send_file
from flask.views import MethodView
from flask_smorest import abort

from api.common import Blueprint, caller, commits, load_bearer_user, paginate
from recall import report
from recall.models import AckChannel
from recall.schemas import (
    AcknowledgeInputSchema,
    CloseInputSchema,
    RecallInputSchema,
    RecallQueryArgsSchema,
    RecallSchema,
    RecallSummarySchema,
)
from recall.services import recalls

blp = Blueprint("recall_api", __name__, description=__doc__.splitlines()[0])
blp.before_request(load_bearer_user)


@blp.route("/recalls")
class Recalls(MethodView):
    """Recalls the caller may see: the department all, others their own and those reaching them."""

    @blp.arguments(RecallQueryArgsSchema, location="query")
    @blp.response(200, RecallSummarySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List recalls"""
        user = caller()
        rows = paginate(recalls.recalls_query(user, **args), pagination_parameters)
        return [recalls.for_caller(user, recall) for recall in rows]

    @commits
    @blp.arguments(RecallInputSchema)
    @blp.response(201, RecallSchema)
    def post(self, values):
        """Open a recall on a lot (its cooperative, or the department)"""
        recall = recalls.open_recall(caller(), values)

        @after_this_request
        def _after_commit(response):
            # @commits has committed by now: refresh consumer pages, then send the notices.
            if response.status_code == 201:
                recalls.after_commit(recall)
            return response

        return recall


@blp.route("/recalls/<int:recall_id>")
class RecallById(MethodView):
    """One recall with its lots, recipients, notices and acknowledgements."""

    @blp.response(200, RecallSchema)
    def get(self, recall_id):
        """Get a recall"""
        user = caller()
        return recalls.for_caller(user, recalls.get_recall(user, recall_id))


@blp.route("/recalls/<int:recall_id>/acknowledge")
class RecallAcknowledge(MethodView):
    """A recipient's acknowledgement of the notice."""

    @commits
    @blp.arguments(AcknowledgeInputSchema)
    @blp.response(200, RecallSchema)
    def post(self, values, recall_id):
        """Acknowledge a recall notice for the caller's organization"""
        user = caller()
        recall = recalls.acknowledge(user, recall_id, AckChannel.API, values.get("name"))
        return recalls.for_caller(user, recall)


@blp.route("/recalls/<int:recall_id>/close")
class RecallClose(MethodView):
    """Closing a recall with its outcome."""

    @commits
    @blp.arguments(CloseInputSchema)
    @blp.response(200, RecallSchema)
    def post(self, values, recall_id):
        """Close a recall (its cooperative, or the department)"""
        return recalls.close_recall(caller(), recall_id, values)  # only managers close


@blp.route("/recalls/<int:recall_id>/report.<fmt>")
class RecallReport(MethodView):
    """The recall report file."""

    @blp.file_response(
        200,
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description="The report as PDF or XLSX",
    )
    def get(self, recall_id, fmt):
        """Get the recall report (report.pdf or report.xlsx)"""
        if fmt not in report.FORMATS:
            abort(404, message="report.pdf or report.xlsx")
        user = caller()
        recall = recalls.for_caller(user, recalls.get_recall(user, recall_id))
        content, mimetype, name = report.report_file(recall, fmt)
        return send_file(
            io.BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=name
        )
