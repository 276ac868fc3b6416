"""The JSON objects of GS1's EPCIS 2.0 schema other than events: quantities, places,
transactions, sensors, ILMD, error declarations, master data, the header."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import INCLUDE, Schema, ValidationError, validates_schema

from epcis.capture.validation.values import (
    GS1_WEB_VOCABULARY,
    HEX,
    UOM,
    AttributeValue,
    Boolean,
    DateTime,
    List,
    Number,
    Object,
    Pattern,
    Text,
    Uri,
    Vocabulary,
    is_uri,
)
from epcis.capture.validation.vocabulary import (
    BIZ_TRANSACTION_TYPES,
    COMPONENTS,
    DISPOSITIONS,
    ERROR_REASONS,
    MEASUREMENT_TYPES,
    SENSOR_ALERT_TYPES,
    SOURCE_DEST_TYPES,
)

# --- Objects ------------------------------------------------------------------------------


class Element(Schema):
    """A JSON object of GS1's schema. ``OTHER_FIELDS`` says which names it accepts beside
    its own: "any" (GS1 names no rule), "uri" (an extension named by a URI, GS1's
    "propertyNames") or "none" (GS1's "additionalProperties": false)."""

    OTHER_FIELDS = "any"

    class Meta:
        """Unknown names reach the shape check, which judges them by ``OTHER_FIELDS``."""

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


class QuantityElement(Element):
    """A quantity element: the class, how much, in what unit; no other field."""

    OTHER_FIELDS = "none"
    epcClass = Uri(required=True)  # noqa: N815 - EPCIS names
    quantity = Number()
    uom = Pattern(
        UOM, _l("Not a UN/CEFACT unit code: 2 or 3 capital letters or digits (such as KGM).")
    )


class Place(Element):
    """GS1's readPoint and bizLocation: an ``id`` URI."""

    id = Uri(required=True)


class BizTransaction(Element):
    """A business transaction: its identifier and CBV type; no other field."""

    OTHER_FIELDS = "none"
    type = Vocabulary(BIZ_TRANSACTION_TYPES, "po")
    bizTransaction = Uri(required=True)  # noqa: N815


class Source(Element):
    """A source: party or location, and its CBV type; no other field."""

    OTHER_FIELDS = "none"
    type = Vocabulary(SOURCE_DEST_TYPES, "owning_party", required=True)
    source = Uri(required=True)


class Destination(Element):
    """A destination: party or location, and its CBV type; no other field."""

    OTHER_FIELDS = "none"
    type = Vocabulary(SOURCE_DEST_TYPES, "owning_party", required=True)
    destination = Uri(required=True)


def _dispositions():
    return List(Vocabulary(DISPOSITIONS, "in_transit"), unique=True, min_items=1)


class PersistentDisposition(Element):
    """Dispositions set or unset for good; no other field."""

    OTHER_FIELDS = "none"
    set = _dispositions()
    unset = _dispositions()

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _set_or_unset(self, _data, original, **kwargs):
        if "set" not in original and "unset" not in original:
            raise ValidationError(_("Give the dispositions to set, to unset, or both."))


class SensorMetadata(Element):
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


class SensorReport(Element):
    """One sensor reading: its measurement type and value."""

    OTHER_FIELDS = "uri"
    type = Vocabulary(MEASUREMENT_TYPES, "Temperature", GS1_WEB_VOCABULARY, required=True)
    exception = Vocabulary(SENSOR_ALERT_TYPES, "ALARM_CONDITION", GS1_WEB_VOCABULARY)
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
    hexBinaryValue = Pattern(HEX, _l("Not hexadecimal digits."))  # noqa: N815
    uriValue = Uri()  # noqa: N815
    minValue = Number()  # noqa: N815
    maxValue = Number()  # noqa: N815
    meanValue = Number()  # noqa: N815
    sDev = Number()  # noqa: N815
    percRank = Number()  # noqa: N815
    percValue = Number()  # noqa: N815
    uom = Text()


class SensorElement(Element):
    """A sensor element: its metadata and at least one report."""

    OTHER_FIELDS = "uri"
    sensorMetadata = Object(SensorMetadata)  # noqa: N815
    sensorReport = List(Object(SensorReport), min_items=1, required=True)  # noqa: N815


class Ilmd(Element):
    """Instance/lot master data: any fields, each named by a URI."""

    OTHER_FIELDS = "uri"


class ErrorDeclaration(Element):
    """An event declared erroneous: when, why, and what corrects it."""

    OTHER_FIELDS = "uri"
    declarationTime = DateTime(required=True)  # noqa: N815
    reason = Vocabulary(ERROR_REASONS, "incorrect_data")
    correctiveEventIDs = List(Uri())  # noqa: N815


class Attribute(Element):
    """A master data attribute."""

    id = Uri(required=True)
    attribute = AttributeValue()


class VocabularyElement(Element):
    """A master data element: its id, attributes and children."""

    id = Uri(required=True)
    attributes = List(Object(Attribute))
    children = List(Uri())


class VocabularyEntry(Element):
    """A master data vocabulary: its type and elements."""

    type = Uri(required=True)
    vocabularyElementList = List(Object(VocabularyElement))  # noqa: N815


class MasterData(Element):
    """The header's master data."""

    vocabularyList = List(Object(VocabularyEntry))  # noqa: N815


class Header(Element):
    """The document's header."""

    OTHER_FIELDS = "uri"
    epcisMasterData = Object(MasterData)  # noqa: N815
