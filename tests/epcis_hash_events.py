"""Our own EPCIS events (harvest, shipping, transformation) and the context and hash format
shared by the test_epcis_hash*.py modules.
"""

import hashlib
import re

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"

CONTEXT = [EPCIS_CONTEXT, {"htx": "https://example.org/ns/"}]

HASH_FORMAT = re.compile(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0")


def ni(prehash: str) -> str:
    """The CBV 2.0 hash (``ni:///sha-256;…?ver=CBV2.0``) of a pre-hash string."""
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
