"""The EPCIS export answers what its OpenAPI document says: an EPCISDocument, in JSON-LD or
JSON as asked, valid against the response schema the document gives for that media type."""

import json

import jsonschema
import pytest

from tests.epcis_helpers import supply_chain


@pytest.fixture
def chain(farm, buyer, world):
    return supply_chain(farm, buyer, world)


def _response_schema(client, media_type: str) -> dict:
    """The export's 2xx schema for ``media_type``, its references resolvable."""
    document = client.get("/api/v1/openapi.json").json
    content = document["paths"]["/api/v1/epcis/events"]["get"]["responses"]["200"]["content"]
    return {**content[media_type]["schema"], "components": document["components"]}


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/ld+json", "application/ld+json"),
        ("application/json", "application/json"),
        ("*/*", "application/ld+json"),
    ],
)
def test_the_export_matches_its_documented_schema(farm, chain, accept, media_type):
    response = farm.client.get("/api/v1/epcis/events", headers={**farm.headers, "Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    body = json.loads(response.data)
    jsonschema.validate(body, _response_schema(farm.client, media_type))
    assert len(body["epcisBody"]["eventList"]) == 7


def test_a_document_missing_its_body_would_not_match(farm):
    schema = _response_schema(farm.client, "application/ld+json")
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-12-07T00:00:00.000Z",
    }
    with pytest.raises(jsonschema.ValidationError, match="epcisBody"):
        jsonschema.validate(document, schema)
