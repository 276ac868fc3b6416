"""Every 2xx answer of the API is documented: a JSON schema, or a file's media type.

For each operation of the app's OpenAPI document and each of its 2xx responses (but a 204,
which has no body): the response names its content, every media type has a schema, a JSON
media type's schema describes JSON (an object or an array, not a bare binary string), and a
file's media type is declared as such.
"""

import pytest

from core.factory import create_app

METHODS = ("get", "post", "put", "patch", "delete")


def _document() -> dict:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    return app.test_client().get("/api/v1/openapi.json").json


DOCUMENT = _document()


def _answers():
    for path, operations in DOCUMENT["paths"].items():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                if status.startswith("2") and status != "204":
                    yield pytest.param(
                        method, path, status, response, id=f"{method} {path} {status}"
                    )


def _resolved(item: dict) -> dict:
    """A response or schema object, its ``$ref`` to the components followed."""
    while "$ref" in item:
        section, name = item["$ref"].split("/")[-2:]
        item = DOCUMENT["components"][section][name]
    return item


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


@pytest.mark.parametrize(("method", "path", "status", "response"), list(_answers()))
def test_every_2xx_response_has_a_schema_or_a_file_type(method, path, status, response):
    content = _resolved(response).get("content") or {}
    assert content, f"{method.upper()} {path} {status} documents no content"
    for media_type, entry in content.items():
        schema = entry.get("schema")
        assert schema, f"{media_type} of {method.upper()} {path} {status} has no schema"
        schema = _resolved(schema)
        if _is_json(media_type):
            assert schema.get("type") in ("object", "array"), (media_type, schema)
        else:
            assert schema == {"type": "string", "format": "binary"}, (media_type, schema)


def test_the_epcis_export_is_an_epcis_document_in_json_ld():
    content = DOCUMENT["paths"]["/api/v1/epcis/events"]["get"]["responses"]["200"]["content"]
    assert set(content) == {"application/ld+json", "application/json"}
    schema = _resolved(content["application/ld+json"]["schema"])
    assert set(schema["required"]) == {
        "@context",
        "type",
        "schemaVersion",
        "creationDate",
        "epcisBody",
    }
    body = _resolved(schema["properties"]["epcisBody"])
    assert body["properties"]["eventList"]["type"] == "array"


def test_label_downloads_and_print_jobs_are_documented():
    paths = DOCUMENT["paths"]
    png = paths["/api/v1/batches/{batch_id}/label.png"]["get"]["responses"]["200"]
    assert list(png["content"]) == ["image/png"]
    prints = paths["/api/v1/batches/{batch_id}/label-prints"]
    created = _resolved(prints["post"]["responses"]["201"]["content"]["application/json"]["schema"])
    assert {"id", "printed_at", "printed_by", "layout", "labels", "pdf_url"} <= set(
        created["properties"]
    )
    assert "200" in prints["get"]["responses"]  # the lot's print jobs, listed


def test_a_locked_account_answer_is_documented():
    responses = DOCUMENT["paths"]["/api/v1/auth/tokens"]["post"]["responses"]
    assert "Retry-After" in responses["429"]["headers"]
    assert "401" in responses
