"""GS1's EPCIS 2.0 REST binding under /epcis/v2: the standard's query parameters and pages,
events by ID, the vocabularies, capture jobs run by the worker, scoping, and our answers
checked against the binding's OpenAPI document (../shared/standards/epcis)."""

import json
import re
from urllib.parse import quote

import pytest
from jsonschema import Draft7Validator

from core.extensions import db
from epcis.models import CaptureJob
from tests.epcis.capture_helpers import document, receipts
from tests.epcis_helpers import STANDARDS, schema_errors, supply_chain
from tests.jobs_helpers import queued_jobs, run_next  # noqa: F401 - fixture
from tests.missing import unavailable
from tests.trace_helpers import GTIN, when
from trace.models import TraceEvent

OPENAPI = STANDARDS / "epcis-rest-openapi.yaml"
STUB = "https://gs1.github.io/EPCIS/REST%20Bindings/JSON-Schema-Stub.json#/definitions/"
BINDING_HEADERS = ("GS1-EPCIS-Version", "GS1-CBV-Version", "GS1-Extensions")


@pytest.fixture
def chain(farm, buyer, world):
    return supply_chain(farm, buyer, world)


def rest(client, headers, path, expect=200, **kwargs):
    headers = {**headers, "Accept-Language": "en"}
    response = client.get(f"/epcis/v2{path}", headers=headers, **kwargs)
    assert response.status_code == expect, response.get_data(as_text=True)[:1000]
    return response


def events_of(response) -> list[dict]:
    body = json.loads(response.data)
    assert body["type"] == "EPCISQueryDocument"
    return body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def next_link(response) -> str | None:
    link = response.headers.get("Link")
    if not link:
        return None
    match = re.fullmatch(r'<([^>]+)>; rel="next"', link)
    assert match, link
    return match.group(1).split("/epcis/v2", 1)[1]


def test_events_is_a_query_document_of_what_the_export_shows(farm, chain):
    response = rest(farm.client, farm.headers, "/events")
    assert response.mimetype == "application/ld+json"
    for header in BINDING_HEADERS:
        assert response.headers[header], header
    assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
    assert response.headers["GS1-Extensions"].startswith("htx=")
    body = json.loads(response.data)
    assert schema_errors(body) == []
    exported = farm.get("/epcis/events")["epcisBody"]["eventList"]
    assert [e["eventID"] for e in events_of(response)] == [e["eventID"] for e in exported]


def test_pages_follow_the_link_header_without_repeating_or_skipping(farm, chain):
    everything = [e["eventID"] for e in events_of(rest(farm.client, farm.headers, "/events"))]
    seen, path, pages = [], "/events?perPage=2&EQ_bizStep=shipping|commissioning|inspecting", 0
    while path:
        response = rest(farm.client, farm.headers, path)
        page = events_of(response)
        assert len(page) <= 2
        seen += [e["eventID"] for e in page]
        path, pages = next_link(response), pages + 1
        if path:
            assert "EQ_bizStep=shipping" in path.replace("%7C", "|")
    wanted = [
        e["eventID"]
        for e in events_of(rest(farm.client, farm.headers, "/events"))
        if e["bizStep"] in ("shipping", "commissioning", "inspecting")
    ]
    assert seen == wanted and len(set(seen)) == len(seen)
    assert pages == (len(wanted) + 1) // 2
    assert set(seen) < set(everything)


def test_query_parameters_filter_in_sql(farm, chain, app):
    get = lambda query: events_of(rest(farm.client, farm.headers, f"/events?{query}"))  # noqa: E731
    transformations = get("eventType=TransformationEvent")
    assert {e["type"] for e in transformations} == {"TransformationEvent"}
    assert len(transformations) == 2
    assert {e["bizStep"] for e in get("EQ_bizStep=shipping")} == {"shipping"}
    # The full CBV URI of a step finds the events written with the bare word.
    assert len(get("EQ_bizStep=" + quote("https://ref.gs1.org/cbv/BizStep-shipping"))) == 2
    recent = get("GE_eventTime=" + quote(when(6)))
    assert {e["bizStep"] for e in recent} == {"shipping", "inspecting"}
    older = get("LT_eventTime=" + quote(when(6)))
    assert not {e["eventID"] for e in recent} & {e["eventID"] for e in older}
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    cherries = f"{base}/01/{GTIN}/10/CF-26-001"
    by_lot = get("MATCH_epcClass=" + quote(cherries))
    # The input applied, the harvest, and the transformation that consumed the cherries.
    assert len(by_lot) == 3
    assert all(cherries in json.dumps(e) for e in by_lot)
    assert get("MATCH_anyEPC=" + quote(cherries)) == by_lot
    location = by_lot[0]["bizLocation"]["id"]
    at_site = get("EQ_bizLocation=" + quote(location))
    assert at_site and all(e["bizLocation"]["id"] == location for e in at_site)
    assert get("MATCH_epcClass=" + quote(f"{base}/01/{GTIN}/10/NO-SUCH-LOT")) == []


def test_sub_resources_by_epc_and_location(farm, chain, app):
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    cherries = f"{base}/01/{GTIN}/10/CF-26-001"
    by_epc = events_of(rest(farm.client, farm.headers, f"/epcs/{quote(cherries, safe='')}/events"))
    assert len(by_epc) == 3
    location = by_epc[0]["bizLocation"]["id"]
    at = events_of(
        rest(farm.client, farm.headers, f"/bizLocations/{quote(location, safe='')}/events")
    )
    assert at and {e["bizLocation"]["id"] for e in at} == {location}


def test_an_event_by_its_id_and_scoping(farm, buyer, chain, client, world, token_for):
    first = events_of(rest(farm.client, farm.headers, "/events"))[0]
    event_id = first["eventID"]
    one = events_of(rest(farm.client, farm.headers, f"/events/{quote(event_id, safe='')}"))
    assert [e["eventID"] for e in one] == [event_id]
    other = token_for(world["users"]["coop_b"])
    rest(client, other, f"/events/{quote(event_id, safe='')}", expect=404)
    assert events_of(rest(client, other, "/events")) == []
    # The buyer sees the events about the lot delivered to it, as in the export.
    seen = sorted(e["bizStep"] for e in events_of(rest(buyer.client, buyer.headers, "/events")))
    assert seen == ["receiving", "repackaging", "shipping"]
    missing = rest(farm.client, farm.headers, "/events/urn:uuid:nothing", expect=404)
    assert missing.mimetype == "application/problem+json"
    assert missing.json["type"] == "epcisException:NoSuchNameException"


def test_anonymous_callers_get_401_before_validation(client):
    for path in ("/events?perPage=zero", "/events", "/eventTypes", "/capture/x", "/queries"):
        response = client.get(f"/epcis/v2{path}")
        assert response.status_code == 401, path
        assert response.json["type"] == "epcisException:SecurityException"
        assert response.headers["GS1-EPCIS-Version"] == "2.0.0"
    assert client.post("/epcis/v2/capture", json={}).status_code == 401


def test_bad_and_unsupported_parameters_name_the_parameter(farm):
    bad = rest(farm.client, farm.headers, "/events?perPage=zero", expect=400)
    assert bad.json["type"] == "epcisException:QueryParameterException"
    assert "perPage" in bad.json["errors"]
    assert (
        "GE_eventTime"
        in rest(farm.client, farm.headers, "/events?GE_eventTime=yesterday", expect=400).json[
            "errors"
        ]
    )
    assert (
        "nextPageToken"
        in rest(farm.client, farm.headers, "/events?nextPageToken=forged", expect=400).json[
            "errors"
        ]
    )
    assert (
        "colour" in rest(farm.client, farm.headers, "/events?colour=red", expect=400).json["errors"]
    )
    unsupported = rest(farm.client, farm.headers, "/events?EQ_action=ADD", expect=501)
    assert unsupported.json["type"] == "epcisException:ImplementationException"
    assert "EQ_action" in unsupported.json["errors"]


def test_undeclared_operations_answer_501(farm):
    for method, path in (
        ("get", "/queries"),
        ("post", "/events"),
        ("get", "/readPoints"),
        ("get", "/capture"),
        ("delete", "/events/x"),
    ):
        response = getattr(farm.client, method)(f"/epcis/v2{path}", headers=farm.headers)
        assert response.status_code == 501, (method, path, response.status_code)
        assert response.json["type"] == "epcisException:ImplementationException"


def test_vocabularies(farm):
    types = rest(farm.client, farm.headers, "/eventTypes").json
    assert types["type"] == "Collection" and "ObjectEvent" in types["member"]
    steps = rest(farm.client, farm.headers, "/bizSteps").json["member"]
    assert "shipping" in steps and "commissioning" in steps
    assert "in_transit" in rest(farm.client, farm.headers, "/dispositions").json["member"]


def capture_v2(client, headers, body):
    response = client.post("/epcis/v2/capture", json=body, headers=headers)
    assert response.status_code == 202, response.get_data(as_text=True)[:1000]
    assert response.headers["Location"].startswith("/epcis/v2/capture/")
    for header in BINDING_HEADERS:
        assert response.headers[header], header
    return response.headers["Location"].removeprefix("/epcis/v2")


def test_capture_answers_202_and_the_job_tells_the_outcome(app, buyer, delivered, world):
    sent = document(receipts(app, world, delivered))
    location = capture_v2(buyer.client, buyer.headers, sent)
    job = rest(buyer.client, buyer.headers, location).json
    assert job["running"] is False and job["success"] is True, job
    assert job["errors"] == [] and job["captureErrorBehaviour"] == "rollback"
    assert job["finishedAt"] >= job["createdAt"]
    stored = {e["eventID"] for e in events_of(rest(buyer.client, buyer.headers, "/events"))}
    assert {e["eventID"] for e in sent["epcisBody"]["eventList"]} <= stored
    with app.app_context():
        assert db.session.query(CaptureJob).one().document is None  # dropped once captured


def test_a_refused_capture_stores_nothing_and_lists_its_errors(app, buyer, delivered, world):
    events = receipts(app, world, delivered)
    events[1]["quantityList"][0]["epcClass"] = "https://id.gs1.org/01/09520123456788/10/NOPE"
    with app.app_context():
        before = db.session.query(TraceEvent).count()
    location = capture_v2(buyer.client, buyer.headers, document(events))
    job = rest(buyer.client, buyer.headers, location).json
    assert job["running"] is False and job["success"] is False
    assert job["errors"] and all(
        e["type"] == "epcisException:ValidationException" for e in job["errors"]
    )
    assert any(e.get("eventIndex") == 1 for e in job["errors"])
    with app.app_context():
        assert db.session.query(TraceEvent).count() == before


def test_capture_runs_in_the_worker_and_jobs_are_their_organizations(
    app,
    buyer,
    farm,
    world,
    delivered,
    queued_jobs,  # noqa: F811 - fixture
):
    location = capture_v2(buyer.client, buyer.headers, document(receipts(app, world, delivered)))
    job = rest(buyer.client, buyer.headers, location).json
    assert job["running"] is True and "finishedAt" not in job
    rest(farm.client, farm.headers, location, expect=404)  # another organization's job
    assert run_next(queued_jobs) == "epcis.capture"
    job = rest(buyer.client, buyer.headers, location).json
    assert job["running"] is False and job["success"] is True


def test_a_body_that_is_no_epcis_document_is_refused_at_once(buyer):
    response = buyer.client.post("/epcis/v2/capture", json=[1], headers=buyer.headers)
    assert response.status_code == 400
    assert response.json["type"] == "epcisException:ValidationException"
    response = buyer.client.post("/epcis/v2/capture", data="x", headers=buyer.headers)
    assert response.status_code == 415


# --- The binding's OpenAPI document ---------------------------------------------------------


@pytest.fixture(scope="module")
def binding():
    if not OPENAPI.is_file():
        unavailable(f"GS1's EPCIS REST binding not found at {OPENAPI} (../shared absent)")
    import yaml

    return yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))


def _resolve(spec: dict, node):
    """The node with the binding's own $refs inlined and the JSON schema stub's pointed at
    GS1's EPCIS JSON schema definitions (given as ``definitions`` of the root)."""
    if isinstance(node, list):
        return [_resolve(spec, item) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/"):
        target = spec
        for part in ref[2:].split("/"):
            target = target[part]
        return _resolve(spec, target)
    if isinstance(ref, str) and ref.startswith(STUB):
        return {"$ref": "#/definitions/" + ref.removeprefix(STUB)}
    if isinstance(ref, str):
        return {}
    resolved = {key: _resolve(spec, value) for key, value in node.items() if key != "example"}
    branches = resolved.get("oneOf") or []
    if branches and all(set(b) == {"properties"} and len(b["properties"]) == 1 for b in branches):
        # The capture job's "errors or errorFile": as written, every object matches both
        # branches, so no answer could pass oneOf. Its prose says one of the two is present.
        resolved["oneOf"] = [{**b, "required": list(b["properties"])} for b in branches]
    return resolved


def _check(binding, path: str, method: str, response, params=()) -> None:
    """The answer is one the binding documents for this operation, with its schema and headers."""
    item = binding["paths"][path]
    operation = _resolve(binding, item[method])
    declared = {p["name"] for p in _resolve(binding, item.get("parameters", []))}
    declared |= {p["name"] for p in operation.get("parameters", [])}
    assert set(params) <= declared, set(params) - declared
    status = str(response.status_code)
    assert status in operation["responses"], (path, method, status)
    documented = operation["responses"][status]
    for header in documented.get("headers", {}):
        if header in BINDING_HEADERS or header == "Location":
            assert header in response.headers, (path, status, header)
    content = documented.get("content")
    if not content:
        return
    media = response.mimetype
    schema = (content.get(media) or content.get("application/json") or {}).get("schema")
    assert media in content or media == "application/ld+json", (path, status, media)
    if schema:
        definitions = json.loads((STANDARDS / "EPCIS-JSON-Schema.json").read_text())["definitions"]
        validator = Draft7Validator({**schema, "definitions": definitions})
        errors = [e.message[:200] for e in validator.iter_errors(json.loads(response.data))]
        assert errors == [], (path, status, errors)


def test_answers_match_the_bindings_openapi(binding, app, farm, buyer, chain, client):
    h = farm.headers
    ok = rest(farm.client, h, "/events?perPage=2&EQ_bizStep=shipping|inspecting")
    params = ("perPage", "EQ_bizStep")
    _check(binding, "/events", "get", ok, params)
    for name in ("eventType", "GE_eventTime", "LT_eventTime", "MATCH_anyEPC", "MATCH_epcClass"):
        _check(binding, "/events", "get", ok, [name, "EQ_bizLocation", "nextPageToken"])
    _check(binding, "/events", "get", client.get("/epcis/v2/events"))
    event_id = events_of(ok)[0]["eventID"]
    _check(
        binding,
        "/events/{eventID}",
        "get",
        rest(farm.client, h, f"/events/{quote(event_id, safe='')}"),
    )
    _check(binding, "/events/{eventID}", "get", rest(farm.client, h, "/events/urn:x", expect=404))
    for path in ("/eventTypes", "/bizSteps", "/dispositions"):
        _check(binding, path, "get", rest(farm.client, h, path))
    base = app.config["PUBLIC_BASE_URL"].rstrip("/")
    epc = quote(f"{base}/01/{GTIN}/10/CF-26-001", safe="")
    _check(binding, "/epcs/{epc}/events", "get", rest(farm.client, h, f"/epcs/{epc}/events"))
    location = quote(events_of(ok)[0]["bizLocation"]["id"], safe="")
    _check(
        binding,
        "/bizLocations/{bizLocation}/events",
        "get",
        rest(farm.client, h, f"/bizLocations/{location}/events"),
    )
    sent = farm.get("/epcis/events")
    sent["epcisBody"]["eventList"] = sent["epcisBody"]["eventList"][:1]  # already stored
    posted = farm.client.post("/epcis/v2/capture", json=sent, headers=h)
    _check(binding, "/capture", "post", posted)
    _check(binding, "/capture", "post", client.post("/epcis/v2/capture", json=sent))
    job = rest(farm.client, h, posted.headers["Location"].removeprefix("/epcis/v2"))
    _check(binding, "/capture/{captureID}", "get", job)
    _check(
        binding, "/capture/{captureID}", "get", rest(farm.client, h, "/capture/none", expect=404)
    )
