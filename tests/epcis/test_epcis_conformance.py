"""The project's own EPCIS 2.0 validation gives GS1's schema's verdict, field for field.

GS1's example documents (``../shared/standards/epcis/examples``) and documents derived from
them, each with one change (a field removed, a value of the wrong type, a bad date-time or
offset, an unknown action or event type, a malformed identifier, a field added where none is
allowed, a bad quantity, a CBV value written as a URN…), are judged twice: by
``validation.validation_problems`` and by GS1's ``EPCIS-JSON-Schema.json`` (jsonschema-rs,
formats checked, as the service applies it when ``EPCIS_SCHEMA_PATH`` is set). Both must
accept or both refuse, naming the same fields. (The pure-Python ``jsonschema`` reads GS1's
schema alike except for a leap second, which it refuses, and non-ASCII digits in a version,
which it accepts; the project follows jsonschema-rs.) GS1's files are read here, at test time only;
without them the test skips locally and fails under CI (``tests.missing``).
"""

import copy
import json
import re
from functools import cache
from pathlib import Path

import jsonschema_rs
import pytest

from epcis.capture.validation import most_precise, validation_problems
from tests.missing import unavailable

STANDARDS = Path(__file__).resolve().parents[3] / "shared" / "standards" / "epcis"
SCHEMA = STANDARDS / "EPCIS-JSON-Schema.json"
EXAMPLES = STANDARDS / "examples"
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"')

# Values that break (or, last in some lists, keep) a field, by the field's name.
BAD_TIMES = [
    "2005-04-03T20:33:31",  # no offset
    "2005-04-03 20:33:31Z",  # a space for the T
    "2005-02-29T20:33:31Z",  # not a leap year
    "2005-04-03T20:33:31+0600",  # offset without its colon
    "2005-04-03T24:00:00Z",
    "2005-04-03T20:33:60Z",  # a leap second at 20:33
    20050403,
]
BAD_URIS = ["not a uri", "urn:epc:id:sgtin:0614141 107346.2017", "https://id.gs1.org/01/%G1", 5]
BY_NAME = {
    "eventTime": BAD_TIMES + ["2016-12-31T23:59:60Z"],
    "recordTime": BAD_TIMES[:3],
    "creationDate": BAD_TIMES[:4],
    "declarationTime": BAD_TIMES[:2],
    "time": BAD_TIMES[:2],
    "eventTimeZoneOffset": ["+15:00", "-06", "0600", "+06:60", "\u221206:00", -6, "+14:00"],
    "action": ["UPDATE", "add", 1, None],
    "bizStep": [
        "ship",
        "urn:epcglobal:cbv:bizstep:shipping",
        "https://ns.gs1.org/cbv/BizStep-shipping",
        7,
        "https://ref.gs1.org/cbv/BizStep-shipping",
    ],
    "disposition": ["in transit", "urn:epcglobal:cbv:disp:in_transit", "https://example.org/d"],
    "quantity": ["10", True, None, -5],
    "uom": ["kg", "KGMS", "K", 5],
    "schemaVersion": ["2.x", 2.0],
    "reason": ["wrong", "urn:epcglobal:cbv:er:incorrect_data"],
    "hexBinaryValue": ["xyz"],
    "booleanValue": ["true"],
    "value": ["1.5"],
    "component": ["north"],
    "exception": ["ALARM"],
    "certificationInfo": [5, ["not a uri"]],
    "@context": [5, ["not a uri"]],
    "sender": [5],
    "queryName": [5],
}
URI_FIELDS = {
    "id",
    "eventID",
    "parentID",
    "epcClass",
    "bizTransaction",
    "source",
    "destination",
    "transformationID",
    "deviceID",
    "deviceMetadata",
    "rawData",
    "dataProcessingMethod",
    "bizRules",
    "microorganism",
    "chemicalSubstance",
    "coordinateReferenceSystem",
    "uriValue",
}
URI_LISTS = {
    "epcList",
    "childEPCs",
    "inputEPCList",
    "outputEPCList",
    "correctiveEventIDs",
    "children",
}
OPAQUE = {"@context", "ilmd"}
TYPE_VALUES = {  # "type" means something else in each kind of element
    "event": ["ObjectEvnt", "objectEvent", 5, "urn:example:CustomEvent"],
    "document": ["EPCISDoc", 5],
    "bizTransactionList": ["purchase_order", "urn:epcglobal:cbv:btt:po"],
    "sourceList": ["owner"],
    "destinationList": ["owner"],
    "sensorReport": ["Temp", "https://gs1.org/voc/Temperature"],
}


@cache
def gs1() -> jsonschema_rs.Draft7Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


def gs1_fields(document) -> set[tuple[int, str]]:
    """The (event index, field) GS1's schema names: its errors, each at its most precise path;
    a missing field, or one not allowed, named itself rather than its element."""
    found = []
    for error in gs1().iter_errors(document):
        path, kind = tuple(error.instance_path), error.kind
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
            found.append(((*path, kind.property), error.message))
        elif isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            found.extend(((*path, name), error.message) for name in kind.unexpected)
        elif isinstance(kind, jsonschema_rs.ValidationErrorKind.PropertyNames):
            name = _QUOTED.match(error.message)
            found.append(((*path, name.group(1) if name else "?"), error.message))
        else:
            found.append((path, error.message))
    return {(index, field) for index, field, _message in most_precise(found)}


# --- Derived documents --------------------------------------------------------------------


def _walk(value, path=()):
    """Every (path, value) below ``value``, itself first; not into extensions (a field named
    by a URI, the ILMD) or a JSON-LD context, where GS1's schema looks no further."""
    yield path, value
    if path and isinstance(path[-1], str) and (":" in path[-1] or path[-1] in OPAQUE):
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _walk(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _walk(inner, (*path, index))


def _pattern(path: tuple) -> str:
    """The path with list indexes as ``*`` and the event list's place unified."""
    parts = [("*" if isinstance(part, int) else part) for part in path]
    text = "/".join(parts)
    return text.replace("epcisBody/queryResults/resultsBody/eventList", "epcisBody/eventList")


def _kind(document: dict, path: tuple, what: str) -> str:
    """Whose rules decide the change at ``path``: the event's type for the event's own fields
    and lists, else any (a quantity element is one wherever it is), or the document."""
    if "eventList" in path:
        at = path.index("eventList")
        if len(path) == at + 3 or (len(path) == at + 4 and what in ("missing", "empty list")):
            node = document
            for part in path[: at + 2]:
                node = node[part]
            return node.get("type", "?") if isinstance(node, dict) else "?"
    return "document"


def _set(document: dict, path: tuple, value) -> dict:
    changed = copy.deepcopy(document)
    node = changed
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return changed


def _delete(document: dict, path: tuple) -> dict:
    changed = copy.deepcopy(document)
    node = changed
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return changed


def _type_values(path: tuple) -> list:
    parent = path[-2] if len(path) >= 2 else None
    grandparent = path[-3] if len(path) >= 3 else None
    if len(path) == 1:
        return TYPE_VALUES["document"]
    if isinstance(parent, int) and grandparent == "eventList":
        return TYPE_VALUES["event"]
    if isinstance(parent, int) and grandparent in TYPE_VALUES:
        return TYPE_VALUES[grandparent]
    return []


def _faults(document: dict):
    """(what, path, changed document): every single change this test makes to ``document``."""
    for path, value in _walk(document):
        name = path[-1] if path else None
        if isinstance(name, str):
            yield "missing", path, _delete(document, path)
            values = _type_values(path) if name == "type" else BY_NAME.get(name, [])
            if name in URI_FIELDS and isinstance(value, str):
                values = BAD_URIS
            for bad in values:
                yield (
                    f"{name}={json.dumps(bad, ensure_ascii=True)}",
                    path,
                    _set(document, path, bad),
                )
        if isinstance(value, dict):
            yield "extra field", path, _set(document, (*path, "extraField"), 1)
            yield "extension", path, _set(document, (*path, "example:extraField"), 1)
            if path:
                yield "not an object", path, _set(document, path, [value])
        if isinstance(value, list) and path:
            yield "not a list", path, _set(document, path, {"items": value})
            yield "empty list", path, _set(document, path, [])
            if name in URI_LISTS and value:
                for bad in BAD_URIS[:2]:
                    yield f"item={bad!r}", path, _set(document, (*path, 0), bad)
                yield "repeated item", path, _set(document, path, [*value, value[0]])
            if name == "eventList" and value:
                yield "event not an object", path, _set(document, (*path, 0), "event")


def _event(change):
    """A change to the first event of GS1's Example 9.6.1."""

    def changed(document: dict) -> dict:
        event = document["epcisBody"]["eventList"][0]
        change(event)
        return document

    return changed


def _without(*names):
    return lambda event: [event.pop(name) for name in names]


SENSOR_ELEMENT = {"sensorReport": [{"type": "Temperature", "value": 3.5, "uom": "CEL"}]}

# Rules across fields (GS1's "anyOf"s), each once, on GS1's Example 9.6.1.
ACROSS_FIELDS = {
    "no type at all": lambda d: d.pop("type") and d,
    "an event alone": lambda d: {"@context": d["@context"], **d["epcisBody"]["eventList"][0]},
    "an event alone without @context": lambda d: d["epcisBody"]["eventList"][0],
    "an EPCISQueryDocument's type on an EPCISDocument": lambda d: (
        d | {"type": "EPCISQueryDocument"}
    ),
    "event without type": _event(_without("type")),
    "ObjectEvent ilmd with OBSERVE": _event(lambda e: e.update(ilmd={"example:lot": "1"})),
    "ObjectEvent ilmd with ADD": _event(lambda e: e.update(ilmd={"a:b": 1}, action="ADD")),
    "ObjectEvent ilmd field not a URI": _event(lambda e: e.update(ilmd={"ab": 1}, action="ADD")),
    "ObjectEvent nothing observed": _event(_without("epcList")),
    "ObjectEvent only sensors, with readPoint": _event(
        lambda e: (e.pop("epcList"), e.update(sensorElementList=[SENSOR_ELEMENT]))
    ),
    "ObjectEvent only sensors, no readPoint": _event(
        lambda e: (
            e.pop("epcList"),
            e.pop("readPoint"),
            e.update(sensorElementList=[SENSOR_ELEMENT]),
        )
    ),
    "ObjectEvent empty quantityList only": _event(
        lambda e: (e.pop("epcList"), e.update(quantityList=[]))
    ),
    "persistentDisposition neither set nor unset": _event(
        lambda e: e.update(persistentDisposition={})
    ),
    "persistentDisposition twice the same": _event(
        lambda e: e.update(persistentDisposition={"set": ["active", "active"]})
    ),
    "AggregationEvent DELETE without children": _event(
        lambda e: (e.update(type="AggregationEvent", action="DELETE"), e.pop("epcList"))
    ),
    "AggregationEvent OBSERVE without children": _event(
        lambda e: (e.update(type="AggregationEvent"), e.pop("epcList"))
    ),
    "AssociationEvent without parentID": _event(
        lambda e: e.update(type="AssociationEvent", childEPCs=e.pop("epcList"))
    ),
    "TransactionEvent without business transactions": _event(
        lambda e: (e.update(type="TransactionEvent"), e.pop("bizTransactionList"))
    ),
    "TransformationEvent inputs only": _event(
        lambda e: (
            e.update(type="TransformationEvent", inputEPCList=e.pop("epcList")),
            e.pop("action"),
        )
    ),
    "TransformationEvent inputs and transformationID": _event(
        lambda e: (
            e.update(
                type="TransformationEvent",
                inputEPCList=e.pop("epcList"),
                transformationID="urn:epc:id:gdti:0614141.12345.400",
            ),
            e.pop("action"),
        )
    ),
    "TransformationEvent with an action": _event(
        lambda e: e.update(
            type="TransformationEvent",
            inputEPCList=e.pop("epcList"),
            outputEPCList=["urn:epc:id:sgtin:0614141.107346.3000"],
        )
    ),
    "extension event type without eventTime": _event(
        lambda e: (e.update(type="https://example.org/MyEvent"), e.pop("eventTime"))
    ),
    "extension event type with any field": _event(
        lambda e: e.update(type="https://example.org/MyEvent", anything=[1])
    ),
    "@context twice the same": lambda d: d | {"@context": [d["@context"][0]] * 2},
    "eventList null": lambda d: d["epcisBody"].update(eventList=None) or d,
    "event null": lambda d: d["epcisBody"].update(eventList=[None]) or d,
    "header with bad master data": lambda d: (
        d
        | {
            "epcisHeader": {
                "epcisMasterData": {
                    "vocabularyList": [
                        {
                            "type": "urn:epcglobal:epcis:vtype:BusinessLocation",
                            "vocabularyElementList": [
                                {
                                    "id": "urn:epc:id:sgln:0614141.07346.1234",
                                    "attributes": [{"id": "urn:x:y", "attribute": [1]}],
                                    "children": ["not a uri"],
                                }
                            ],
                        }
                    ]
                },
                "header": 1,
            }
        }
    ),
    "leap second at 23:59 UTC in another zone": _event(
        lambda e: e.update(eventTime="2005-04-03T17:59:60-06:00")
    ),
    "leap second not at 23:59 UTC": _event(
        lambda e: e.update(eventTime="2005-04-03T23:59:60-06:00")
    ),
    "schemaVersion in other digits": lambda d: d | {"schemaVersion": "\uff12.0"},
    "IPv6 zone in a URI": _event(lambda e: e.update(epcList=["http://[fe80::1%25eth0]/x"])),
    "IPv6 host in a URI": _event(lambda e: e.update(epcList=["http://[2001:db8::7]/01/1"])),
    "two fields not allowed": _event(lambda e: e.update(first=1, second=2)),
}


def derived() -> list[tuple[str, str, dict]]:
    """(test id, example, document): each kind of change once per field of each event type,
    then the rules across fields."""
    seen, found = set(), []
    for example in sorted(EXAMPLES.glob("*.jsonld")):
        document = json.loads(example.read_text(encoding="utf-8"))
        for what, path, changed in _faults(document):
            signature = (what, _pattern(path), _kind(document, path, what))
            if signature in seen:
                continue
            seen.add(signature)
            where = ".".join(str(part) for part in path) or "(document)"
            found.append((f"{example.stem}:{where}:{what}", example.name, changed))
    example = EXAMPLES / "Example_9.6.1-ObjectEvent.jsonld"
    for what, change in ACROSS_FIELDS.items():
        document = json.loads(example.read_text(encoding="utf-8"))
        found.append((f"{example.stem}:{what}", example.name, change(document)))
    return found


def _params():
    if not SCHEMA.is_file() or not EXAMPLES.is_dir():
        return [pytest.param(None, None, id="gs1-schema-missing")]
    return [pytest.param(name, document, id=test_id) for test_id, name, document in derived()]


def _examples():
    if not EXAMPLES.is_dir():
        return [pytest.param(None, id="gs1-examples-missing")]
    return [pytest.param(path.name, id=path.stem) for path in sorted(EXAMPLES.glob("*.jsonld"))]


def _require_gs1() -> None:
    if not SCHEMA.is_file() or not EXAMPLES.is_dir():
        unavailable(f"GS1's EPCIS JSON schema and examples not found in {STANDARDS}")


def ours(app, document) -> set[tuple[int, str]]:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        return {(index, field) for index, field, _message in validation_problems(document)}


# --- Tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", _examples())
def test_gs1_examples_are_valid_for_both(app, name):
    _require_gs1()
    document = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    assert gs1_fields(document) == set()
    assert ours(app, document) == set()


@pytest.mark.parametrize(("example", "document"), _params())
def test_derived_document_gets_gs1s_verdict(app, example, document):
    _require_gs1()
    expected = gs1_fields(document)
    assert ours(app, document) == expected, f"GS1's schema names {sorted(expected)}"


def test_enough_derived_documents_and_most_break_the_schema():
    _require_gs1()
    documents = derived()
    refused = [test_id for test_id, _name, document in documents if gs1_fields(document)]
    assert len(refused) >= 100, len(refused)
    kinds = {test_id.rsplit(":", 1)[1].split("=")[0] for test_id in refused}
    for kind in ("missing", "eventTime", "eventTimeZoneOffset", "action", "type", "extra field"):
        assert kind in kinds, kind
    assert {"uom", "quantity", "epcClass", "bizStep", "repeated item", "not a list"} <= kinds
