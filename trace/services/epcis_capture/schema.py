"""GS1's EPCIS 2.0 JSON schema: found, compiled once, and its verdict on a document.

The validator is jsonschema-rs (draft-07, formats checked): on GS1's schema the pure-Python
``jsonschema`` spends about 5 ms on each event, so a 10,000-event document would take almost a
minute; jsonschema-rs checks it in about a tenth of a second and names every failing path.
"""

import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema_rs
from flask import current_app
from flask_babel import gettext as _

from core.errors import ServiceError

# ../shared/standards/epcis/ beside the project (DESIGN.md: the schema is not copied in).
SHARED_SCHEMA = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "standards"
    / "epcis"
    / "EPCIS-JSON-Schema.json"
)
DOCUMENT = -1  # the index of a problem with the document rather than one of its events
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"')
_LONGEST_MESSAGE = 200


class SchemaUnavailable(ServiceError):
    """GS1's schema file cannot be found, so nothing can be captured (503)."""

    status = 503
    code = "schema_unavailable"


def schema_path() -> Path:
    """The schema file: EPCIS_SCHEMA_PATH, else the shared standards folder; 503 when neither."""
    configured = current_app.config.get("EPCIS_SCHEMA_PATH")
    for candidate in (configured, SHARED_SCHEMA):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise SchemaUnavailable(
        _(
            "EPCIS capture is unavailable: GS1's EPCIS JSON schema was not found"
            " (EPCIS_SCHEMA_PATH=%(path)s).",
            path=configured or "",
        )
    )


def validator():
    """The compiled validator of the schema file in use (recompiled when the file changes)."""
    path = schema_path()
    return _compiled(str(path), path.stat().st_mtime)


@lru_cache(maxsize=4)
def _compiled(path: str, _mtime: float):
    schema = json.loads(Path(path).read_text(encoding="utf-8"))
    return jsonschema_rs.Draft7Validator(schema, validate_formats=True)


def schema_problems(document) -> list[tuple[int, str, str]]:
    """Every place ``document`` breaks the schema, as (event index or DOCUMENT, field, message).

    A failure that only repeats a deeper one (an "anyOf" above the element that broke it) is
    left out, so each problem is named once, at the most precise path.
    """
    errors = list(validator().iter_errors(document))
    paths = [tuple(error.instance_path) for error in errors]
    problems = []
    for error, path in zip(errors, paths, strict=True):
        if any(len(other) > len(path) and other[: len(path)] == path for other in paths):
            continue
        problem = _located(path, error)
        if problem not in problems:
            problems.append(problem)
    return problems


def _located(path: tuple, error) -> tuple[int, str, str]:
    message = error.message
    kind = type(error.kind).__name__
    if kind == "PropertyNames":
        name = _QUOTED.match(message)
        path = (*path, name.group(1) if name else "?")
        message = _("is not an EPCIS field, nor an extension named by a URI or prefix:name")
    elif len(message) > _LONGEST_MESSAGE:
        where = "/".join(str(part) for part in error.schema_path)
        message = _("matches none of the forms GS1's schema allows here (%(where)s)", where=where)
    index, field = _field(path)
    return index, field, message


def _field(path: tuple) -> tuple[int, str]:
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
