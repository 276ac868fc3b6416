"""The ``eudr`` blueprint: signed-in users only, with the EUDR's and the trace's names."""

from flask import Blueprint

from eudr import names
from registry.views.common import require_login
from trace import names as trace_names
from trace.views.common import may_record

bp = Blueprint("eudr", __name__, url_prefix="/eudr")
bp.before_request(require_login)


@bp.context_processor
def _template_names() -> dict:
    return {**trace_names.template_labels(), **names.template_labels(), "may_record": may_record()}
