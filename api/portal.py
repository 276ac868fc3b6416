"""Portal sync API: what is pending, sent and failing towards the national portal."""

from flask.views import MethodView
from marshmallow import Schema, fields

from api.common import Blueprint, caller, load_bearer_user, paginate
from portal.services import status

blp = Blueprint("portal_api", __name__, url_prefix="/portal", description=__doc__.splitlines()[0])
blp.before_request(load_bearer_user)


class OutboxCountSchema(Schema):
    """How many records of one kind, for one destination, are in each state."""

    destination = fields.String()
    kind = fields.String()
    pending = fields.Integer()
    retrying = fields.Integer()
    failing = fields.Integer()
    sent = fields.Integer()


class OutboxStatusSchema(Schema):
    """The outbox at a glance."""

    counts = fields.List(fields.Nested(OutboxCountSchema))


class OutboxProblemSchema(Schema):
    """A record that failed to send at least once and is not sent yet."""

    id = fields.Integer()
    destination = fields.String()
    kind = fields.String(attribute="kind.value")
    record_key = fields.String()
    status = fields.String(attribute="status.value")
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime()
    last_error = fields.String(allow_none=True)


class ProblemQueryArgsSchema(Schema):
    """Which failed sends to list."""

    destination = fields.String(metadata={"description": "epcis or national"})


@blp.route("/status")
class PortalStatus(MethodView):
    """Counts of the outbox by destination, kind and state (department)."""

    @blp.response(200, OutboxStatusSchema)
    def get(self):
        """What is pending, retrying, failing and sent"""
        return {"counts": status.counts(caller())}


@blp.route("/problems")
class PortalProblems(MethodView):
    """Records whose sending failed, failing ones first (department)."""

    @blp.arguments(ProblemQueryArgsSchema, location="query")
    @blp.response(200, OutboxProblemSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List failed sends with their last error"""
        return paginate(status.problems_query(caller(), **args), pagination_parameters)
