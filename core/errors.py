"""Errors raised by services, and the one JSON error shape of the API.

Services raise a ``ServiceError`` subclass; the API turns it into
``{"code": ..., "message": ..., "errors": {field: [...]}}`` and the web views
into a form message. Nothing in a service knows about HTTP beyond the status.
"""

from flask import jsonify, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException


class ServiceError(Exception):
    """A refusal by the service layer, with an HTTP status and field messages."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    @classmethod
    def on_field(cls, field: str, message: str) -> "ServiceError":
        """Build the error for a single field."""
        return cls(message, {field: [message]})


class ValidationFailed(ServiceError):
    """The input is well-formed but not acceptable (422)."""

    status = 422
    code = "validation_failed"


class UnknownReference(ValidationFailed):
    """A field names a record the caller may not see: answered as not found (404), with a
    message that names nothing, never as "not yours" (which would confirm it exists)."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    """The input clashes with something that exists already (409)."""

    status = 409
    code = "conflict"


class NotFound(ServiceError):
    """No such record, or not one the caller may see (404)."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The caller may see the record but not do this to it (403)."""

    status = 403
    code = "forbidden"


def error_body(status: int, code: str, message: str, errors: dict | None = None) -> dict:
    """The one JSON error shape of the API."""
    return {"code": code, "message": message, "errors": errors or {}}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def _http_code_name(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def _json_http_error(exc: HTTPException):
    from core.validation import translated_errors

    # flask-smorest's abort() and webargs put details in exc.data; webargs nests
    # field errors under the location ("json", "query"), which callers need not see.
    data = getattr(exc, "data", None) or {}
    errors = dict(data.get("errors") or {})
    for location_errors in (data.get("messages") or {}).values():
        errors.update(translated_errors(location_errors))
    message = data.get("message") or exc.description
    if exc.code == 422 and errors and not data.get("message"):
        message = _("The request has invalid fields.")
    response = jsonify(error_body(exc.code, _http_code_name(exc), message, errors))
    response.status_code = exc.code
    headers = dict(data.get("headers") or {})
    if exc.response is None:
        headers.update(
            (key, value) for key, value in exc.get_headers() if key.lower() != "content-type"
        )
    for key, value in headers.items():
        response.headers[key] = value
    return response


def register_error_handlers(app) -> None:
    """Answer errors as JSON under /api/ and as HTML pages elsewhere."""

    @app.errorhandler(ServiceError)
    def handle_service_error(exc: ServiceError):
        from core.extensions import db

        db.session.rollback()
        if _wants_json():
            return jsonify(error_body(exc.status, exc.code, exc.message, exc.errors)), exc.status
        return render_template(
            "errors/error.html", status=exc.status, message=exc.message
        ), exc.status

    @app.errorhandler(OperationalError)
    def handle_database_busy(exc: OperationalError):
        # SQLite's write lock held by another process past the busy timeout: nothing was
        # written, and the same request can be sent again.
        if "database is locked" not in str(exc.orig):
            raise exc
        from core.extensions import db

        db.session.rollback()
        message = _("The database is busy; nothing was saved. Please try again.")
        if _wants_json():
            response = jsonify(error_body(409, "busy", message))
        else:
            response = render_template("errors/error.html", status=409, message=message)
        return response, 409, {"Retry-After": "1"}

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        if _wants_json():
            return _json_http_error(exc)
        return render_template("errors/error.html", status=exc.code, message=None), exc.code

    @app.after_request
    def tell_when_to_retry(response):
        # Rate-limit headers are off (public pages are cached by proxies), so a 429 says
        # here when to come back.
        if response.status_code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(500)
    def handle_server_error(exc):
        from core.extensions import db

        db.session.rollback()
        if _wants_json():
            return jsonify(error_body(500, "server_error", "Internal server error")), 500
        return render_template("errors/error.html", status=500, message=None), 500
