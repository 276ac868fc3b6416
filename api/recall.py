"""Recall API: open a recall, see whom it reaches, acknowledge, close."""

from api.common import Blueprint, load_bearer_user

blp = Blueprint("recall_api", __name__, description=__doc__.splitlines()[0])
blp.before_request(load_bearer_user)
