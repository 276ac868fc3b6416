"""Reading the identifier out of a request: a GS1 Digital Link path or one of our /q/ codes.

Syntax only; whether the thing exists is the lookup's business. A malformed
identifier raises ``Malformed`` (answered with 400), a well-formed one that we do
not know is answered with 404.
"""

import re
from dataclasses import dataclass
from urllib.parse import unquote

from gs1.codes import CROCKFORD, gs1_check_digit_ok, is_cset82, normalise_public_code

# Key qualifiers of a GTIN (AI 01) in a Digital Link path, in the only order allowed.
GTIN_QUALIFIERS = ("22", "10", "21")
_DIGITS = re.compile(r"^[0-9]+$")
_CODE = re.compile(f"^[{CROCKFORD}]{{10,16}}$")
# Data attributes a QR of ours may carry in the query string, with their syntax.
_ATTRIBUTES = {
    "11": re.compile(r"^\d{6}$"),
    "13": re.compile(r"^\d{6}$"),
    "15": re.compile(r"^\d{6}$"),
    "16": re.compile(r"^\d{6}$"),
    "17": re.compile(r"^\d{6}$"),
    "7007": re.compile(r"^\d{6}(\d{6})?$"),
    "422": re.compile(r"^\d{3}$"),
}


def N_(message: str) -> str:  # noqa: N802 - the marker Babel extracts
    """Mark ``message`` for the catalogue; the caller translates it (``Malformed.text``)."""
    return message


class Malformed(ValueError):
    """The request URI is not a valid identifier (HTTP 400), with a reason for people:
    ``message`` (in English, in the catalogue) and its ``params``, translated by the caller."""

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message, self.params = message, params


@dataclass(frozen=True)
class DigitalLink:
    """A GS1 Digital Link path on our domain: GTIN-14 and optional CPV, lot and serial."""

    gtin: str
    cpv: str | None = None
    lot: str | None = None
    serial: str | None = None


def parse_gtin(value: str) -> str:
    """A GTIN-8/12/13/14 as GTIN-14, or ``Malformed``."""
    if not _DIGITS.match(value) or len(value) not in (8, 12, 13, 14):
        raise Malformed(N_("A GTIN has 8, 12, 13 or 14 digits."))
    gtin = value.zfill(14)
    if not gs1_check_digit_ok(gtin):
        raise Malformed(N_("The GTIN's check digit is wrong."))
    return gtin


def parse_digital_link(raw_path: str) -> DigitalLink:
    """Parse ``/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]`` (percent-encoded, raw).

    A trailing slash is tolerated. Values are decoded after splitting, so a lot
    that contains an encoded "/" (``%2F``) stays one value.
    """
    segments = raw_path.strip().removesuffix("/").split("/")[1:]
    if len(segments) < 2 or segments[0] != "01" or len(segments) % 2:
        raise Malformed(N_("This is not a GS1 Digital Link path: /01/{GTIN}/10/{lot}."))
    values = {"01": parse_gtin(_decoded(segments[1]))}
    position = -1
    for index in range(2, len(segments), 2):
        key, value = segments[index], _decoded(segments[index + 1])
        if key not in GTIN_QUALIFIERS or GTIN_QUALIFIERS.index(key) <= position:
            raise Malformed(N_("Unexpected part of the path: /%(ai)s/."), ai=key[:10])
        position = GTIN_QUALIFIERS.index(key)
        if not is_cset82(value):
            raise Malformed(
                N_("A lot or serial number has 1 to 20 letters, digits or GS1 symbols.")
            )
        values[key] = value
    return DigitalLink(values["01"], values.get("22"), values.get("10"), values.get("21"))


def _decoded(segment: str) -> str:
    if not segment:
        raise Malformed(N_("The path has an empty part."))
    try:
        return unquote(segment, errors="strict")
    except UnicodeDecodeError as exc:
        raise Malformed(N_("The path is not valid UTF-8.")) from exc


def parse_public_code(value: str) -> str:
    """One of our public codes, typed or scanned: case and look-alikes forgiven, hyphens dropped."""
    code = normalise_public_code(value.replace("-", ""))
    if not _CODE.match(code):
        raise Malformed(N_("A product code has 13 letters and digits."))
    return code


def check_attributes(args) -> None:
    """Check the syntax of the GS1 data attributes we know in the query string (17=YYMMDD…).

    Other keys are left alone: they are not ours to judge, and are passed on
    when redirecting.
    """
    for key, pattern in _ATTRIBUTES.items():
        for value in args.getlist(key):
            if not pattern.match(value):
                raise Malformed(N_("The value of attribute %(ai)s is not valid."), ai=key)
