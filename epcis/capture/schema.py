"""A captured document's check against EPCIS 2.0: the project's own, and GS1's schema too.

The project's validation (``validation``, marshmallow) always applies: it mirrors GS1's
EPCIS 2.0 JSON schema and needs no file, so capture works on a bare install. Where
``EPCIS_SCHEMA_PATH`` names GS1's ``EPCIS-JSON-Schema.json``, that schema is applied as well
and whatever it finds that the project's validation did not name is reported too. A path that
is set but cannot be read or compiled is a broken setup: capture answers 503 and says which.

GS1's schema is checked by jsonschema-rs (draft-07, formats checked): on GS1's schema the
pure-Python ``jsonschema`` spends about 5 ms on each event, so a 10,000-event document would
take almost a minute; jsonschema-rs checks it in about a tenth of a second and names every
failing path.
"""

import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema_rs
from flask import current_app
from flask_babel import gettext as _

from core.errors import ServiceError
from epcis.capture.validation import DOCUMENT, DOCUMENT_TYPES, most_precise, validation_problems

__all__ = ["DOCUMENT", "SchemaUnavailable", "schema_path", "schema_problems", "validator"]
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"')
_LONGEST_MESSAGE = 200


class SchemaUnavailable(ServiceError):
    """EPCIS_SCHEMA_PATH names a file that cannot be read as GS1's schema (503)."""

    status = 503
    code = "schema_unavailable"


def schema_path() -> Path | None:
    """GS1's schema file named by EPCIS_SCHEMA_PATH, or None when none is configured."""
    configured = current_app.config.get("EPCIS_SCHEMA_PATH")
    if not configured:
        return None
    path = Path(configured)
    if not path.is_file():
        raise _unavailable(configured, _("no such file"))
    return path


def validator():
    """GS1's compiled schema (recompiled when the file changes), or None when not configured."""
    path = schema_path()
    if path is None:
        return None
    try:
        return _compiled(str(path), path.stat().st_mtime)
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise _unavailable(str(path), str(error)[:_LONGEST_MESSAGE]) from error


def _unavailable(path: str, why: str) -> SchemaUnavailable:
    return SchemaUnavailable(
        _(
            "EPCIS capture is unavailable: EPCIS_SCHEMA_PATH=%(path)s does not name a readable"
            " copy of GS1's EPCIS JSON schema (%(why)s). Correct the path, or unset it to"
            " check documents by the project's own EPCIS 2.0 rules only.",
            path=path,
            why=why,
        )
    )


@lru_cache(maxsize=4)
def _compiled(path: str, _mtime: float):
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


def schema_problems(document) -> list[tuple[int, str, str]]:
    """Every place ``document`` breaks EPCIS 2.0, as (event index or DOCUMENT, field, message).

    The project's validation first; then GS1's schema, when configured, for any field the
    project's did not name. A document valid as an event alone, not inside an EPCISDocument
    or EPCISQueryDocument, is refused: capture takes documents.
    """
    problems = validation_problems(document)
    gs1 = validator()
    if gs1 is not None:
        named = {(index, where) for index, where, _message in problems}
        problems += [p for p in gs1_problems(gs1, document) if (p[0], p[1]) not in named]
    if not problems and document.get("type") not in DOCUMENT_TYPES:
        problems.append(
            (DOCUMENT, "type", _("Send the events in an EPCISDocument or EPCISQueryDocument."))
        )
    return problems


def gs1_problems(gs1, document) -> list[tuple[int, str, str]]:
    """GS1's schema's problems with ``document``, each once, at its most precise path.

    A failure that only repeats a deeper one (an "anyOf" above the element that broke it) is
    left out; a missing field, or one not allowed, is named itself rather than its element.
    """
    found = []
    for error in gs1.iter_errors(document):
        found.extend(_located(tuple(error.instance_path), error))
    return most_precise(found)


def _located(path: tuple, error) -> list[tuple[tuple, str]]:
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        return [((*path, kind.property), _("This field is required."))]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        message = _("GS1's schema allows no other field here.")
        return [((*path, name), message) for name in kind.unexpected]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.PropertyNames):
        name = _QUOTED.match(error.message)
        message = _("is not an EPCIS field, nor an extension named by a URI or prefix:name")
        return [((*path, name.group(1) if name else "?"), message)]
    message = error.message
    if len(message) > _LONGEST_MESSAGE:
        where = "/".join(str(part) for part in error.schema_path)
        message = _("matches none of the forms GS1's schema allows here (%(where)s)", where=where)
    return [(path, message)]
