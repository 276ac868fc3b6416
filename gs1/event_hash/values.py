"""Value and name rules of the event hash: timestamps, numbers, CBV terms, CURIEs, namespaces.

Every value reaches the pre-hash string in one canonical spelling, so that the same event
written differently (JSON-LD or XML, bare CBV term or URN or Web URI, ``1.0`` or ``1``, any time
zone, an EPC URI or a Digital Link) hashes the same.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from gs1.event_hash.identifiers import canonical_gs1_uri

GS1_VOC = "https://gs1.org/voc/"
CBV = "https://ref.gs1.org/cbv/"
# The prefixes the EPCIS 2.0 context declares.
STANDARD_PREFIXES = {
    "gs1": GS1_VOC,
    "cbv": CBV,
    "epcis": "https://ref.gs1.org/epcis/",
    "cbvmda": "urn:epcglobal:cbv:mda:",
}
_CBV_URNS = {
    "urn:epcglobal:cbv:bizstep:": CBV + "BizStep-",
    "urn:epcglobal:cbv:disp:": CBV + "Disp-",
    "urn:epcglobal:cbv:btt:": CBV + "BTT-",
    "urn:epcglobal:cbv:sdt:": CBV + "SDT-",
    "urn:epcglobal:cbv:er:": CBV + "ER-",
}
_XSD_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_TIMESTAMP = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)?")


@dataclass(frozen=True)
class Namespaces:
    """Prefixes and terms of a JSON-LD @context, and its @vocab.

    ``memo`` keeps canonical spellings already worked out under these namespaces: the events
    of one document repeat the same steps, places, parties and lots, so each is worked out once.
    """

    definitions: Mapping[str, str]
    vocab: str | None = None
    memo: dict = field(default_factory=dict, compare=False, repr=False)


def namespaces(*contexts, standard: bool = True) -> Namespaces:
    """The namespaces declared by JSON-LD contexts (dicts, lists of them, or None).

    Remote contexts (strings) are not fetched: the EPCIS context only declares standard
    fields and the standard prefixes, which are known here. ``standard=False`` leaves those
    prefixes out (``cbvmda:lotNumber`` then stays as written), as GS1's reference tool reads
    JSON.
    """
    definitions = dict(STANDARD_PREFIXES) if standard else {}
    vocab = None
    for entry in _flatten(contexts):
        for key, value in entry.items():
            iri = value.get("@id") if isinstance(value, dict) else value
            if key == "@vocab" and isinstance(iri, str):
                vocab = iri
            elif isinstance(iri, str) and not key.startswith("@"):
                definitions[key] = iri
    return Namespaces(definitions, vocab)


def _flatten(contexts: Iterable) -> Iterable[dict]:
    for context in contexts:
        if isinstance(context, dict):
            yield context
        elif isinstance(context, list):
            yield from _flatten(context)


def qualified_name(key: str, ns: Namespaces) -> str:
    """An extension's name as ``{namespace}localName`` (CBV 2.0 rules 19-21).

    A key whose prefix is not declared is kept as written.
    """
    prefix, colon, local = key.partition(":")
    if (colon and local.startswith("//")) or key.startswith("urn:"):
        iri = key
    elif colon:
        if prefix not in ns.definitions:
            return key
        iri = ns.definitions[prefix] + local
    elif key in ns.definitions:
        iri = ns.definitions[key]
    elif ns.vocab:
        iri = ns.vocab + key
    else:
        return key
    return _braced(iri)


def _braced(iri: str) -> str:
    separators = ":" if iri.startswith("urn:") else "/#"
    cut = max(iri.rfind(s) for s in separators) + 1
    if cut <= 0:
        return iri
    # A URN namespace is written as in XML, without its last colon ({urn:epcglobal:cbv:mda}),
    # so that names hash the same from both syntaxes.
    return "{" + iri[:cut].removesuffix(":") + "}" + iri[cut:]


def canonical_value(value, ns: Namespaces, vocabulary: str | None = None) -> str:
    """A scalar value in its canonical spelling ("" when empty).

    ``vocabulary`` is the Web URI prefix that a bare CBV term of this field expands to
    (e.g. ``https://ref.gs1.org/cbv/BizStep-`` for bizStep).
    """
    if type(value) is str:
        key = ("value", value, vocabulary)
        known = ns.memo.get(key)
        if known is None:
            known = ns.memo[key] = _canonical_value(value, ns, vocabulary)
        return known
    return _canonical_value(value, ns, vocabulary)


def _canonical_value(value, ns: Namespaces, vocabulary: str | None) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        # repr: the shortest spelling of a float (0.1, not its binary expansion)
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return _plain(number) if number.is_finite() else str(value)
    text = str(value).strip()
    if vocabulary and text and ":" not in text:
        # A schema-valid EPCIS document only writes CBV terms bare in these fields.
        return vocabulary + text
    text = expand_value(text, ns)
    return canonical_number(text) or canonical_gs1_uri(text) or text


def expand_value(text: str, ns: Namespaces) -> str:
    """A CBV URN as its Web URI, a CURIE with a declared prefix as its full URI."""
    for urn, web in _CBV_URNS.items():
        if text.startswith(urn):
            return web + text[len(urn) :]
    prefix, colon, rest = text.partition(":")
    if colon and not rest.startswith("//") and prefix in ns.definitions:
        return ns.definitions[prefix] + rest
    return text


def canonical_number(text: str) -> str | None:
    """An xsd:decimal without "+", leading or trailing zeros (rule 6); None if not one.

    As in the reference implementation, any value written as a decimal counts, extension values
    included: XML cannot tell a number from a string, and the hash must not depend on syntax.
    """
    return _plain(Decimal(text)) if _XSD_DECIMAL.fullmatch(text) else None


def _plain(number: Decimal) -> str:
    return "0" if number.is_zero() else format(number.normalize(), "f")


def canonical_timestamp(text: str) -> str:
    """An xsd:dateTimeStamp in UTC with milliseconds, the 4th decimal rounding half up.

    A value that is not a timestamp is returned as written; one without a zone is taken as UTC.
    """
    match = _TIMESTAMP.fullmatch(text.strip())
    if not match:
        return text.strip()
    seconds, fraction, zone = match.groups()
    offset = "+00:00" if zone in (None, "Z", "z") else zone
    if fraction is None or len(fraction) <= 3:  # the usual case: no rounding to do
        millis = int((fraction or "").ljust(3, "0"))
    else:
        rounded = Decimal("0." + fraction).quantize(Decimal("0.001"), ROUND_HALF_UP)
        millis = int(rounded * 1000)
    try:
        moment = datetime.fromisoformat(seconds + offset)
        moment = (moment + timedelta(milliseconds=millis)).astimezone(UTC)
    except (ValueError, OverflowError):  # 2026-02-30, or past year 9999 once in UTC
        return text.strip()
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond // 1000:03d}Z"
