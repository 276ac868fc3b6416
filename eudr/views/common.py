"""The ``eudr`` blueprint: signed-in users only, with the EUDR's and the trace's names."""

from flask import Blueprint
from flask_login import current_user

from core.errors import NotFound
from eudr import names
from eudr.services import statements
from registry.views.common import require_login
from trace import names as trace_names
from trace.views.common import may_record

bp = Blueprint("eudr", __name__, url_prefix="/eudr")
bp.before_request(require_login)


@bp.context_processor
def _template_names() -> dict:
    return {**trace_names.template_labels(), **names.template_labels(), "may_record": may_record()}


def lot_statements(batch_id: int) -> list:
    """The due-diligence statements of a lot the user may see (a template global: the trace's
    lot page shows them without trace knowing this package)."""
    try:
        return statements.statements_for_lot(current_user, batch_id)
    except NotFound:
        return []
