"""The CBV 2.0 event hash against GS1's reference vectors, and its rules one by one."""

import copy
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from trace.epcis_hash import (
    document_event_hashes,
    document_events,
    event_hash,
    event_hashes,
    prehash_string,
)
from trace.epcis_hash.identifiers import canonical_gs1_uri
from trace.epcis_hash.values import canonical_number, canonical_timestamp

PROJECT = Path(__file__).resolve().parents[1]
VECTORS = PROJECT.parent / "shared" / "standards" / "epcis" / "event-hash-vectors"
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
CONTEXT = [EPCIS_CONTEXT, {"htx": "https://example.org/ns/"}]
HASH_FORMAT = re.compile(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0")

# Pre-hash lines of the vector files that do not hash to their own .hashes line (checked below),
# so only the hash is compared for them. Any other inconsistent line fails the test.
CORRUPT_PREHASH_LINES = {
    ("epcisDocWithAllGS1Keys", 0): "garbled upstream: fragments of other lines interleaved",
    ("epcisDocWithDefaultSchemaInContext", 1): "truncated: the 'po' transaction is missing",
}


def _lines(path: Path) -> list[str] | None:
    if not path.exists():
        return None
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


def _vector_cases() -> list:
    if not VECTORS.is_dir():
        return [pytest.param(None, None, id="vectors-missing")]
    cases = []
    for path in sorted(VECTORS.glob("*.jsonld")):
        document = json.loads(path.read_text(encoding="utf-8"))
        for index in range(len(document_events(document))):
            cases.append(pytest.param(path, index, id=f"{path.stem}-{index}"))
    return cases or [pytest.param(None, None, id="vectors-missing")]


def _require_vectors() -> None:
    """Skip (locally) or fail (when CI is set) if the shared vectors folder is not there."""
    if VECTORS.is_dir() and any(VECTORS.glob("*.jsonld")):
        return
    reason = f"EPCIS event hash vectors not found in {VECTORS}"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so the shared standards folder must be present")
    pytest.skip(reason)


@pytest.mark.parametrize(("path", "index"), _vector_cases())
def test_vector_event(path, index):
    """Each event of each vector: its pre-hash string, then its hash."""
    _require_vectors()
    document = json.loads(path.read_text(encoding="utf-8"))
    event = document_events(document)[index]
    hashes = _lines(path.with_suffix(".hashes")) or []
    assert len(hashes) > index, f"{path.stem}.hashes has no line for event {index + 1}"
    expected_hash = hashes[index]
    prehashes = _lines(path.with_suffix(".prehashes"))  # optional: some vectors have none

    if prehashes:
        assert len(prehashes) > index, f"{path.stem}.prehashes has no line for event {index + 1}"
        expected = prehashes[index]
        if _ni(expected) == expected_hash:
            assert prehash_string(event, document.get("@context")) == expected
        else:
            assert (path.stem, index) in CORRUPT_PREHASH_LINES, (
                f"{path.name} line {index + 1} does not hash to its own .hashes line"
            )
    assert event_hash(event, document.get("@context")) == expected_hash


def _vector_files() -> list:
    files = sorted(VECTORS.glob("*.jsonld")) if VECTORS.is_dir() else []
    return [pytest.param(p, id=p.stem) for p in files] or [pytest.param(None, id="vectors-missing")]


@pytest.mark.parametrize("path", _vector_files())
def test_vector_document(path):
    """document_event_hashes gives every event's hash, in order, and nothing more."""
    _require_vectors()
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document_event_hashes(document) == _lines(path.with_suffix(".hashes"))


def _ni(prehash: str) -> str:
    return f"ni:///sha-256;{hashlib.sha256(prehash.encode()).hexdigest()}?ver=CBV2.0"


# --- our own events ---------------------------------------------------------------------------

HARVEST = {
    "type": "ObjectEvent",
    "eventTime": "2026-03-01T08:30:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "epcList": [],
    "action": "ADD",
    "bizStep": "commissioning",
    "disposition": "active",
    "readPoint": {"id": "https://example.org/414/9520123456788"},
    "bizLocation": {"id": "https://example.org/414/9520123456788"},
    "quantityList": [
        {
            "epcClass": "https://example.org/01/09520123456788/10/LOT1",
            "quantity": 120.0,
            "uom": "KGM",
        }
    ],
    "ilmd": {
        "cbvmda:lotNumber": "LOT1",
        "cbvmda:countryOfOrigin": "VN",
        "cbvmda:harvestStartDate": "2026-02-28",
        "htx:originAdminUnit": "23677",
        "htx:householdCount": 3,
    },
}

SHIPPING = {
    "type": "ObjectEvent",
    "eventTime": "2026-03-05T10:00:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "epcList": [],
    "action": "OBSERVE",
    "bizStep": "shipping",
    "disposition": "in_transit",
    "readPoint": {"id": "https://example.org/l/SITE01"},
    "bizLocation": {"id": "https://example.org/l/SITE01"},
    "quantityList": [
        {
            "epcClass": "https://example.org/01/09520123456788/10/LOT1",
            "quantity": 50.5,
            "uom": "KGM",
        },
        {"epcClass": "https://example.org/q/ABCDEFGHJKMNP"},
    ],
    "sourceList": [{"type": "owning_party", "source": "https://example.org/417/9520123456788"}],
    "destinationList": [{"type": "owning_party", "destination": "https://example.org/p/42"}],
    "bizTransactionList": [
        {"type": "po", "bizTransaction": "https://example.org/ref/po/PO%2F7"},
        {"type": "inv", "bizTransaction": "https://example.org/ref/invoice/HD-2026-001"},
    ],
    "htx:contractNumber": "HD-01",
}

TRANSFORMATION = {
    "type": "TransformationEvent",
    "eventTime": "2026-03-02T09:00:00.000+07:00",
    "eventTimeZoneOffset": "+07:00",
    "bizStep": "commissioning",
    "disposition": "active",
    "readPoint": {"id": "https://example.org/l/DRYER"},
    "inputQuantityList": [
        {"epcClass": "https://example.org/01/09520123456788/10/LOT1", "quantity": 100, "uom": "KGM"}
    ],
    "outputQuantityList": [
        {"epcClass": "https://example.org/01/09520123456788/10/LOT2", "quantity": 40, "uom": "KGM"}
    ],
    "ilmd": {"cbvmda:lotNumber": "LOT2"},
}


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
    assert digest == _ni(prehash_string(event, CONTEXT))


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


# --- value rules ------------------------------------------------------------------------------


# Every GS1 EPC scheme (the conversions of vector epcisDocWithAllGS1Keys, whose pre-hash line is
# corrupt) and the Digital Link constraints; expected paths are on https://id.gs1.org.
GS1_IDENTIFIERS = [
    ("urn:epc:id:sgtin:0614141.107346.2017", "/01/10614141073464/21/2017"),
    ("urn:epc:id:sgtin:0614141.107346.A(1)", "/01/10614141073464/21/A%281%29"),
    ("urn:epc:id:sgtin:0614141.107346.A%2FB", "/01/10614141073464/21/A%2FB"),
    ("urn:epc:id:sscc:4012345.0000000333", "/00/040123450000003338"),
    ("urn:epc:id:sgln:4012345.00011.0", "/414/4012345000115"),
    ("urn:epc:id:sgln:4012345.00011.987", "/414/4012345000115/254/987"),
    ("urn:epc:id:pgln:4012345.00000", "/417/4012345000009"),
    ("urn:epc:id:grai:4012345.66666.87", "/8003/0401234566666387"),
    ("urn:epc:id:giai:4000001.111", "/8004/4000001111"),
    ("urn:epc:id:gsrn:4012345.9876540000", "/8018/401234598765400000"),
    ("urn:epc:id:gsrnp:4012345.0000098765", "/8017/401234500000987658"),
    ("urn:epc:id:gdti:4012345.11111.123", "/253/4012345111118123"),
    ("urn:epc:id:cpi:4012345.ABC.123", "/8010/4012345ABC/8011/123"),
    ("urn:epc:id:sgcn:4012345.99999.44", "/255/401234599999044"),
    ("urn:epc:id:ginc:4012345.333", "/401/4012345333"),
    ("urn:epc:id:gsin:4012345.999987654", "/402/40123459999876541"),
    ("urn:epc:id:itip:4012345.012345.01.02.999", "/8006/040123451234560102/21/999"),
    ("urn:epc:id:upui:4012345.012345.AB12", "/01/04012345123456/235/AB12"),
    ("urn:epc:class:lgtin:4054739.099914.2016", "/01/04054739999148/10/2016"),
    ("urn:epc:idpat:sgtin:4054739.099914.*", "/01/04054739999148"),
    ("urn:epc:idpat:grai:4012345.66666.*", "/8003/04012345666663"),
    ("urn:epc:idpat:gdti:4012345.55555.*", "/253/4012345555554"),
    ("urn:epc:idpat:sgcn:4012345.99999.*", "/255/4012345999990"),
    ("urn:epc:idpat:cpi:4012345.ABC.*", "/8010/4012345ABC"),
    ("urn:epc:idpat:itip:4012345.012345.01.02.*", "/8006/040123451234560102"),
    ("https://example.org/01/09520123456788/10/LOT1", "/01/09520123456788/10/LOT1"),
    ("http://example.org/r/gtin/9520123456788/lot/L1?17=260101", "/01/09520123456788/10/L1"),
    ("https://id.gs1.org/01/09520123456788/22/2A/10/L1/21/S1", "/01/09520123456788/21/S1"),
    ("https://id.gs1.org/01/09520123456788/22/2A", "/01/09520123456788"),
    ("https://id.gs1.org/414/9520123456788/254/7/", "/414/9520123456788/254/7"),
]


@pytest.mark.parametrize(("value", "path"), GS1_IDENTIFIERS)
def test_gs1_identifiers_become_constrained_canonical_digital_links(value, path):
    """EPC URIs and Digital Links on any domain: one canonical Digital Link (rules 17, 18)."""
    assert canonical_gs1_uri(value) == "https://id.gs1.org" + path


@pytest.mark.parametrize(
    "value",
    [
        "urn:epc:id:sgtin:0614141.10734.1",  # company prefix + item reference ≠ 13 digits
        "urn:epc:id:gid:95100000.12345.400",  # not a GS1 key
        "https://example.org/q/ABCDEFGHJKMNP",
        "https://example.org/01/123",  # not a GTIN
        "https://example.org/01/09520123456788/99/X",  # 99 is no qualifier of a GTIN
        "http://transaction.acme.com/po/12345678",
        "geo:50.947573340894124,6.922120147375441",
    ],
)
def test_other_uris_are_not_gs1_identifiers(value):
    """Anything that is not a well-formed GS1 identifier is hashed as written."""
    assert canonical_gs1_uri(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-02-02T11:04:03.1415Z", "2023-02-02T11:04:03.142Z"),
        ("2023-02-02T11:04:03.1414Z", "2023-02-02T11:04:03.141Z"),
        ("2023-02-02T11:04:03.1425Z", "2023-02-02T11:04:03.143Z"),  # half up, not half even
        ("2020-04-01T15:00:00+01:00", "2020-04-01T14:00:00.000Z"),
        ("2022-02-16T20:33:31.116000-06:00", "2022-02-17T02:33:31.116Z"),
        ("2023-12-31T23:59:59.9995Z", "2024-01-01T00:00:00.000Z"),
        ("2026-02-30T00:00:00Z", "2026-02-30T00:00:00Z"),  # no such day: hashed as written
        ("not a time", "not a time"),
    ],
)
def test_timestamps_in_utc_with_milliseconds(value, expected):
    """UTC, 'Z', exactly three decimals, the fourth rounding half up (rules 8, 9)."""
    assert canonical_timestamp(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1.0", "1"), ("0.3430", "0.343"), ("+5", "5"), ("007", "7"), ("-0.0", "0"), ("1E5", None)],
)
def test_decimals_without_redundant_zeros(value, expected):
    """Quantities without trailing zeros or sign (rule 6); exponents are not xsd:decimal."""
    assert canonical_number(value) == expected


def test_module_does_not_import_flask():
    """The hash is pure Python: importing it loads neither Flask nor SQLAlchemy."""
    code = "import sys, trace.epcis_hash; print(sorted({'flask', 'sqlalchemy'} & set(sys.modules)))"
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_hashing_many_events_at_once_matches_hashing_each():
    """``event_hashes`` shares canonical spellings across events: never one event's with another's.

    Every vector event, hashed one list under one context (so every value recurs across
    structures and fields), and each vector document with its own context, as one by one.
    """
    _require_vectors()
    together = []
    for path in sorted(VECTORS.glob("*.jsonld")):
        document = json.loads(path.read_text(encoding="utf-8"))
        events = document_events(document)
        assert event_hashes(events, document.get("@context")) == [
            event_hash(event, document.get("@context")) for event in events
        ]
        together.extend(events)
    one_by_one = [event_hash(event, CONTEXT) for event in together]
    assert event_hashes(together, CONTEXT) == one_by_one
    # The same value in a field with a vocabulary and in one without stays apart.
    plain = {"type": "ObjectEvent", "action": "OBSERVE", "eventTime": "2026-11-20T08:00:00Z"}
    pair = [plain | {"bizStep": "shipping"}, plain | {"htx:step": "shipping"}]
    assert event_hashes(pair, CONTEXT) == [event_hash(event, CONTEXT) for event in pair]
    assert "BizStep-shipping" in prehash_string(pair[0], CONTEXT)
    assert "BizStep-" not in prehash_string(pair[1], CONTEXT)
