"""The CBV 2.0 event hash of our own events, its rules one by one: pre-hash strings, format,
order independence, changes, excluded fields, prefixes, extensions, sensor data, bodies.
"""

import copy

import pytest

from gs1.event_hash import document_event_hashes, event_hash, prehash_string
from tests.epcis_hash_events import (
    CONTEXT,
    HARVEST,
    HASH_FORMAT,
    SHIPPING,
    TRANSFORMATION,
    ni,
)


def test_harvest_event_prehash():
    """A harvest (commissioning) as our exporter writes it: DL lot, ILMD with our namespace."""
    assert prehash_string(HARVEST, CONTEXT) == (
        "eventType=ObjectEvent"
        "eventTime=2026-03-01T01:30:00.000Z"
        "eventTimeZoneOffset=+07:00"
        "quantityListquantityElement"
        "epcClass=https://id.gs1.org/01/09520123456788/10/LOT1quantity=120uom=KGM"
        "action=ADD"
        "bizStep=https://ref.gs1.org/cbv/BizStep-commissioning"
        "disposition=https://ref.gs1.org/cbv/Disp-active"
        "readPointid=https://id.gs1.org/414/9520123456788"
        "bizLocationid=https://id.gs1.org/414/9520123456788"
        "ilmd"
        "{https://example.org/ns/}householdCount=3"
        "{https://example.org/ns/}originAdminUnit=23677"
        "{urn:epcglobal:cbv:mda}countryOfOrigin=VN"
        "{urn:epcglobal:cbv:mda}harvestStartDate=2026-02-28"
        "{urn:epcglobal:cbv:mda}lotNumber=LOT1"
    )


def test_shipping_event_prehash():
    """A shipment: lists sorted, destinations before sources, extensions last."""
    assert prehash_string(SHIPPING, CONTEXT) == (
        "eventType=ObjectEvent"
        "eventTime=2026-03-05T03:00:00.000Z"
        "eventTimeZoneOffset=+07:00"
        "quantityList"
        "quantityElementepcClass=https://example.org/q/ABCDEFGHJKMNP"
        "quantityElementepcClass=https://id.gs1.org/01/09520123456788/10/LOT1quantity=50.5uom=KGM"
        "action=OBSERVE"
        "bizStep=https://ref.gs1.org/cbv/BizStep-shipping"
        "disposition=https://ref.gs1.org/cbv/Disp-in_transit"
        "readPointid=https://example.org/l/SITE01"
        "bizLocationid=https://example.org/l/SITE01"
        "bizTransactionList"
        "type=https://ref.gs1.org/cbv/BTT-invbizTransaction=https://example.org/ref/invoice/HD-2026-001"
        "type=https://ref.gs1.org/cbv/BTT-pobizTransaction=https://example.org/ref/po/PO%2F7"
        "destinationListtype=https://ref.gs1.org/cbv/SDT-owning_partydestination=https://example.org/p/42"
        "sourceListtype=https://ref.gs1.org/cbv/SDT-owning_party"
        "source=https://id.gs1.org/417/9520123456788"
        "{https://example.org/ns/}contractNumber=HD-01"
    )


def test_transformation_event_prehash():
    """Inputs before outputs; an absent field adds nothing."""
    assert prehash_string(TRANSFORMATION, CONTEXT) == (
        "eventType=TransformationEvent"
        "eventTime=2026-03-02T02:00:00.000Z"
        "eventTimeZoneOffset=+07:00"
        "inputQuantityListquantityElement"
        "epcClass=https://id.gs1.org/01/09520123456788/10/LOT1quantity=100uom=KGM"
        "outputQuantityListquantityElement"
        "epcClass=https://id.gs1.org/01/09520123456788/10/LOT2quantity=40uom=KGM"
        "bizStep=https://ref.gs1.org/cbv/BizStep-commissioning"
        "disposition=https://ref.gs1.org/cbv/Disp-active"
        "readPointid=https://example.org/l/DRYER"
        "ilmd{urn:epcglobal:cbv:mda}lotNumber=LOT2"
    )


@pytest.mark.parametrize(
    "event", [HARVEST, SHIPPING, TRANSFORMATION], ids=["harvest", "ship", "tf"]
)
def test_hash_format(event):
    """ni:///sha-256;<64 lower-case hex>?ver=CBV2.0, the SHA-256 of the pre-hash string."""
    digest = event_hash(event, CONTEXT)
    assert HASH_FORMAT.fullmatch(digest)
    assert digest == ni(prehash_string(event, CONTEXT))


def _reversed_keys(value):
    if isinstance(value, dict):
        return {key: _reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(item) for item in value]
    return value


def _reversed_lists(value):
    if isinstance(value, dict):
        return {key: _reversed_lists(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_reversed_lists(item) for item in reversed(value)]
    return value


@pytest.mark.parametrize(
    "event", [HARVEST, SHIPPING, TRANSFORMATION], ids=["harvest", "ship", "tf"]
)
def test_key_and_list_order_do_not_matter(event):
    """JSON key order and the order of list elements are not part of the event."""
    assert event_hash(_reversed_keys(event), CONTEXT) == event_hash(event, CONTEXT)
    assert event_hash(_reversed_lists(event), CONTEXT) == event_hash(event, CONTEXT)


def test_same_event_written_differently_hashes_the_same():
    """Time zone, CBV URN or CURIE, EPC URI or Digital Link, 120 or "120.000", a full IRI or
    a CURIE for an extension, whitespace around a value: still one event."""
    other = copy.deepcopy(HARVEST)
    other["eventTime"] = "2026-03-01T01:30:00Z"
    other["bizStep"] = "urn:epcglobal:cbv:bizstep:commissioning"
    other["disposition"] = "cbv:Disp-active"
    other["readPoint"] = {"id": "urn:epc:id:sgln:952012345.678.0"}
    other["bizLocation"] = {"id": "http://id.gs1.org/gln/9520123456788?linkType=all"}
    other["quantityList"][0]["quantity"] = "120.000"
    other["quantityList"][0]["epcClass"] = "urn:epc:class:lgtin:952012345.0678.LOT1"
    other["ilmd"]["https://example.org/ns/householdCount"] = other["ilmd"].pop("htx:householdCount")
    other["ilmd"]["cbvmda:lotNumber"] = " LOT1 "
    assert prehash_string(other, CONTEXT) == prehash_string(HARVEST, CONTEXT)


CHANGES = {
    "eventTime": (("eventTime",), "2026-03-01T08:30:00.001+07:00"),
    "offset": (("eventTimeZoneOffset",), "+08:00"),
    "action": (("action",), "OBSERVE"),
    "bizStep": (("bizStep",), "packing"),
    "disposition": (("disposition",), "inactive"),
    "readPoint": (("readPoint", "id"), "https://example.org/414/9520123456771"),
    "quantity": (("quantityList", 0, "quantity"), 121),
    "uom": (("quantityList", 0, "uom"), "TNE"),
    "lot": (("quantityList", 0, "epcClass"), "https://example.org/01/09520123456788/10/LOT9"),
    "ilmd": (("ilmd", "htx:originAdminUnit"), "23678"),
}


@pytest.mark.parametrize(("path", "value"), CHANGES.values(), ids=CHANGES.keys())
def test_a_changed_value_changes_the_hash(path, value):
    """Any change to a field's value changes the hash."""
    changed = copy.deepcopy(HARVEST)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    assert event_hash(changed, CONTEXT) != event_hash(HARVEST, CONTEXT)


def test_added_or_removed_field_changes_the_hash():
    """Adding an extension or removing a field is a change."""
    added = {**HARVEST, "htx:note": "organic"}
    removed = {k: v for k, v in HARVEST.items() if k != "disposition"}
    hashes = {event_hash(e, CONTEXT) for e in (HARVEST, added, removed)}
    assert len(hashes) == 3


def test_repository_and_correction_fields_are_excluded():
    """eventID, recordTime and errorDeclaration (and comments) are not hashed.

    recordTime is set by the receiving repository, eventID is what the hash is for, and an
    error declaration is attached later to the very event it declares erroneous.
    """
    annotated = {
        **HARVEST,
        "eventID": "ni:///sha-256;" + "0" * 64 + "?ver=CBV2.0",
        "recordTime": "2026-03-01T09:00:00.000+07:00",
        "errorDeclaration": {
            "declarationTime": "2026-03-02T09:00:00.000+07:00",
            "reason": "incorrect_data",
            "correctiveEventIDs": ["ni:///sha-256;" + "1" * 64 + "?ver=CBV2.0"],
        },
        "rdfs:comment": "typed at the weighbridge",
    }
    assert prehash_string(annotated, CONTEXT) == prehash_string(HARVEST, CONTEXT)


def test_undeclared_prefix_is_kept_and_declared_one_expanded():
    """Extension names take their namespace from the document's @context."""
    event = {"type": "ObjectEvent", "action": "OBSERVE", "htx:a": "1", "other:b": "2"}
    assert prehash_string(event, CONTEXT) == (
        "eventType=ObjectEventaction=OBSERVEother:b=2{https://example.org/ns/}a=1"
    )
    event["@context"] = {"other": "https://other.example/ns#"}
    assert prehash_string(event, CONTEXT).endswith("{https://other.example/ns#}b=2")


def test_nested_extensions_sorted_inside_their_parent():
    """Nested extensions: each level sorted, lists of values repeat the name (vector 1's rule)."""
    event = {
        "type": "ObjectEvent",
        "readPoint": {"id": "https://example.org/l/A", "htx:zone": "B2"},
        "htx:z": {"htx:b": ["3", "1"], "htx:a": {"htx:c": "x"}},
        "htx:y": "0.50",
    }
    assert prehash_string(event, CONTEXT) == (
        "eventType=ObjectEvent"
        "readPointid=https://example.org/l/A{https://example.org/ns/}zone=B2"
        "{https://example.org/ns/}y=0.5"
        "{https://example.org/ns/}z"
        "{https://example.org/ns/}a{https://example.org/ns/}c=x"
        "{https://example.org/ns/}b=1{https://example.org/ns/}b=3"
    )


def test_sensor_data():
    """Sensor reports in the canonical field order, reports and elements sorted."""
    event = {
        "type": "ObjectEvent",
        "sensorElementList": [
            {
                "sensorMetadata": {"time": "2026-03-01T10:00:00+07:00", "deviceID": "urn:x:1"},
                "sensorReport": [
                    {"type": "Temperature", "value": 26.0, "uom": "CEL"},
                    {"type": "gs1:RelativeHumidity", "value": 81.50, "uom": "P1"},
                ],
            }
        ],
    }
    assert prehash_string(event) == (
        "eventType=ObjectEventsensorElementListsensorElement"
        "sensorMetadatatime=2026-03-01T03:00:00.000ZdeviceID=urn:x:1"
        "sensorReporttype=https://gs1.org/voc/RelativeHumidityvalue=81.5uom=P1"
        "sensorReporttype=https://gs1.org/voc/Temperaturevalue=26uom=CEL"
    )


def test_query_document_and_single_event_body():
    """EPCISQueryDocument results are hashed like a document's event list."""
    query = {
        "@context": CONTEXT,
        "type": "EPCISQueryDocument",
        "epcisBody": {"queryResults": {"resultsBody": {"eventList": [HARVEST, SHIPPING]}}},
    }
    assert document_event_hashes(query) == [
        event_hash(HARVEST, CONTEXT),
        event_hash(SHIPPING, CONTEXT),
    ]
    with pytest.raises(ValueError, match="not an EPCIS document"):
        document_event_hashes({"type": "EPCISDocument"})


def test_event_without_type_is_refused():
    """eventType is the first part of every pre-hash string: no type, no hash."""
    with pytest.raises(ValueError, match="type"):
        event_hash({"eventTime": "2026-03-01T00:00:00Z"})
