"""Field app API: the reference data a phone caches, and the batch submit of its queue.

A phone's app is signed in with the web session (its cookie, and the CSRF token the
reference data hands it, in ``X-CSRFToken``); any other client sends a bearer token.
"""

from flask import g, request
from flask.views import MethodView
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import abort
from flask_wtf.csrf import generate_csrf, validate_csrf
from wtforms import ValidationError

from api.common import Blueprint, caller, commits, load_bearer_user
from field.schemas import FieldBatchSchema, FieldReferenceSchema, FieldResultsSchema
from field.services import records, reference

blp = Blueprint("field_api", __name__, url_prefix="/field", description="Offline field app")


@blp.before_request
def load_field_caller() -> None:
    """A bearer token if one is sent; else the signed-in web session, whose writes carry
    the session's CSRF token (cookies are sent by any page, so the token proves the app)."""
    if request.headers.get("Authorization") or not current_user.is_authenticated:
        load_bearer_user()
        return
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except ValidationError:
            abort(
                403,
                message=_("The page's security token is missing or expired; refresh it."),
                errors={"X-CSRFToken": [_("Refresh the reference data and send again.")]},
            )
    g.api_user = current_user._get_current_object()
    g.field_session = True


@blp.route("/reference")
class FieldReference(MethodView):
    """Products, growing areas, households and open lots, for forms that work offline."""

    @blp.response(200, FieldReferenceSchema)
    def get(self):
        """Reference data for the field app"""
        data = reference.reference(caller())
        data["csrf_token"] = generate_csrf() if g.get("field_session") else None
        return data, 200, {"Cache-Control": "private, no-store"}


@blp.route("/records")
class FieldRecords(MethodView):
    """The phone's queue, sent in batches."""

    @commits
    @blp.arguments(FieldBatchSchema)
    @blp.response(200, FieldResultsSchema)
    def post(self, batch):
        """Submit records made in the field (each judged alone; a key is stored once)

        Each record carries an idempotency key made on the phone. A record whose key was
        already stored answers what was stored (``replayed``); a refused record stores
        nothing and may be corrected and sent again under the same key. One refusal never
        blocks the other records of the batch.
        """
        return {"results": records.submit(caller(), batch["records"])}
