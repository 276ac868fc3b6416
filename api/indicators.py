"""Indicators API: the linkage and traceability rates, grouped and filtered."""

from api.common import Blueprint, load_bearer_user

blp = Blueprint("indicators_api", __name__, description=__doc__.splitlines()[0])
blp.before_request(load_bearer_user)
