"""Portal sync API: what is pending, sent and failing towards the national portal."""

from api.common import Blueprint, load_bearer_user

blp = Blueprint("portal_api", __name__, description=__doc__.splitlines()[0])
blp.before_request(load_bearer_user)
