"""API tokens: issue one with e-mail and password, list and revoke one's own."""

from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort

from api.common import Blueprint, caller, commits, load_bearer_user, public
from registry.schemas import TokenRequestSchema, TokenSchema
from registry.services import accounts, login_limit

blp = Blueprint("auth_api", __name__, url_prefix="/auth", description="API tokens")
blp.before_request(load_bearer_user)


@blp.route("/tokens")
class Tokens(MethodView):
    """The caller's API tokens."""

    @blp.response(200, TokenSchema(many=True))
    def get(self):
        """List my API tokens"""
        return accounts.tokens_of(caller())

    @public
    @commits
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    @blp.alt_response(401, description="Wrong e-mail or password")
    @blp.alt_response(
        429,
        description="Too many attempts: the account is locked for a while, or this address"
        " sent too many requests",
        headers={
            "Retry-After": {
                "description": "A locked account: seconds until it may sign in again",
                "schema": {"type": "integer"},
            }
        },
    )
    @blp.doc(security=[])
    def post(self, values):
        """Issue an API token (the secret is shown once)"""
        try:
            user = login_limit.sign_in(values["email"], values["password"])
        except login_limit.LOCKED as exc:
            abort(429, message=exc.message, headers={"Retry-After": str(exc.seconds)})
        if user is None:
            abort(401, message=_("Wrong e-mail or password."))
        token, secret = accounts.issue_token(user, values["name"])
        token.token = secret
        return token


@blp.route("/tokens/<int:token_id>")
class TokenById(MethodView):
    """One of the caller's API tokens."""

    @commits
    @blp.response(204)
    def delete(self, token_id):
        """Revoke one of my API tokens"""
        accounts.revoke_token(caller(), token_id)
