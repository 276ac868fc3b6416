"""The CBV 2.0 event hash's value rules: GS1 identifiers as canonical Digital Links, other URIs,
timestamps in UTC with milliseconds, decimals without redundant zeros.
"""

import pytest

from gs1.event_hash.identifiers import canonical_gs1_uri
from gs1.event_hash.values import canonical_number, canonical_timestamp

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
