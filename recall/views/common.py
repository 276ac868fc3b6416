"""The ``recall`` blueprint and what its views share: login (but for the public link page),
the label tables, and reading a posted form through the API's input schemas."""

from flask import Blueprint, request
from flask_login import current_user

from core.extensions import db, login_manager
from core.validation import load_or_errors
from recall import labels

bp = Blueprint("recall", __name__, url_prefix="/recalls")

PER_PAGE = 25
PUBLIC_ENDPOINTS = {"recall.acknowledge_link"}


@bp.before_request
def _require_login():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.context_processor
def _template_names() -> dict:
    return labels.template_labels()


def posted(names) -> dict:
    """The named fields of the posted form, trimmed; blanks left out."""
    values = {name: (request.form.get(name) or "").strip() for name in names}
    return {name: value for name, value in values.items() if value}


def load(schema, names) -> tuple[dict | None, dict[str, list[str]]]:
    """Validate the posted fields with an input schema: (values, {}) or (None, errors)."""
    return load_or_errors(schema, posted(names))


def refusal(exc) -> dict[str, list[str]]:
    """Roll back a refused request and return its messages, keyed by field."""
    db.session.rollback()
    return exc.errors or {"_schema": [exc.message]}
