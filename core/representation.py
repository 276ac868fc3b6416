"""Input schemas for PUT and PATCH: a PUT sends the whole representation, and some fields
(a status with rules of its own) are written by no PUT or PATCH at all."""

from collections.abc import Mapping

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, pre_load, validates_schema

from core.validation import InputSchema


class WholeRepresentation(InputSchema):
    """Mixin of a PUT's schema: every field is sent (null where allowed), or it is a 422.

    A field left out would otherwise be read as "empty" and erase what is stored; PATCH is
    the way to change some fields only. ``not_required`` names fields that are actions
    rather than part of the representation.
    """

    not_required: tuple[str, ...] = ()

    @validates_schema(pass_original=True, skip_on_field_errors=False)
    def _every_field_sent(self, data, original_data, **kwargs):
        if not isinstance(original_data, Mapping):
            return
        missing = {
            field.data_key or name: [
                _l("Required in a PUT (null clears it); PATCH changes only the fields sent.")
            ]
            for name, field in self.load_fields.items()
            if (field.data_key or name) not in original_data and name not in self.not_required
        }
        if missing:
            raise ValidationError(missing)


def refuse_fields(data, refusals: Mapping[str, str]) -> None:
    """Raise a 422 naming each field of ``refusals`` that ``data`` holds, with its message."""
    if not isinstance(data, Mapping):
        return
    sent = {name: [str(message)] for name, message in refusals.items() if name in data}
    if sent:
        raise ValidationError(sent)


class RefusesFields(InputSchema):
    """Mixin of an input schema that turns down ``refused`` fields with a message of their own.

    ``refused`` maps a field to why it cannot be written here (e.g. "use …/suspend").
    """

    refused: Mapping[str, str] = {}

    @pre_load
    def _refuse(self, data, **kwargs):
        refuse_fields(data, self.refused)
        return data
