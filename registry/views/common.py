"""Helpers the HTML views of every feature share: login, paging, filters, refusals, success.

The registry is the lowest feature with pages, so the others (linkage, trace…) may
import these; a feature's own ``common`` module adds what only it needs.
"""

from flask import flash, redirect, request
from flask_login import current_user
from marshmallow import Schema

from core.errors import Conflict, ServiceError, ValidationFailed
from core.extensions import db, login_manager
from core.numbers import read_number
from core.validation import load_or_errors
from registry.services import units

PER_PAGE = 25
# Refusals a page shows beside its fields; NotFound and Forbidden become error pages.
FIELD_ERRORS = (ValidationFailed, Conflict)


def require_login():
    """A blueprint's ``before_request``: visitors who are not logged in go to the login page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def link_args() -> dict[str, str]:
    """The current query string without the page number, for the pager's links."""
    return {key: value for key, value in request.args.items() if key != "page" and value}


def paginate(stmt):
    """One page (``?page=``) of a service's select()."""
    page = request.args.get("page", 1, type=int)
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def valid_filters(schema: Schema, raw: dict) -> tuple[dict, dict[str, list[str]]]:
    """The filters in ``raw`` that ``schema`` accepts; the invalid ones are dropped and reported."""
    values, errors = load_or_errors(schema, raw)
    if errors:
        values, _errors = load_or_errors(schema, {k: v for k, v in raw.items() if k not in errors})
    return values or {}, errors


def refusal(exc: ServiceError) -> dict[str, list[str]]:
    """Roll back a refused request and return its messages, keyed by field."""
    db.session.rollback()
    return exc.errors or {"_schema": [exc.message]}


def done(message: str, url: str):
    """Commit the request's one transaction, say ``message`` and go to ``url``."""
    db.session.commit()
    flash(message, "success")
    return redirect(url)


def commune_options(current_code: str | None = None) -> list[tuple[str, str]]:
    """(code, name) of the province's communes, keeping a record's own unit if it is not one."""
    options = [(unit.code, unit.full_name) for unit in units.communes_of()]
    if current_code and current_code not in {code for code, _name in options}:
        options.insert(0, (current_code, current_code))
    return options


def form_text(name: str) -> str | None:
    """One posted field, trimmed; absent and blank are both None."""
    value = (request.form.get(name) or "").strip()
    return value or None


def form_number(name: str) -> str | None:
    """A posted number read by the one rule of ``core.numbers`` (``1.234,5`` or ``13.98``).

    What is no number is passed on as typed: the schema names the field.
    """
    return read_number(form_text(name))


def load(schema, raw: dict) -> tuple[dict | None, dict[str, list[str]]]:
    """Validate form data with an input schema (None values count as absent)."""
    return load_or_errors(schema, {key: value for key, value in raw.items() if value is not None})
