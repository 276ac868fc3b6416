"""Single values of an EPCIS document, as GS1's schema checks them: URIs (RFC 3986),
date-times (RFC 3339), offsets, CBV words; and the marshmallow fields that check them."""

import ipaddress
import re
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

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
UOM = re.compile(r"[A-Z0-9]{2,3}")
VERSION = re.compile(r"\d+(?:\.\d+)*", re.ASCII)  # ECMA-262 \d, as jsonschema-rs
HEX = re.compile(r"[A-Fa-f0-9]+")
_CBV_NAMESPACE = re.compile(r"urn:epcglobal:cbv|https?://ns\.gs1\.org/cbv/")
GS1_WEB_VOCABULARY = re.compile(r"https?://gs1\.org/voc/|https?://www\.gs1\.org/voc/")


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


class Value(fields.Field):
    """A field checked by ``ok``; anything else, null included, gets the field's message."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.error_messages["required"] = _l("This field is required.")

    def _accepts(self, value) -> bool:  # pragma: no cover - every field defines it
        raise NotImplementedError

    def _refusal(self) -> str:  # pragma: no cover - every field defines it
        raise NotImplementedError

    def deserialize(self, value, attr=None, data=None, **kwargs):
        """The value as sent, or a ValidationError saying what it must be."""
        if value is fields.missing_:
            return super().deserialize(value, attr, data, **kwargs)
        if not self._accepts(value):
            raise ValidationError(self._refusal())
        return value


class Uri(Value):
    """An identifier: any absolute URI (an EPC URN, a GS1 Digital Link URI, a URL…)."""

    def _accepts(self, value) -> bool:
        return is_uri(value)

    def _refusal(self) -> str:
        return _(
            "Not a URI (such as urn:epc:id:sgtin:0614141.107346.2017"
            " or https://id.gs1.org/01/09521234543213/10/LOT1)."
        )


class DateTime(Value):
    """An RFC 3339 date and time with its offset, kept as sent."""

    def _accepts(self, value) -> bool:
        return is_date_time(value)

    def _refusal(self) -> str:
        return _("Not a date and time with its offset (such as 2026-05-01T08:30:00.000+07:00).")


class Offset(Value):
    """A time-zone offset, −14:00 to +14:00."""

    def _accepts(self, value) -> bool:
        return isinstance(value, str) and _OFFSET.fullmatch(value) is not None

    def _refusal(self) -> str:
        return _("Not a time-zone offset from -14:00 to +14:00 (such as +07:00).")


class Text(Value):
    """Any text."""

    def _accepts(self, value) -> bool:
        return isinstance(value, str)

    def _refusal(self) -> str:
        return _("Not a valid text.")


class Number(Value):
    """A JSON number (not a text, not true or false)."""

    def _accepts(self, value) -> bool:
        return _is_number(value)

    def _refusal(self) -> str:
        return _("Not a valid number.")


class Boolean(Value):
    """JSON true or false."""

    def _accepts(self, value) -> bool:
        return isinstance(value, bool)

    def _refusal(self) -> str:
        return _("Not a valid yes/no value.")


class Pattern(Value):
    """Text matching a regular expression whole."""

    def __init__(self, pattern: re.Pattern, message, **kwargs):
        super().__init__(**kwargs)
        self.pattern, self.text = pattern, message

    def _accepts(self, value) -> bool:
        return isinstance(value, str) and self.pattern.fullmatch(value) is not None

    def _refusal(self) -> str:
        return str(self.text)


class Choice(Value):
    """One of a few words (an action: ADD, OBSERVE or DELETE)."""

    def __init__(self, choices, **kwargs):
        super().__init__(**kwargs)
        self.choices = tuple(choices)

    def _accepts(self, value) -> bool:
        return isinstance(value, str) and value in self.choices

    def _refusal(self) -> str:
        return _("Not one of %(values)s.", values=", ".join(self.choices))


class Vocabulary(Value):
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


class Context(Value):
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


class UriOrUris(Value):
    """A URI or a list of URIs (certificationInfo)."""

    def _accepts(self, value) -> bool:
        return is_uri(value) or (isinstance(value, list) and all(map(is_uri, value)))

    def _refusal(self) -> str:
        return _("Not a URI or a list of URIs.")


class AttributeValue(Value):
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
