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

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import INCLUDE, Schema

from epcis.capture.validation.elements import Element, Header, VocabularyEntry
from epcis.capture.validation.events import (
    EVENT_SCHEMAS,
    Anything,
    EventItem,
    errors_of,
    event_schemas,
    event_type,
    merged,
)
from epcis.capture.validation.values import (
    VERSION,
    Context,
    DateTime,
    List,
    Object,
    Pattern,
    Text,
    Uri,
)
from epcis.capture.validation.vocabulary import BIZ_STEPS, DISPOSITIONS, DOCUMENT, DOCUMENT_TYPES

__all__ = [
    "BIZ_STEPS",
    "DISPOSITIONS",
    "DOCUMENT",
    "DOCUMENT_TYPES",
    "located",
    "most_precise",
    "validation_problems",
]

_SCHEMA = "_schema"  # marshmallow's key of an element's own errors


class Body(Element):
    """An EPCISDocument's body: the event list."""

    eventList = List(EventItem(), required=True)  # noqa: N815


class ResultsBody(Element):
    """A query's results: the event list and master data."""

    OTHER_FIELDS = "uri"
    eventList = List(EventItem(), required=True)  # noqa: N815
    vocabularyList = List(Object(VocabularyEntry))  # noqa: N815


class QueryResults(Element):
    """An EPCISQueryDocument's query results."""

    OTHER_FIELDS = "uri"
    queryName = Text(required=True)  # noqa: N815
    subscriptionID = Text()  # noqa: N815
    resultsBody = Object(ResultsBody, required=True)  # noqa: N815


class QueryBody(Element):
    """An EPCISQueryDocument's body."""

    OTHER_FIELDS = "uri"
    queryResults = Object(QueryResults, required=True)  # noqa: N815


class _Document(Element):
    OTHER_FIELDS = "uri"
    context = Context(data_key="@context", required=True)
    id = Uri()
    schemaVersion = Pattern(VERSION, _l("Not a version number (such as 2.0)."))  # noqa: N815
    creationDate = DateTime()  # noqa: N815


class EPCISDocument(_Document):
    """An EPCISDocument, as a captured document usually is."""

    type = event_type("EPCISDocument")
    schemaVersion = Pattern(  # noqa: N815
        VERSION, _l("Not a version number (such as 2.0)."), required=True
    )
    creationDate = DateTime(required=True)  # noqa: N815
    instanceIdentifier = Text()  # noqa: N815
    sender = Text()
    receiver = Text()
    epcisHeader = Object(Header)  # noqa: N815
    epcisBody = Object(Body, required=True)  # noqa: N815


class EPCISQueryDocument(_Document):
    """An EPCISQueryDocument: a query's results, captured as a document too."""

    type = event_type("EPCISQueryDocument")
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
        return [*_DOCUMENTS.values(), *EVENT_SCHEMAS.values(), _WITH_CONTEXT]
    if isinstance(kind, str) and kind in _DOCUMENTS:
        return [_DOCUMENTS[kind]]
    return [*event_schemas(document), _WITH_CONTEXT]


def _root_errors(document: dict) -> dict:
    errors = errors_of(_root_schemas(document), document)
    if "type" not in document:
        merged(errors, {"type": [_("This field is required.")]})
    elif not isinstance(document["type"], str):
        merged(errors, {"type": [_("Not a valid text.")]})
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
