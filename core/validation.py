"""Input validation helpers shared by the web forms and the API.

marshmallow's built-in messages are English; ``translated_errors`` maps them to
the catalogue so a Vietnamese user reads Vietnamese.
"""

import unicodedata

from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, pre_load

_BUILTIN_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field is required."),
    "Not a valid string.": _l("Not a valid text."),
    "Not a valid integer.": _l("Not a valid whole number."),
    "Not a valid number.": _l("Not a valid number."),
    "Not a valid date.": _l("Not a valid date (use YYYY-MM-DD)."),
    "Not a valid datetime.": _l("Not a valid date and time."),
    "Not a valid boolean.": _l("Not a valid yes/no value."),
    "Not a valid email address.": _l("Not a valid e-mail address."),
    "Unknown field.": _l("Unknown field."),
    "Invalid input type.": _l("Invalid input type."),
    "Invalid value.": _l("Invalid value."),
    "Special numeric values (nan or infinity) are not permitted.": _l("Not a valid number."),
}


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
            flat.setdefault(prefix or "_schema", []).append(str(_BUILTIN_MESSAGES.get(text, text)))

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
