"""The five EPCIS event types and GS1's "Extended-Event", and one event of an event
list checked by its type's schema."""

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validates_schema

from epcis.capture.validation.elements import (
    BizTransaction,
    Destination,
    Element,
    ErrorDeclaration,
    Ilmd,
    PersistentDisposition,
    Place,
    QuantityElement,
    SensorElement,
    Source,
)
from epcis.capture.validation.values import (
    Choice,
    Context,
    DateTime,
    List,
    Object,
    Offset,
    Uri,
    UriOrUris,
    Value,
    Vocabulary,
    is_uri,
)
from epcis.capture.validation.vocabulary import ACTIONS, BIZ_STEPS, DISPOSITIONS

# --- Events -------------------------------------------------------------------------------


def _items(key: str, original: dict, min_items: int = 1) -> bool:
    """True when the event has a list ``key`` of at least ``min_items`` items."""
    value = original.get(key)
    return isinstance(value, list) and len(value) >= min_items


def _action_is(original: dict, word: str) -> bool:
    """GS1's ``"action": {"pattern": "^WORD$"}`` without "required": absent passes."""
    return "action" not in original or original["action"] == word


class _Event(Element):
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


def event_type(name: str):
    """The ``type`` field of an event schema: exactly ``name``."""
    return Choice([name], required=True)


class ObjectEvent(_Event):
    """An ObjectEvent: what was observed, added or deleted."""

    type = event_type("ObjectEvent")
    epcList = List(Uri(), unique=True)  # noqa: N815
    quantityList = List(Object(QuantityElement))  # noqa: N815
    action = Choice(ACTIONS, required=True)
    bizStep = Vocabulary(BIZ_STEPS, "shipping")  # noqa: N815
    disposition = Vocabulary(DISPOSITIONS, "in_transit")
    persistentDisposition = Object(PersistentDisposition)  # noqa: N815
    readPoint = Object(Place)  # noqa: N815
    bizLocation = Object(Place)  # noqa: N815
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

    type = event_type("AggregationEvent")
    parentID = Uri()  # noqa: N815
    childEPCs = List(Uri())  # noqa: N815
    childQuantityList = List(Object(QuantityElement))  # noqa: N815
    action = Choice(ACTIONS, required=True)
    bizStep = Vocabulary(BIZ_STEPS, "packing")  # noqa: N815
    disposition = Vocabulary(DISPOSITIONS, "in_progress")
    readPoint = Object(Place)  # noqa: N815
    bizLocation = Object(Place)  # noqa: N815
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

    type = event_type("AssociationEvent")
    parentID = Uri(required=True)  # noqa: N815


class TransactionEvent(_Event):
    """A TransactionEvent: objects tied to business transactions."""

    type = event_type("TransactionEvent")
    bizTransactionList = List(Object(BizTransaction), min_items=1, required=True)  # noqa: N815
    parentID = Uri()  # noqa: N815
    epcList = List(Uri())  # noqa: N815
    quantityList = List(Object(QuantityElement))  # noqa: N815
    action = Choice(ACTIONS, required=True)
    bizStep = Vocabulary(BIZ_STEPS, "shipping")  # noqa: N815
    disposition = Vocabulary(DISPOSITIONS, "in_transit")
    readPoint = Object(Place)  # noqa: N815
    bizLocation = Object(Place)  # noqa: N815
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

    type = event_type("TransformationEvent")
    inputEPCList = List(Uri(), unique=True)  # noqa: N815
    inputQuantityList = List(Object(QuantityElement))  # noqa: N815
    outputEPCList = List(Uri(), unique=True)  # noqa: N815
    outputQuantityList = List(Object(QuantityElement))  # noqa: N815
    transformationID = Uri()  # noqa: N815
    bizStep = Vocabulary(BIZ_STEPS, "commissioning")  # noqa: N815
    disposition = Vocabulary(DISPOSITIONS, "active")
    persistentDisposition = Object(PersistentDisposition)  # noqa: N815
    readPoint = Object(Place)  # noqa: N815
    bizLocation = Object(Place)  # noqa: N815
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


class ExtendedType(Value):
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


class Anything(Value):
    """Any value (only its presence is required)."""

    def _accepts(self, value) -> bool:
        return True


EVENT_SCHEMAS = {
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


def event_schemas(value: dict) -> list[Schema]:
    """GS1's if/then: the event's type's schema; all five when it has no type."""
    if "type" not in value:
        return list(EVENT_SCHEMAS.values())
    schema = EVENT_SCHEMAS.get(value["type"]) if isinstance(value["type"], str) else None
    return [schema] if schema else [_EXTENDED]


def merged(into: dict, more: dict) -> dict:
    """``more``'s errors added to ``into``'s, key by key (lists joined, objects merged)."""
    for key, value in more.items():
        if key in into and isinstance(into[key], dict) and isinstance(value, dict):
            merged(into[key], value)
        elif key in into:
            into[key] = _as_list(into[key]) + _as_list(value)
        else:
            into[key] = value
    return into


def _as_list(value) -> list:
    if isinstance(value, dict):
        return [value]
    return list(value) if isinstance(value, list | tuple) else [value]


def errors_of(schemas: list[Schema], value: dict) -> dict:
    """The errors of ``value`` by every schema of ``schemas``, merged."""
    errors: dict = {}
    for schema in schemas:
        merged(errors, schema.validate(value))
    return errors


class EventItem(fields.Field):
    """One event of an event list, checked by its type's schema."""

    def deserialize(self, value, attr=None, data=None, **kwargs):
        """The event as sent, or a ValidationError with its problems by field."""
        if not isinstance(value, dict):
            raise ValidationError(_("Not a JSON object."))
        errors = errors_of(event_schemas(value), value)
        if errors:
            raise ValidationError(errors)
        return value
