"""The ``recall`` blueprint and what its views share: login (but for the public link page),
the label tables, and reading a posted form through the API's input schemas."""

from flask import Blueprint, request
from flask_login import current_user

from core.extensions import login_manager
from recall import names as labels
from registry.views.common import (
    form_text,
)
from registry.views.common import load as load_values

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


def load(schema, names) -> tuple[dict | None, dict[str, list[str]]]:
    """Validate the posted fields with an input schema: (values, {}) or (None, errors)."""
    return load_values(schema, {name: form_text(name) for name in names})
