"""The ``linkage`` blueprint and the helpers its HTML views share.

Views are thin: they turn a posted form into the shape the linkage input schemas
load (the API's schemas: one validation path), call the services, commit once,
and on a refusal roll back and re-render the page with the messages by field.
"""

import re
from decimal import Decimal

from flask import Blueprint, request
from flask_login import current_user

from core.numbers import input_value
from linkage import names as labels
from linkage.models import Contract
from registry.views.common import (
    form_number,
    form_text,
    require_login,
)
from trace.names import CATEGORY_LABELS, UNIT_LABELS

bp = Blueprint("linkage", __name__, url_prefix="/linkage")
bp.before_request(require_login)

MAX_ROWS = 50  # repeated rows read from one form (parties, items, delivery lines)


@bp.context_processor
def _template_names() -> dict:
    return {
        **labels.template_labels(),
        "category_labels": CATEGORY_LABELS,
        "unit_labels": UNIT_LABELS,
    }


def form_fields(names, numbers=()) -> dict:
    """The named fields of the posted form; those in ``numbers`` read as locale numbers."""
    return {name: form_number(name) if name in numbers else form_text(name) for name in names}


def form_rows(prefix: str, names, numbers=(), defaults=()) -> tuple[list[dict], list[int]]:
    """The repeated rows ``prefix.N.name`` somebody filled in, and their row numbers N.

    A row of blanks is no row, nor one where only a field in ``defaults`` (a select
    that always has a value, such as the unit) is set. The row numbers map the
    schema's errors, which count only the rows kept, back to the inputs on the page.
    """
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)\.")
    indices = sorted({int(m.group(1)) for key in request.form if (m := pattern.match(key))})
    indices = indices[:MAX_ROWS]
    rows, kept = [], []
    for index in indices:
        row = form_fields(
            [f"{prefix}.{index}.{name}" for name in names],
            [f"{prefix}.{index}.{name}" for name in numbers],
        )
        row = {key.rsplit(".", 1)[1]: value for key, value in row.items() if value is not None}
        if set(row) - set(defaults):
            rows.append(row)
            kept.append(index)
    return rows, kept


def renumber(errors: dict[str, list[str]], prefix: str, kept: list[int]) -> dict:
    """Errors of ``prefix.i.field`` (the i-th row kept) renamed to the row's input on the page."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.(\d+)(\..+)?$")
    result: dict[str, list[str]] = {}
    for key, messages in errors.items():
        match = pattern.match(key)
        if match and int(match.group(1)) < len(kept):
            key = f"{prefix}.{kept[int(match.group(1))]}{match.group(2) or ''}"
        result.setdefault(key, []).extend(messages)
    return result


def placed(errors: dict[str, list[str]], fields) -> dict[str, list[str]]:
    """Errors keyed by inputs the page shows; any other message becomes a form-level one."""
    result: dict[str, list[str]] = {}
    for key, messages in errors.items():
        target = key if key in fields else "_schema"
        result.setdefault(target, []).extend(messages)
    return result


def is_party(contract: Contract) -> bool:
    """True when the user's organization is a party (lead or cooperative) to the contract."""
    org_id = current_user.organization_id
    return org_id is not None and any(p.organization_id == org_id for p in contract.parties)


def is_lead(contract: Contract) -> bool:
    """True when the user's organization leads the contract."""
    return current_user.organization_id == contract.lead_org_id


def as_text(value) -> str:
    """A model value as a form input shows it (dates as ISO, enums by value)."""
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        # In the user's locale, so that posting the form back reads the same number.
        return input_value(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(getattr(value, "value", value))
