"""The ``trace`` blueprint and the helpers its HTML views share.

Views are thin: they turn a posted form into the shape the trace schemas load
(the same schemas as the API: one validation path), call the services, commit
once, and on a refusal roll back and re-render the form with field messages.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask import Blueprint, request
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user

from core.errors import Forbidden
from core.numbers import input_value
from registry.views.common import (
    form_number,
    require_login,
    valid_filters,
)
from trace import names as labels


def trace_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint of pages under ``/trace``: signed-in users only, with the trace's names
    and ``may_record`` in its templates (the trace's own, the labels' and the EPCIS')."""
    blueprint = Blueprint(name, import_name, url_prefix="/trace")
    blueprint.before_request(require_login)
    blueprint.context_processor(_template_names)
    return blueprint


DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _template_names() -> dict:
    return {**labels.template_labels(), "may_record": may_record()}


bp = trace_blueprint("trace", __name__)


def may_record() -> bool:
    """True when the user records products, sites, batches and events (a cooperative's staff)."""
    org = current_user.organization if current_user.is_authenticated else None
    return org is not None and org.is_cooperative_kind and not current_user.is_department


def require_recorder() -> None:
    """Refuse (403) users who only read here: the department and enterprises."""
    if not may_record():
        if current_user.is_department:
            raise Forbidden(_("The department reads these records but does not change them."))
        raise Forbidden(_("Only a cooperative's staff record this."))


def form_coordinate(name: str) -> str | None:
    """A posted latitude or longitude, read as every number field is (``13,98`` or ``13.98``)."""
    return form_number(name)


def form_flag(name: str) -> str:
    """A checkbox as the schema's boolean: an unticked box is not posted at all."""
    return "true" if name in request.form else "false"


def compact(rows: list[dict]) -> list[dict]:
    """The repeatable rows somebody filled in (a row of blanks is no row)."""
    return [{k: v for k, v in row.items() if v} for row in rows if any(row.values())]


def query_filters(schema, names) -> tuple[dict, dict[str, list[str]], dict[str, str]]:
    """Filters from the query string: (values, errors, the valid raw args for links).

    An invalid filter is reported and dropped; the others still apply.
    """
    raw = {name: request.args[name] for name in names if request.args.get(name)}
    values, errors = valid_filters(schema, raw)
    return values, errors, {name: value for name, value in raw.items() if name not in errors}


def placed(errors: dict, fields, renames: dict[str, str] | None = None) -> dict:
    """Errors keyed by the form's own input names; any other key becomes a form-level message.

    The services name the API's fields ("lines", "reference.id"); a form may call them
    differently, and a message that no input shows must still reach the user. A nested
    key ("household_ids.0") falls back to its first part when only that is an input.
    """
    renames = renames or {}
    result: dict[str, list[str]] = {}
    for key, messages in errors.items():
        name = renames.get(key, key)
        if name not in fields:
            name = renames.get(name.split(".")[0], name.split(".")[0])
        target = name if name in fields else "_schema"
        result.setdefault(target, []).extend(messages)
    return result


def user_zone() -> ZoneInfo:
    """The user's time zone (Asia/Ho_Chi_Minh): Babel's setting, as a zoneinfo zone."""
    # Flask-Babel hands out pytz zones, whose replace(tzinfo=) gives the old LMT offset.
    return ZoneInfo(str(get_timezone()))


def local_now() -> str:
    """Now, in the user's time zone, as a datetime-local value."""
    return datetime.now(user_zone()).strftime(DATETIME_LOCAL)


def aware_time(value: str | None) -> str | None:
    """A datetime-local value read in the user's time zone, as ISO 8601 with its offset.

    Anything unreadable is passed on unchanged, for the schema to name the field.
    """
    if not value:
        return None
    try:
        moment = datetime.strptime(value[:16], DATETIME_LOCAL)
    except ValueError:
        return value
    return moment.replace(tzinfo=user_zone()).isoformat()


def as_text(value) -> str:
    """A model value as a form field shows it."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return input_value(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(getattr(value, "value", value))
