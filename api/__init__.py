"""REST adapter (flask-smorest): schemas in, services called, schemas out; no business rules."""

from flask import Flask, send_from_directory
from flask_smorest import Api
from marshmallow import Schema, fields
from swagger_ui_bundle import swagger_ui_path

from core.extensions import csrf


class ApiErrorSchema(Schema):
    """The one JSON error shape (core.errors), as the OpenAPI document describes it."""

    code = fields.String(metadata={"description": "Error code, e.g. not_found"})
    message = fields.String(metadata={"description": "What went wrong, in the user's language"})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Messages per field"},
    )


class TraceApi(Api):
    """flask-smorest's Api; errors are answered by core.errors in the one JSON shape."""

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self):
        """Leave error handling to the app's own handlers (core.errors)."""


def register_api(app: Flask) -> None:
    """Mount every API blueprint under /api/v1 and serve the docs UI from local files."""
    from api import (
        auth,
        epcis,
        epcis_rest,
        eudr,
        field,
        indicators,
        labels,
        linkage,
        portal,
        recall,
        registry,
        scans,
        season,
        trace,
    )

    api = TraceApi(app)
    features = (
        auth,
        registry,
        trace,
        season,
        linkage,
        epcis,
        scans,
        labels,
        recall,
        eudr,
        portal,
        indicators,
        field,
    )
    for module in features:
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.blp.url_prefix or ''}")

    # GS1's EPCIS 2.0 REST binding: its own paths, errors and headers, not in our OpenAPI.
    csrf.exempt(epcis_rest.bp)
    app.register_blueprint(epcis_rest.bp, url_prefix="/epcis/v2")

    @app.get("/api/v1/docs/static/<path:filename>")
    def swagger_ui_static(filename):
        """Swagger UI's files, shipped by the swagger-ui-bundle package (no CDN)."""
        return send_from_directory(swagger_ui_path, filename)
