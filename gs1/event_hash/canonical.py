"""The pre-hash string: an event's fields in the canonical property order of CBV 2.0.

Each standard field is written ``key=value`` (a parent as its bare key followed by its
children), in a fixed order; the elements of a list are sorted; extensions are written
``{namespace}name=value``, sorted, after the regular fields of the structure holding them.
Nothing separates the parts.
"""

from collections.abc import Callable, Mapping
from typing import Any

from gs1.event_hash.values import (
    CBV,
    GS1_VOC,
    Namespaces,
    canonical_timestamp,
    canonical_value,
    qualified_name,
)

Renderer = Callable[[str, Any, Namespaces], str]

# Not part of the hash: set by the repository (recordTime), derived from the hash (eventID),
# or added later to the very event it declares erroneous (errorDeclaration); comments are
# annotations, not event data.
EXCLUDED = frozenset({"eventID", "recordTime", "errorDeclaration", "comment", "rdfs:comment"})


def event_prehash(event: Mapping[str, Any], ns: Namespaces) -> str:
    """The pre-hash string of one event."""
    event_type = event.get("type") or event.get("@type")
    if not event_type:
        raise ValueError("an EPCIS event needs its type (ObjectEvent, TransformationEvent, …)")
    fields = {k: v for k, v in event.items() if k not in EXCLUDED and not k.startswith("@")}
    fields.pop("type", None)
    return f"eventType={event_type}" + _body(fields, _EVENT, ns)


def _body(obj: Mapping[str, Any], order: Mapping[str, Renderer], ns: Namespaces) -> str:
    """Known fields in order, then the structure's extensions, sorted (rules 20 and 21)."""
    known = [render(key, obj[key], ns) for key, render in order.items() if key in obj]
    if len(known) == len(obj):  # no extension here (the usual case)
        return "".join(known)
    return "".join(known) + extensions({k: v for k, v in obj.items() if k not in order}, ns)


def extensions(obj: Mapping[str, Any], ns: Namespaces) -> str:
    """User extension elements, each ``{ns}name[=value]`` plus its children, sorted."""
    parts = (p for k, v in obj.items() if not k.startswith("@") for p in _extension(k, v, ns))
    return "".join(sorted(parts))


def _extension(key: str, value: Any, ns: Namespaces) -> list[str]:
    if isinstance(value, list):
        return [part for item in value for part in _extension(key, item, ns)]
    value = _unwrap(value)
    name = ns.memo.get(("name", key))
    if name is None:
        name = ns.memo[("name", key)] = qualified_name(key, ns)
    if isinstance(value, dict):
        inner = extensions(value, ns)
        return [name + inner] if inner else []
    text = canonical_value(value, ns) if value is not None else ""
    return [f"{name}={text}"] if text else []


def _items(value: Any) -> list:
    items = value if isinstance(value, list) else [value]
    # A JSON-LD value object or node reference stands for its value or IRI.
    return [_unwrap(item) for item in items]


def _unwrap(value: Any) -> Any:
    if isinstance(value, dict) and ("@value" in value or "@id" in value):
        return value.get("@value", value.get("@id"))
    return value


_PLAIN = frozenset({str, int, float})


def scalar(vocabulary: str | None = None, time: bool = False) -> Renderer:
    """``key=value`` for a value field; a list of values repeats the key, sorted."""

    def render(key: str, value: Any, ns: Namespaces) -> str:
        kind = type(value)
        if time or kind not in _PLAIN:
            return written(key, value, ns)
        # A plain value (the usual case) is written the same wherever it recurs.
        memo_key = (render, key, kind, value)
        known = ns.memo.get(memo_key)
        if known is None:
            known = ns.memo[memo_key] = written(key, value, ns)
        return known

    def written(key: str, value: Any, ns: Namespaces) -> str:
        parts = []
        for item in _items(value):
            if isinstance(item, dict):
                parts.append(key + extensions(item, ns))
            elif item is not None:
                text = canonical_timestamp(str(item)) if time else None
                text = text or canonical_value(item, ns, vocabulary)
                parts.append(f"{key}={text}" if text else "")
        return "".join(sorted(parts))

    return render


def structure(order: Mapping[str, Renderer]) -> Renderer:
    """An object: its key, then its fields in ``order`` and its extensions."""

    def render(key: str, value: Any, ns: Namespaces) -> str:
        # A flat object (a place, a party, a quantity) recurs across events: write it once.
        if type(value) is dict and all(type(v) in _PLAIN for v in value.values()):
            memo_key = (render, key, *value.items())
            known = ns.memo.get(memo_key)
            if known is None:
                known = ns.memo[memo_key] = written(key, value, ns)
            return known
        return written(key, value, ns)

    def written(key: str, value: Any, ns: Namespaces) -> str:
        # A bare value where an object belongs (readPoint: "urn:…") is taken as its id.
        obj = value if isinstance(value, dict) else {"id": value}
        body = _body(obj, order, ns)
        return key + body if body else ""

    return render


def listing(element: str, item: Renderer) -> Renderer:
    """A list: its key once, then each element written by ``item`` under the name ``element``,
    sorted (rules 11 and 12); nothing at all when the list is empty."""

    def render(key: str, value: Any, ns: Namespaces) -> str:
        memo_key = _flat_key(render, key, value)
        if memo_key is None:
            return written(key, value, ns)
        known = ns.memo.get(memo_key)
        if known is None:
            known = ns.memo[memo_key] = written(key, value, ns)
        return known

    def written(key: str, value: Any, ns: Namespaces) -> str:
        parts = sorted(filter(None, (item(element, v, ns) for v in _items(value))))
        return key + "".join(parts) if parts else ""

    return render


def _flat_key(render: Renderer, key: str, value: Any) -> tuple | None:
    """A memo key for a list of plain values or flat objects (parties, quantities), else None."""
    if type(value) is not list:
        return None
    parts: list = [render, key]
    for element in value:
        if type(element) is dict:
            if not all(type(v) in _PLAIN for v in element.values()):
                return None
            parts.append(tuple(element.items()))
        elif type(element) in _PLAIN:
            parts.append((type(element), element))
        else:
            return None
    return tuple(parts)


def _typed(field: str, vocabulary: str) -> Renderer:
    # The vectors put the type before the identifier (rule 13 as the reference implements it).
    return structure({"type": scalar(vocabulary), field: scalar()})


_QUANTITY = listing(
    "quantityElement", structure({"epcClass": scalar(), "quantity": scalar(), "uom": scalar()})
)
_LOCATION = structure({"id": scalar()})
_SENSOR_METADATA = {
    "time": scalar(time=True),
    "startTime": scalar(time=True),
    "endTime": scalar(time=True),
    "deviceID": scalar(),
    "deviceMetadata": scalar(),
    "rawData": scalar(),
    "dataProcessingMethod": scalar(),
    "bizRules": scalar(),
}
_SENSOR_REPORT = {
    "type": scalar(GS1_VOC),
    "exception": scalar(GS1_VOC),
    "deviceID": scalar(),
    "deviceMetadata": scalar(),
    "rawData": scalar(),
    "dataProcessingMethod": scalar(),
    "time": scalar(time=True),
    "microorganism": scalar(),
    "chemicalSubstance": scalar(),
    "value": scalar(),
    "component": scalar(GS1_VOC),
    "stringValue": scalar(),
    "booleanValue": scalar(),
    "hexBinaryValue": scalar(),
    "uriValue": scalar(),
    "minValue": scalar(),
    "maxValue": scalar(),
    "meanValue": scalar(),
    "sDev": scalar(),
    "percRank": scalar(),
    "percValue": scalar(),
    "uom": scalar(),
    "coordinateReferenceSystem": scalar(),
    # In the EPCIS 2.0 schema but not in the CBV order table: kept last among the regular fields.
    "bizRules": scalar(),
}
_REPORTS = listing("sensorReport", structure(_SENSOR_REPORT))


def _sensor_reports(key: str, value: Any, ns: Namespaces) -> str:
    # Unlike other lists, the reports are not wrapped: each is written "sensorReport…" itself.
    return _REPORTS("", value, ns)


def _ilmd(key: str, value: Any, ns: Namespaces) -> str:
    body = extensions(value, ns) if isinstance(value, dict) else ""
    return key + body if body else ""


_SENSOR_ELEMENT = {"sensorMetadata": structure(_SENSOR_METADATA), "sensorReport": _sensor_reports}

# The canonical property order. CBV 2.0 lists sourceList before destinationList; the GS1
# reference vectors (which we pin to) put destinationList first.
_EVENT: dict[str, Renderer] = {
    "eventTime": scalar(time=True),
    "eventTimeZoneOffset": scalar(),
    "certificationInfo": scalar(),
    "parentID": scalar(),
    "epcList": listing("epc", scalar()),
    "inputEPCList": listing("epc", scalar()),
    "childEPCs": listing("epc", scalar()),
    "quantityList": _QUANTITY,
    "childQuantityList": _QUANTITY,
    "inputQuantityList": _QUANTITY,
    "outputEPCList": listing("epc", scalar()),
    "outputQuantityList": _QUANTITY,
    "action": scalar(),
    "transformationID": scalar(),
    "bizStep": scalar(CBV + "BizStep-"),
    "disposition": scalar(CBV + "Disp-"),
    "persistentDisposition": structure(
        {"set": scalar(CBV + "Disp-"), "unset": scalar(CBV + "Disp-")}
    ),
    "readPoint": _LOCATION,
    "bizLocation": _LOCATION,
    "bizTransactionList": listing("", _typed("bizTransaction", CBV + "BTT-")),
    "destinationList": listing("", _typed("destination", CBV + "SDT-")),
    "sourceList": listing("", _typed("source", CBV + "SDT-")),
    "sensorElementList": listing("sensorElement", structure(_SENSOR_ELEMENT)),
    "ilmd": _ilmd,
}
