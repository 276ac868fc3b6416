"""Input validation helpers shared by the web forms and the API.

marshmallow's built-in messages are English; ``translated_errors`` maps them to
the catalogue so a Vietnamese user reads Vietnamese.
"""

import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, pre_load, validate

from core.numbers import examples, number

_BUILTIN_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field is required."),
    "Not a valid string.": _l("Not a valid text."),
    "Not a valid date.": _l("Not a valid date (use YYYY-MM-DD)."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid boolean.": _l("Not a valid yes/no value."),
    "Not a valid email address.": _l("Not a valid e-mail address."),
    "Unknown field.": _l("Unknown field."),
    "Invalid input type.": _l("Invalid input type."),
    "Invalid value.": _l("Invalid value."),
}
_NUMBER_MESSAGES = {
    "Not a valid integer.",
    "Not a valid number.",
    "Special numeric values (nan or infinity) are not permitted.",
}


def _number_message(text: str) -> str:
    """How to write a number, with examples the one parser reads (``core.numbers``)."""
    if text == "Not a valid integer.":
        return _("Not a valid whole number: write it like %(whole)s.", **examples())
    return _("Not a valid number: write it like %(decimal)s or %(small)s.", **examples())


def _message(text: str) -> str:
    if text in _NUMBER_MESSAGES:
        return _number_message(text)
    return str(_BUILTIN_MESSAGES.get(text, text))


def translated_errors(messages) -> dict[str, list[str]]:
    """Flatten marshmallow errors to ``{field: [message, ...]}`` in the user's language."""
    flat: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                name = key if key != "_schema" else "_schema"
                walk(f"{prefix}.{name}" if prefix else str(name), inner)
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(prefix, item)
        else:
            text = str(value)
            flat.setdefault(prefix or "_schema", []).append(_message(text))

    walk("", messages)
    return flat


def load_or_errors(schema: Schema, data) -> tuple[dict | None, dict[str, list[str]]]:
    """Load ``data`` with ``schema``; return (values, {}) or (None, field errors).

    A web form's ``csrf_token`` was checked by Flask-WTF already and is not a field.
    """
    if hasattr(data, "items"):
        data = {key: value for key, value in data.items() if key != "csrf_token"}
    try:
        return schema.load(data), {}
    except ValidationError as exc:
        return None, translated_errors(exc.messages)


class InputSchema(Schema):
    """Base of every input schema: trims text, NFC-normalises it, and treats "" as absent."""

    @pre_load
    def _normalise_blanks(self, data, **kwargs):
        if not hasattr(data, "items"):
            return data
        cleaned = {}
        for key, value in data.items():
            if isinstance(value, str):
                value = unicodedata.normalize("NFC", value).strip()
                if value == "":
                    continue
            cleaned[key] = value
        return cleaned


class Range(validate.Range):
    """marshmallow's Range, its bounds written in the user's locale (``Tối đa 10.000``)."""

    def __init__(self, min=None, max=None, *, error=None, **kwargs):  # noqa: A002
        super().__init__(min, max, error=error, **kwargs)
        # The parent interpolates its English operators into its messages; ours are whole.
        self.message_max = _l("Must be at most {max}.")
        if kwargs.get("min_inclusive") is False:
            self.message_min = self.message_all = _l("Must be more than {min}.")
        else:
            self.message_min = _l("Must be at least {min}.")
            self.message_all = _l("Must be between {min} and {max}.")

    def _format_error(self, value, message) -> str:
        return str(self.error or message).format(
            input=value, min=number(self.min), max=number(self.max)
        )


class Length(validate.Length):
    """marshmallow's Length, its bounds written in the user's locale (``4.000 ký tự``)."""

    def _format_error(self, value, message) -> str:
        return str(self.error or message).format(
            input=value, min=number(self.min), max=number(self.max), equal=number(self.equal)
        )
