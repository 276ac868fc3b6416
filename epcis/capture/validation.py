"""The project's own validation of EPCIS 2.0 JSON documents (marshmallow), needing no file.

It mirrors the rules of GS1's EPCIS 2.0 JSON schema (``EPCIS-JSON-Schema.json``, draft-07),
rule for rule, so that capture works where GS1's file is not installed:

* the EPCISDocument and the EPCISQueryDocument, and a single event sent alone;
* the five event types, each with the fields GS1 names and no other field unless the
  field's name is a URI (an extension such as ``example:myField``); an event of another
  type must be named by a URI and is checked as GS1's "Extended-Event";
* quantity lists (``epcClass`` required, ``quantity`` a number, ``uom`` 2 or 3 capitals or
  digits, no other field), source, destination and business transaction elements (no other
  field), persistent dispositions, sensor elements and reports, ILMD, error declarations;
* identifiers (EPCs, classes, locations, parties…: any absolute URI, RFC 3986, so EPC URNs
  and GS1 Digital Link URIs alike), date-times (RFC 3339, with a leap second only at 23:59
  UTC) and time-zone offsets (−14:00 to +14:00), actions (ADD, OBSERVE, DELETE);
* CBV values where GS1's schema constrains them: a business step, disposition, business
  transaction type, source/destination type, error reason or sensor component is one of the
  CBV's bare words, or a URI outside the CBV's own namespaces.

What it reports, and where, is what GS1's schema reports (held together by
``tests/test_epcis_conformance.py``): each problem at the most precise path, as (event
index or DOCUMENT, ``eventList[3].quantityList[0].uom``, message); a missing field or a
field that is not allowed is named itself, not the element that lacks or holds it.
"""

import ipaddress
import re
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import INCLUDE, Schema, ValidationError, fields, validates_schema

DOCUMENT = -1  # the index of a problem with the document rather than one of its events
DOCUMENT_TYPES = ("EPCISDocument", "EPCISQueryDocument")
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
_SCHEMA = "_schema"  # marshmallow's key of an element's own errors

# --- RFC 3986: an absolute URI (scheme ":" hier-part ["?" query] ["#" fragment]) ---------
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCT = r"%[0-9A-Fa-f]{2}"
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|{_PCT})"
_SEGMENT = rf"{_PCHAR}*"
_SEGMENT_NZ = rf"{_PCHAR}+"
_URI = re.compile(
    rf"""
    [A-Za-z][A-Za-z0-9+\-.]*:                                  # scheme
    (?:
        //
        (?:(?:[{_UNRESERVED}{_SUB_DELIMS}:]|{_PCT})*@)?        # userinfo
        (?P<host>\[[^\]]*\]|(?:[{_UNRESERVED}{_SUB_DELIMS}]|{_PCT})*)
        (?::[0-9]*)?                                          # port
        (?:/{_SEGMENT})*                                      # path-abempty
      | /(?:{_SEGMENT_NZ}(?:/{_SEGMENT})*)?                   # path-absolute
      | {_SEGMENT_NZ}(?:/{_SEGMENT})*                         # path-rootless
      |                                                       # path-empty
    )
    (?:\?(?:{_PCHAR}|[/?])*)?                                 # query
    (?:\#(?:{_PCHAR}|[/?])*)?                                 # fragment
    """,
    re.VERBOSE,
)
_IP_FUTURE = re.compile(rf"v[0-9A-Fa-f]+\.[{_UNRESERVED}{_SUB_DELIMS}:]+")

# --- RFC 3339 date-time, as GS1's schema checks its "date-time" format --------------------
_DATE_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?"
    r"(?:[Zz]|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_OFFSET = re.compile(r"[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00)")
_UOM = re.compile(r"[A-Z0-9]{2,3}")
_VERSION = re.compile(r"\d+(?:\.\d+)*", re.ASCII)  # ECMA-262 \d, as jsonschema-rs
_HEX = re.compile(r"[A-Fa-f0-9]+")
_CBV_NAMESPACE = re.compile(r"urn:epcglobal:cbv|https?://ns\.gs1\.org/cbv/")
_GS1_WEB_VOCABULARY = re.compile(r"https?://gs1\.org/voc/|https?://www\.gs1\.org/voc/")

# --- The CBV's bare words where GS1's schema lists them -----------------------------------
BIZ_STEPS = frozenset(
    [
        "accepting",
        "arriving",
        "assembling",
        "collecting",
        "commissioning",
        "consigning",
        "creating_class_instance",
        "cycle_counting",
        "decommissioning",
        "departing",
        "destroying",
        "disassembling",
        "dispensing",
        "encoding",
        "entering_exiting",
        "holding",
        "inspecting",
        "installing",
        "killing",
        "loading",
        "other",
        "packing",
        "picking",
        "receiving",
        "removing",
        "repackaging",
        "repairing",
        "replacing",
        "reserving",
        "retail_selling",
        "shipping",
        "staging_outbound",
        "stock_taking",
        "stocking",
        "storing",
        "transporting",
        "unloading",
        "unpacking",
        "void_shipping",
        "sensor_reporting",
        "sampling",
    ]
)
DISPOSITIONS = frozenset(
    [
        "active",
        "container_closed",
        "damaged",
        "destroyed",
        "dispensed",
        "disposed",
        "encoded",
        "expired",
        "in_progress",
        "in_transit",
        "inactive",
        "no_pedigree_match",
        "non_sellable_other",
        "partially_dispensed",
        "recalled",
        "reserved",
        "retail_sold",
        "returned",
        "sellable_accessible",
        "sellable_not_accessible",
        "stolen",
        "unknown",
        "available",
        "completeness_verified",
        "completeness_inferred",
        "conformant",
        "container_open",
        "mismatch_instance",
        "mismatch_class",
        "mismatch_quantity",
        "needs_replacement",
        "non_conformant",
        "unavailable",
    ]
)
BIZ_TRANSACTION_TYPES = frozenset(
    [
        "bol",
        "cert",
        "desadv",
        "inv",
        "pedigree",
        "po",
        "poc",
        "prodorder",
        "recadv",
        "rma",
        "testprd",
        "testres",
        "upevt",
    ]
)
SOURCE_DEST_TYPES = frozenset(["owning_party", "possessing_party", "location"])
ERROR_REASONS = frozenset(["did_not_occur", "incorrect_data"])
COMPONENTS = frozenset(
    [
        "x",
        "y",
        "z",
        "axial_distance",
        "azimuth",
        "height",
        "spherical_radius",
        "polar_angle",
        "elevation_angle",
        "easting",
        "northing",
        "latitude",
        "longitude",
        "altitude",
    ]
)
MEASUREMENT_TYPES = frozenset(
    [
        "AbsoluteHumidity",
        "AbsorbedDose",
        "AbsorbedDoseRate",
        "Acceleration",
        "Radioactivity",
        "Altitude",
        "AmountOfSubstance",
        "AmountOfSubstancePerUnitVolume",
        "Angle",
        "AngularAcceleration",
        "AngularMomentum",
        "AngularVelocity",
        "Area",
        "Capacitance",
        "Conductance",
        "Conductivity",
        "Count",
        "Density",
        "Dimensionless",
        "DoseEquivalent",
        "DoseEquivalentRate",
        "DynamicViscosity",
        "ElectricCharge",
        "ElectricCurrent",
        "ElectricCurrentDensity",
        "ElectricFieldStrength",
        "Energy",
        "Exposure",
        "Force",
        "Frequency",
        "Illuminance",
        "Inductance",
        "Irradiance",
        "KinematicViscosity",
        "Length",
        "LinearMomentum",
        "Luminance",
        "LuminousFlux",
        "LuminousIntensity",
        "MagneticFlux",
        "MagneticFluxDensity",
        "MagneticVectorPotential",
        "Mass",
        "MassConcentration",
        "MassFlowRate",
        "MassPerAreaTime",
        "MemoryCapacity",
        "MolalityOfSolute",
        "MolarEnergy",
        "MolarMass",
        "MolarVolume",
        "Power",
        "Pressure",
        "RadiantFlux",
        "RadiantIntensity",
        "RelativeHumidity",
        "Resistance",
        "Resistivity",
        "SolidAngle",
        "SpecificVolume",
        "Speed",
        "SurfaceDensity",
        "SurfaceTension",
        "Temperature",
        "Time",
        "Torque",
        "Voltage",
        "Volume",
        "VolumeFlowRate",
        "VolumeFraction",
        "VolumetricFlux",
        "Wavenumber",
    ]
)
SENSOR_ALERT_TYPES = frozenset(["ALARM_CONDITION", "ERROR_CONDITION"])
ACTIONS = ("ADD", "OBSERVE", "DELETE")


# --- Values -------------------------------------------------------------------------------


def is_uri(value) -> bool:
    """True for an absolute URI by RFC 3986 (GS1's "uri" format): EPC URNs, Digital Link."""
    return isinstance(value, str) and _is_uri(value)


@lru_cache(maxsize=16384)  # a document names the same places, parties and classes again
def _is_uri(value: str) -> bool:
    match = _URI.fullmatch(value)
    if match is None:
        return False
    host = match.group("host")
    if host and host.startswith("["):
        return _ip_literal(host[1:-1])
    return True


def _ip_literal(inside: str) -> bool:
    if _IP_FUTURE.fullmatch(inside):
        return True
    if "%" in inside or not inside or not inside.isascii():
        return False
    try:
        ipaddress.IPv6Address(inside)
    except ValueError:
        return False
    return True


def is_date_time(value) -> bool:
    """True for an RFC 3339 date-time with its offset; second 60 only at 23:59 UTC."""
    if not isinstance(value, str):
        return False
    match = _DATE_TIME.fullmatch(value)
    if match is None:
        return False
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    sign, offset_hour, offset_minute = match.group(7), match.group(8), match.group(9)
    offset = 0
    if sign:
        offset_hour, offset_minute = int(offset_hour), int(offset_minute)
        if offset_hour > 23 or offset_minute > 59:
            return False
        offset = (offset_hour * 60 + offset_minute) * (1 if sign == "+" else -1)
    if not 1 <= month <= 12 or not 1 <= day <= _days_in(year, month):
        return False
    if hour > 23 or minute > 59 or second > 60:
        return False
    return second < 60 or (hour * 60 + minute - offset) % 1440 == 23 * 60 + 59


def _days_in(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _json_key(value):
    """A hashable form of a JSON value, equal exactly when JSON Schema calls two values equal."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("a", tuple(_json_key(item) for item in value))
    if isinstance(value, dict):
        return ("o", frozenset((key, _json_key(item)) for key, item in value.items()))
    return ("?", repr(value))


def _all_unique(values: list) -> bool:
    keys = [_json_key(value) for value in values]
    return len(set(keys)) == len(keys)


# --- Fields -------------------------------------------------------------------------------


class _Value(fields.Field):
    """A field checked by ``ok``; anything else, null included, gets the field's message."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["required"] = _l("This field is required.")

    def _accepts(self, value) -> bool:  # pragma: no cover - every field defines it
        raise NotImplementedError

    def _refusal(self) -> str:  # pragma: no cover - every field defines it
        raise NotImplementedError

    def deserialize(self, value, attr=None, data=None, **kwargs):
        if value is fields.missing_:
            return super().deserialize(value, attr, data, **kwargs)
        if not self._accepts(value):
            raise ValidationError(self._refusal())
        return value


class Uri(_Value):
    """An identifier: any absolute URI (an EPC URN, a GS1 Digital Link URI, a URL…)."""

    def _accepts(self, value) -> bool:
        return is_uri(value)

    def _refusal(self) -> str:
        return _(
            "Not a URI (such as urn:epc:id:sgtin:0614141.107346.2017"
            " or https://id.gs1.org/01/09521234543213/10/LOT1)."
        )


class DateTime(_Value):
    """An RFC 3339 date and time with its offset, kept as sent."""

    def _accepts(self, value) -> bool:
        return is_date_time(value)

    def _refusal(self) -> str:
        return _("Not a date and time with its offset (such as 2026-05-01T08:30:00.000+07:00).")


class Offset(_Value):
    """A time-zone offset, −14:00 to +14:00."""

    def _accepts(self, value) -> bool:
        return isinstance(value, str) and _OFFSET.fullmatch(value) is not None

    def _refusal(self) -> str:
        return _("Not a time-zone offset from -14:00 to +14:00 (such as +07:00).")


class Text(_Value):
    """Any text."""

    def _accepts(self, value) -> bool:
        return isinstance(value, str)

    def _refusal(self) -> str:
        return _("Not a valid text.")


class Number(_Value):
    """A JSON number (not a text, not true or false)."""

    def _accepts(self, value) -> bool:
        return _is_number(value)

    def _refusal(self) -> str:
        return _("Not a valid number.")


class Boolean(_Value):
    """JSON true or false."""

    def _accepts(self, value) -> bool:
        return isinstance(value, bool)

    def _refusal(self) -> str:
        return _("Not a valid yes/no value.")


class Pattern(_Value):
    """Text matching a regular expression whole."""

    def __init__(self, pattern: re.Pattern, message, **kwargs):
        super().__init__(**kwargs)
        self.pattern, self.text = pattern, message

    def _accepts(self, value) -> bool:
        return isinstance(value, str) and self.pattern.fullmatch(value) is not None

    def _refusal(self) -> str:
        return str(self.text)


class Choice(_Value):
    """One of a few words (an action: ADD, OBSERVE or DELETE)."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = tuple(choices)

    def _accepts(self, value) -> bool:
        return isinstance(value, str) and value in self.choices

    def _refusal(self) -> str:
        return _("Not one of %(values)s.", values=", ".join(self.choices))


class Vocabulary(_Value):
    """A standard vocabulary's bare word, or a URI outside that vocabulary's namespaces."""

    def __init__(self, words: frozenset, example: str, namespaces=_CBV_NAMESPACE, **kwargs):
        super().__init__(**kwargs)
        self.words, self.example, self.namespaces = words, example, namespaces

    def _accepts(self, value) -> bool:
        if not isinstance(value, str):
            return False
        if value in self.words:
            return True
        return is_uri(value) and self.namespaces.match(value) is None

    def _refusal(self) -> str:
        return _(
            "Neither one of the standard's values (such as %(example)s) nor a URI of"
            " another vocabulary; the standard's own URIs are sent as their bare words.",
            example=self.example,
        )


class Context(_Value):
    """A JSON-LD @context: a URI, an object, or a list of distinct URIs and objects."""

    def _accepts(self, value) -> bool:
        if isinstance(value, dict) or is_uri(value):
            return True
        return (
            isinstance(value, list)
            and all(isinstance(item, dict) or is_uri(item) for item in value)
            and _all_unique(value)
        )

    def _refusal(self) -> str:
        return _("Not a JSON-LD context: a URI, an object, or a list of distinct ones.")


class UriOrUris(_Value):
    """A URI or a list of URIs (certificationInfo)."""

    def _accepts(self, value) -> bool:
        return is_uri(value) or (isinstance(value, list) and all(map(is_uri, value)))

    def _refusal(self) -> str:
        return _("Not a URI or a list of URIs.")


class AttributeValue(_Value):
    """A master data attribute's value: a number, a text or an object."""

    def _accepts(self, value) -> bool:
        return _is_number(value) or isinstance(value, str | dict)

    def _refusal(self) -> str:
        return _("Not a number, a text or an object.")


class List(fields.List):
    """A JSON array of ``item``; with ``unique``, no value twice; ``min_items`` at least."""

    def __init__(self, item, unique: bool = False, min_items: int = 0, **kwargs):
        super().__init__(item, **kwargs)
        self.unique, self.min_items = unique, min_items
        self.error_messages["invalid"] = _l("Not a list.")
        self.error_messages["null"] = _l("Not a list.")
        self.error_messages["required"] = _l("This field is required.")

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise self.make_error("invalid")
        result = super()._deserialize(value, attr, data, **kwargs)
        if len(value) < self.min_items:
            raise ValidationError(_("The list must not be empty."))
        if self.unique and not _all_unique(value):
            raise ValidationError(_("The same value appears twice in this list."))
        return result


_SCALARS = (str, int, float, bool, type(None))
_KNOWN_VALID_MAX = 4096


def _flat_key(value: dict):
    """A hashable copy of an object whose values are all scalars (types kept: 1 is not
    true), or None. A document names the same places, parties and classes again and again."""
    items = []
    for key, inner in value.items():
        if not isinstance(inner, _SCALARS):
            return None
        items.append((key, type(inner), inner))
    return frozenset(items)


class Object(fields.Nested):
    """A JSON object checked by ``schema``. A flat object found valid is remembered (its
    verdict depends on nothing else), so a document's repeated places, parties and quantity
    elements are checked once."""

    def __init__(self, schema, **kwargs):
        super().__init__(schema, **kwargs)
        self.error_messages["null"] = _l("Not a JSON object.")
        self.error_messages["type"] = _l("Not a JSON object.")
        self.error_messages["required"] = _l("This field is required.")
        self.known_valid: set = set()

    def _deserialize(self, value, attr, data, partial=None, **kwargs):
        if not isinstance(value, dict):
            raise ValidationError(_("Not a JSON object."))
        key = _flat_key(value)
        if key is not None and key in self.known_valid:
            return value
        result = super()._deserialize(value, attr, data, partial=partial, **kwargs)
        if key is not None:
            if len(self.known_valid) >= _KNOWN_VALID_MAX:
                self.known_valid.clear()
            self.known_valid.add(key)
        return result


# --- Objects ------------------------------------------------------------------------------


class _Element(Schema):
    """A JSON object of GS1's schema. ``OTHER_FIELDS`` says which names it accepts beside
    its own: "any" (GS1 names no rule), "uri" (an extension named by a URI, GS1's
    "propertyNames") or "none" (GS1's "additionalProperties": false)."""

    OTHER_FIELDS = "any"

    class Meta:
        unknown = INCLUDE

    error_messages = {"type": _l("Not a JSON object.")}

    @classmethod
    def own_names(cls) -> frozenset:
        """The names of its own fields, as sent."""
        names = cls.__dict__.get("_names")
        if names is None:
            names = frozenset(f.data_key or n for n, f in cls._declared_fields.items())
            cls._names = names
        return names

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _other_fields(self, _data, original, **kwargs):
        if self.OTHER_FIELDS == "any" or not isinstance(original, dict):
            return
        own = self.own_names()
        if self.OTHER_FIELDS == "uri":
            wrong = [name for name in original if name not in own and not is_uri(name)]
        else:
            wrong = [name for name in original if name not in own]
        if wrong:
            if self.OTHER_FIELDS == "uri":
                message = _("is not an EPCIS field, nor an extension named by a URI or prefix:name")
            else:
                message = _("GS1's schema allows no other field here.")
            raise ValidationError({name: [message] for name in wrong})


class QuantityElement(_Element):
    """A quantity element: the class, how much, in what unit; no other field."""

    OTHER_FIELDS = "none"
    epcClass = Uri(required=True)  # noqa: N815 - EPCIS names
    quantity = Number()
    uom = Pattern(
        _UOM, _l("Not a UN/CEFACT unit code: 2 or 3 capital letters or digits (such as KGM).")
    )


class _Place(_Element):
    id = Uri(required=True)


class BizTransaction(_Element):
    """A business transaction: its identifier and CBV type; no other field."""

    OTHER_FIELDS = "none"
    type = Vocabulary(BIZ_TRANSACTION_TYPES, "po")
    bizTransaction = Uri(required=True)  # noqa: N815


class Source(_Element):
    """A source: party or location, and its CBV type; no other field."""

    OTHER_FIELDS = "none"
    type = Vocabulary(SOURCE_DEST_TYPES, "owning_party", required=True)
    source = Uri(required=True)


class Destination(_Element):
    """A destination: party or location, and its CBV type; no other field."""

    OTHER_FIELDS = "none"
    type = Vocabulary(SOURCE_DEST_TYPES, "owning_party", required=True)
    destination = Uri(required=True)


def _dispositions():
    return List(Vocabulary(DISPOSITIONS, "in_transit"), unique=True, min_items=1)


class PersistentDisposition(_Element):
    """Dispositions set or unset for good; no other field."""

    OTHER_FIELDS = "none"
    set = _dispositions()
    unset = _dispositions()

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _set_or_unset(self, _data, original, **kwargs):
        if "set" not in original and "unset" not in original:
            raise ValidationError(_("Give the dispositions to set, to unset, or both."))


class SensorMetadata(_Element):
    """What a sensor element's reports share: device, time, rules."""

    OTHER_FIELDS = "uri"
    time = DateTime()
    deviceID = Uri()  # noqa: N815
    deviceMetadata = Uri()  # noqa: N815
    rawData = Uri()  # noqa: N815
    startTime = DateTime()  # noqa: N815
    endTime = DateTime()  # noqa: N815
    dataProcessingMethod = Uri()  # noqa: N815
    bizRules = Uri()  # noqa: N815


class SensorReport(_Element):
    """One sensor reading: its measurement type and value."""

    OTHER_FIELDS = "uri"
    type = Vocabulary(MEASUREMENT_TYPES, "Temperature", _GS1_WEB_VOCABULARY, required=True)
    exception = Vocabulary(SENSOR_ALERT_TYPES, "ALARM_CONDITION", _GS1_WEB_VOCABULARY)
    deviceID = Uri()  # noqa: N815
    deviceMetadata = Uri()  # noqa: N815
    rawData = Uri()  # noqa: N815
    dataProcessingMethod = Uri()  # noqa: N815
    bizRules = Uri()  # noqa: N815
    time = DateTime()
    microorganism = Uri()
    chemicalSubstance = Uri()  # noqa: N815
    coordinateReferenceSystem = Uri()  # noqa: N815
    value = Number()
    component = Vocabulary(COMPONENTS, "latitude")
    stringValue = Text()  # noqa: N815
    booleanValue = Boolean()  # noqa: N815
    hexBinaryValue = Pattern(_HEX, _l("Not hexadecimal digits."))  # noqa: N815
    uriValue = Uri()  # noqa: N815
    minValue = Number()  # noqa: N815
    maxValue = Number()  # noqa: N815
    meanValue = Number()  # noqa: N815
    sDev = Number()  # noqa: N815
    percRank = Number()  # noqa: N815
    percValue = Number()  # noqa: N815
    uom = Text()


class SensorElement(_Element):
    """A sensor element: its metadata and at least one report."""

    OTHER_FIELDS = "uri"
    sensorMetadata = Object(SensorMetadata)  # noqa: N815
    sensorReport = List(Object(SensorReport), min_items=1, required=True)  # noqa: N815


class Ilmd(_Element):
    """Instance/lot master data: any fields, each named by a URI."""

    OTHER_FIELDS = "uri"


class ErrorDeclaration(_Element):
    """An event declared erroneous: when, why, and what corrects it."""

    OTHER_FIELDS = "uri"
    declarationTime = DateTime(required=True)  # noqa: N815
    reason = Vocabulary(ERROR_REASONS, "incorrect_data")
    correctiveEventIDs = List(Uri())  # noqa: N815


class Attribute(_Element):
    """A master data attribute."""

    id = Uri(required=True)
    attribute = AttributeValue()


class VocabularyElement(_Element):
    """A master data element: its id, attributes and children."""

    id = Uri(required=True)
    attributes = List(Object(Attribute))
    children = List(Uri())


class VocabularyEntry(_Element):
    """A master data vocabulary: its type and elements."""

    type = Uri(required=True)
    vocabularyElementList = List(Object(VocabularyElement))  # noqa: N815


class MasterData(_Element):
    """The header's master data."""

    vocabularyList = List(Object(VocabularyEntry))  # noqa: N815


class Header(_Element):
    """The document's header."""

    OTHER_FIELDS = "uri"
    epcisMasterData = Object(MasterData)  # noqa: N815


# --- Events -------------------------------------------------------------------------------


def _items(key: str, original: dict, min_items: int = 1) -> bool:
    """True when the event has a list ``key`` of at least ``min_items`` items."""
    value = original.get(key)
    return isinstance(value, list) and len(value) >= min_items


def _action_is(original: dict, word: str) -> bool:
    """GS1's ``"action": {"pattern": "^WORD$"}`` without "required": absent passes."""
    return "action" not in original or original["action"] == word


class _Event(_Element):
    """GS1's "Event": what every event has."""

    OTHER_FIELDS = "uri"
    TYPE = None
    context = Context(data_key="@context")
    eventTime = DateTime(required=True)  # noqa: N815
    recordTime = DateTime()  # noqa: N815
    eventTimeZoneOffset = Offset(required=True)  # noqa: N815
    eventID = Uri()  # noqa: N815
    certificationInfo = UriOrUris()  # noqa: N815
    errorDeclaration = Object(ErrorDeclaration)  # noqa: N815

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _shape(self, _data, original, **kwargs):
        if isinstance(original, dict):
            messages = self.shape_problems(original)
            if messages:
                raise ValidationError(messages)

    def shape_problems(self, original: dict) -> list[str]:
        """What the event's type requires of its fields together and they lack."""
        return []


def _event_type(name: str):
    return Choice([name], required=True)


class ObjectEvent(_Event):
    """An ObjectEvent: what was observed, added or deleted."""

    type = _event_type("ObjectEvent")
    epcList = List(Uri(), unique=True)  # noqa: N815
    quantityList = List(Object(QuantityElement))  # noqa: N815
    action = Choice(ACTIONS, required=True)
    bizStep = Vocabulary(BIZ_STEPS, "shipping")  # noqa: N815
    disposition = Vocabulary(DISPOSITIONS, "in_transit")
    persistentDisposition = Object(PersistentDisposition)  # noqa: N815
    readPoint = Object(_Place)  # noqa: N815
    bizLocation = Object(_Place)  # noqa: N815
    ilmd = Object(Ilmd)
    bizTransactionList = List(Object(BizTransaction))  # noqa: N815
    sourceList = List(Object(Source))  # noqa: N815
    destinationList = List(Object(Destination))  # noqa: N815
    sensorElementList = List(Object(SensorElement))  # noqa: N815

    def shape_problems(self, original: dict) -> list[str]:  # noqa: D102 - _Event's
        problems = []
        sensed = _items("sensorElementList", original) and "readPoint" in original
        if not ("epcList" in original or _items("quantityList", original) or sensed):
            problems.append(
                _(
                    "An ObjectEvent needs an epcList, a quantityList, or a sensorElementList"
                    " with a readPoint."
                )
            )
        if "ilmd" in original and not _action_is(original, "ADD"):
            problems.append(_("Only an ObjectEvent whose action is ADD may carry ilmd."))
        return problems


class AggregationEvent(_Event):
    """An AggregationEvent: children put in or taken out of a parent."""

    type = _event_type("AggregationEvent")
    parentID = Uri()  # noqa: N815
    childEPCs = List(Uri())  # noqa: N815
    childQuantityList = List(Object(QuantityElement))  # noqa: N815
    action = Choice(ACTIONS, required=True)
    bizStep = Vocabulary(BIZ_STEPS, "packing")  # noqa: N815
    disposition = Vocabulary(DISPOSITIONS, "in_progress")
    readPoint = Object(_Place)  # noqa: N815
    bizLocation = Object(_Place)  # noqa: N815
    bizTransactionList = List(Object(BizTransaction))  # noqa: N815
    sourceList = List(Object(Source))  # noqa: N815
    destinationList = List(Object(Destination))  # noqa: N815
    sensorElementList = List(Object(SensorElement))  # noqa: N815

    def shape_problems(self, original: dict) -> list[str]:  # noqa: D102 - _Event's
        if (
            _items("childEPCs", original)
            or _items("childQuantityList", original)
            or _action_is(original, "DELETE")
        ):
            return []
        message = _(
            "An %(type)s needs childEPCs or a childQuantityList unless its action is DELETE.",
            type=self.__class__.__name__,
        )
        return [message]


class AssociationEvent(AggregationEvent):
    """An AssociationEvent: children associated with a parent (parentID required)."""

    type = _event_type("AssociationEvent")
    parentID = Uri(required=True)  # noqa: N815


class TransactionEvent(_Event):
    """A TransactionEvent: objects tied to business transactions."""

    type = _event_type("TransactionEvent")
    bizTransactionList = List(Object(BizTransaction), min_items=1, required=True)  # noqa: N815
    parentID = Uri()  # noqa: N815
    epcList = List(Uri())  # noqa: N815
    quantityList = List(Object(QuantityElement))  # noqa: N815
    action = Choice(ACTIONS, required=True)
    bizStep = Vocabulary(BIZ_STEPS, "shipping")  # noqa: N815
    disposition = Vocabulary(DISPOSITIONS, "in_transit")
    readPoint = Object(_Place)  # noqa: N815
    bizLocation = Object(_Place)  # noqa: N815
    sourceList = List(Object(Source))  # noqa: N815
    destinationList = List(Object(Destination))  # noqa: N815
    sensorElementList = List(Object(SensorElement))  # noqa: N815

    def shape_problems(self, original: dict) -> list[str]:  # noqa: D102 - _Event's
        if (
            "epcList" in original
            or _items("quantityList", original)
            or _action_is(original, "DELETE")
        ):
            return []
        message = _(
            "A TransactionEvent needs an epcList or a quantityList unless its action is DELETE."
        )
        return [message]


class TransformationEvent(_Event):
    """A TransformationEvent: inputs consumed, outputs made."""

    type = _event_type("TransformationEvent")
    inputEPCList = List(Uri(), unique=True)  # noqa: N815
    inputQuantityList = List(Object(QuantityElement))  # noqa: N815
    outputEPCList = List(Uri(), unique=True)  # noqa: N815
    outputQuantityList = List(Object(QuantityElement))  # noqa: N815
    transformationID = Uri()  # noqa: N815
    bizStep = Vocabulary(BIZ_STEPS, "commissioning")  # noqa: N815
    disposition = Vocabulary(DISPOSITIONS, "active")
    persistentDisposition = Object(PersistentDisposition)  # noqa: N815
    readPoint = Object(_Place)  # noqa: N815
    bizLocation = Object(_Place)  # noqa: N815
    ilmd = Object(Ilmd)
    bizTransactionList = List(Object(BizTransaction))  # noqa: N815
    sourceList = List(Object(Source))  # noqa: N815
    destinationList = List(Object(Destination))  # noqa: N815
    sensorElementList = List(Object(SensorElement))  # noqa: N815

    def shape_problems(self, original: dict) -> list[str]:  # noqa: D102 - _Event's
        inputs = _items("inputEPCList", original) or _items("inputQuantityList", original)
        outputs = _items("outputEPCList", original) or _items("outputQuantityList", original)
        if (inputs and outputs) or ((inputs or outputs) and "transformationID" in original):
            return []
        message = _(
            "A TransformationEvent needs inputs and outputs, or a transformationID"
            " with inputs or outputs."
        )
        return [message]


class ExtendedType(_Value):
    """The type of an event that is none of the five: a URI naming it."""

    def _accepts(self, value) -> bool:
        return is_uri(value)

    def _refusal(self) -> str:
        return _(
            "Not an EPCIS event type (ObjectEvent, AggregationEvent, TransactionEvent,"
            " TransformationEvent, AssociationEvent) nor a URI naming another."
        )


class ExtendedEvent(_Event):
    """GS1's "Extended-Event": an event of a type named by a URI, any fields."""

    OTHER_FIELDS = "any"
    type = ExtendedType(required=True)


class Anything(_Value):
    """Any value (only its presence is required)."""

    def _accepts(self, value) -> bool:
        return True


_EVENTS = {
    name: schema()
    for name, schema in (
        ("ObjectEvent", ObjectEvent),
        ("AggregationEvent", AggregationEvent),
        ("TransactionEvent", TransactionEvent),
        ("TransformationEvent", TransformationEvent),
        ("AssociationEvent", AssociationEvent),
    )
}
_EXTENDED = ExtendedEvent()


def _event_schemas(value: dict) -> list[Schema]:
    """GS1's if/then: the event's type's schema; all five when it has no type."""
    if "type" not in value:
        return list(_EVENTS.values())
    schema = _EVENTS.get(value["type"]) if isinstance(value["type"], str) else None
    return [schema] if schema else [_EXTENDED]


def _merged(into: dict, more: dict) -> dict:
    for key, value in more.items():
        if key in into and isinstance(into[key], dict) and isinstance(value, dict):
            _merged(into[key], value)
        elif key in into:
            into[key] = _as_list(into[key]) + _as_list(value)
        else:
            into[key] = value
    return into


def _as_list(value) -> list:
    if isinstance(value, dict):
        return [value]
    return list(value) if isinstance(value, list | tuple) else [value]


def _errors_of(schemas: list[Schema], value: dict) -> dict:
    errors: dict = {}
    for schema in schemas:
        _merged(errors, schema.validate(value))
    return errors


class EventItem(fields.Field):
    """One event of an event list, checked by its type's schema."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        """The event as sent, or a ValidationError with its problems by field."""
        if not isinstance(value, dict):
            raise ValidationError(_("Not a JSON object."))
        errors = _errors_of(_event_schemas(value), value)
        if errors:
            raise ValidationError(errors)
        return value


class Body(_Element):
    """An EPCISDocument's body: the event list."""

    eventList = List(EventItem(), required=True)  # noqa: N815


class ResultsBody(_Element):
    """A query's results: the event list and master data."""

    OTHER_FIELDS = "uri"
    eventList = List(EventItem(), required=True)  # noqa: N815
    vocabularyList = List(Object(VocabularyEntry))  # noqa: N815


class QueryResults(_Element):
    """An EPCISQueryDocument's query results."""

    OTHER_FIELDS = "uri"
    queryName = Text(required=True)  # noqa: N815
    subscriptionID = Text()  # noqa: N815
    resultsBody = Object(ResultsBody, required=True)  # noqa: N815


class QueryBody(_Element):
    """An EPCISQueryDocument's body."""

    OTHER_FIELDS = "uri"
    queryResults = Object(QueryResults, required=True)  # noqa: N815


class _Document(_Element):
    OTHER_FIELDS = "uri"
    context = Context(data_key="@context", required=True)
    id = Uri()
    schemaVersion = Pattern(_VERSION, _l("Not a version number (such as 2.0)."))  # noqa: N815
    creationDate = DateTime()  # noqa: N815


class EPCISDocument(_Document):
    """An EPCISDocument, as a captured document usually is."""

    type = _event_type("EPCISDocument")
    schemaVersion = Pattern(  # noqa: N815
        _VERSION, _l("Not a version number (such as 2.0)."), required=True
    )
    creationDate = DateTime(required=True)  # noqa: N815
    instanceIdentifier = Text()  # noqa: N815
    sender = Text()
    receiver = Text()
    epcisHeader = Object(Header)  # noqa: N815
    epcisBody = Object(Body, required=True)  # noqa: N815


class EPCISQueryDocument(_Document):
    """An EPCISQueryDocument: a query's results, captured as a document too."""

    type = _event_type("EPCISQueryDocument")
    epcisBody = Object(QueryBody, required=True)  # noqa: N815


class _WithContext(Schema):
    """GS1's "required-ld-context": an event sent alone names its @context."""

    class Meta:
        unknown = INCLUDE

    context = Anything(data_key="@context", required=True)


_DOCUMENTS = {"EPCISDocument": EPCISDocument(), "EPCISQueryDocument": EPCISQueryDocument()}
_WITH_CONTEXT = _WithContext()


def _root_schemas(document: dict) -> list[Schema]:
    """GS1's top-level if/then: a document, or an event sent alone (with its @context)."""
    kind = document.get("type")
    if "type" not in document:
        return [*_DOCUMENTS.values(), *_EVENTS.values(), _WITH_CONTEXT]
    if isinstance(kind, str) and kind in _DOCUMENTS:
        return [_DOCUMENTS[kind]]
    return [*_event_schemas(document), _WITH_CONTEXT]


def _root_errors(document: dict) -> dict:
    errors = _errors_of(_root_schemas(document), document)
    if "type" not in document:
        _merged(errors, {"type": [_("This field is required.")]})
    elif not isinstance(document["type"], str):
        _merged(errors, {"type": [_("Not a valid text.")]})
    return errors


# --- Problems -----------------------------------------------------------------------------


def validation_problems(document) -> list[tuple[int, str, str]]:
    """Every place ``document`` breaks EPCIS 2.0's JSON rules, as (event index or DOCUMENT,
    field, message), each at its most precise path (as GS1's schema would name them)."""
    if not isinstance(document, dict):
        return [(DOCUMENT, "(document)", _("Not a JSON object."))]
    found = list(_flattened(_root_errors(document), ()))
    return most_precise(found)


def most_precise(found: list[tuple[tuple, str]]) -> list[tuple[int, str, str]]:
    """(index, field, message) of each (path, message) whose path no other one extends."""
    paths = [path for path, _message in found]
    problems = []
    for path, message in found:
        if any(len(other) > len(path) and other[: len(path)] == path for other in paths):
            continue
        index, field = located(path)
        problem = (index, field, str(message))
        if problem not in problems:
            problems.append(problem)
    return problems


def _flattened(errors, path: tuple):
    if isinstance(errors, dict):
        for key, inner in errors.items():
            yield from _flattened(inner, path if key == _SCHEMA else (*path, key))
    elif isinstance(errors, list | tuple):
        for inner in errors:
            yield from _flattened(inner, path)
    else:
        yield path, errors


def located(path: tuple) -> tuple[int, str]:
    """The event index and a JSON path from the event list: eventList[3].quantityList[0]."""
    parts = list(path)
    index = DOCUMENT
    if "eventList" in parts:
        start = parts.index("eventList")
        if start + 1 < len(parts) and isinstance(parts[start + 1], int):
            index = parts[start + 1]
        parts = parts[start:]
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return index, text or "(document)"
