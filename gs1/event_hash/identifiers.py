"""GS1 identifiers in the form the event hash uses: the constrained canonical GS1 Digital Link.

EPC URIs (``urn:epc:id:…``), EPC class URIs (``urn:epc:class:lgtin:…``), EPC pattern URIs
(``urn:epc:idpat:…``) and GS1 Digital Link URIs on any domain all become
``https://id.gs1.org/<AI>/<key>[/<AI>/<qualifier>]`` with only the finest level of identification
(a serial wins over a lot, the CPV is dropped) and no query string (CBV 2.0 rules 17 and 18).
Anything else is not a GS1 identifier here and is hashed as written.
"""

import re
from collections.abc import Callable
from urllib.parse import urlsplit

DL_ROOT = "https://id.gs1.org"

_EPC = re.compile(r"urn:epc:(id|class|idpat):([a-z]+):(.+)")
_EPC_CHARS = re.compile(r"(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!'()*+,\-.:;=_])+")
_CPI_CHARS = re.compile(r"(?:%2[3Ff]|[0-9A-Z\-])+")
# Characters an EPC URI may carry raw that a Digital Link path segment must percent-encode.
_DL_ESCAPES = str.maketrans({c: f"%{ord(c):02X}" for c in "!()*+,:"})

_SHORT_NAMES = {
    "gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417", "gsrnp": "8017",
    "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253", "ginc": "401", "gsin": "402",
    "grai": "8003", "giai": "8004", "cpv": "22", "lot": "10", "ser": "21", "glnx": "254",
}  # fmt: skip
_KEY_SYNTAX = {
    "00": r"\d{18}", "01": r"\d{14}", "253": r"\d{13}[^/]{0,17}", "255": r"\d{13}\d{0,12}",
    "401": r"\d[^/]*", "402": r"\d{17}", "414": r"\d{13}", "417": r"\d{13}", "8003": r"\d{14}[^/]*",
    "8004": r"\d[^/]*", "8006": r"\d{18}", "8010": r"\d[^/]*", "8017": r"\d{18}", "8018": r"\d{18}",
}  # fmt: skip
# Qualifiers each key may carry in a Digital Link, and which of them the hash keeps (finest first).
_QUALIFIERS = {"01": {"22", "10", "21", "235"}, "8006": {"22", "10", "21"}, "414": {"254"},
               "8010": {"8011"}}  # fmt: skip
_KEPT = {"01": ("21", "235", "10"), "8006": ("21", "10"), "414": ("254",), "8010": ("8011",)}


def canonical_gs1_uri(value: str) -> str | None:
    """The constrained canonical Digital Link of an EPC URI or a Digital Link, else None."""
    if value.startswith("urn:epc:"):
        return epc_to_digital_link(value)
    if value.startswith(("http://", "https://")):
        return constrained_digital_link(value)
    return None


def check_digit(digits: str) -> str:
    """The GS1 mod-10 check digit for ``digits`` (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 - 2 * (i % 2)) for i, d in enumerate(reversed(digits)))
    return str(-total % 10)


# --- EPC URIs -------------------------------------------------------------------------------


def epc_to_digital_link(uri: str) -> str | None:
    """The canonical Digital Link of a GS1 EPC (class, pattern) URI, else None."""
    match = _EPC.fullmatch(uri)
    if not match:
        return None
    kind, scheme, body = match.groups()
    convert = _CONVERTERS.get(f"{kind}:{scheme}")
    path = convert(body) if convert else None
    return DL_ROOT + path if path else None


def _split(body: str, count: int, digits: int) -> list[str] | None:
    """``count`` dot-separated fields whose first two are a company prefix + reference of
    ``digits`` digits in all, or None."""
    parts = body.split(".", count - 1)
    if len(parts) != count:
        return None
    prefix, reference = parts[0], parts[1]
    number = prefix + reference  # the reference may be empty when the prefix has 12 digits
    if not _is_prefix(prefix) or not number.isdigit() or len(number) != digits:
        return None
    return parts


def _is_prefix(text: str) -> bool:
    return text.isdigit() and 6 <= len(text) <= 12


def _escaped(component: str) -> str | None:
    """An EPC URI component (serial, lot…) as a Digital Link path segment, None if invalid."""
    return component.translate(_DL_ESCAPES) if _EPC_CHARS.fullmatch(component) else None


def _gtin(prefix: str, item_ref: str) -> str:
    digits = item_ref[:1] + prefix + item_ref[1:]
    return digits + check_digit(digits)


def _with_check(digits: str) -> str:
    return digits + check_digit(digits)


def _then(path: str, tail: str | None) -> str | None:
    """``path`` + ``tail``, or None when the tail (a serial…) is not valid."""
    return path + tail if tail else None


def _numeric(count: int, digits: int, build: Callable[..., str | None]):
    """Converter for an EPC whose first two fields are digits: prefix + reference."""

    def convert(body: str) -> str | None:
        parts = _split(body, count, digits)
        return build(*parts) if parts else None

    return convert


def _free_text(ai: str):
    """Converter for keys made of company prefix + free text (GIAI, GINC)."""

    def convert(body: str) -> str | None:
        prefix, _, reference = body.partition(".")
        return _then(f"/{ai}/{prefix}", _escaped(reference)) if _is_prefix(prefix) else None

    return convert


def _sgln(prefix: str, location: str, extension: str) -> str | None:
    gln = _with_check(prefix + location)
    return f"/414/{gln}" if extension == "0" else _then(f"/414/{gln}/254/", _escaped(extension))


def _itip(prefix: str, item: str, piece: str, total: str, serial: str) -> str | None:
    key = _itip_key(prefix, item, piece, total)
    return _then(f"/8006/{key}/21/", _escaped(serial)) if key else None


def _itip_class(prefix: str, item: str, piece: str, total: str, star: str) -> str | None:
    key = _itip_key(prefix, item, piece, total)
    return _class(star, f"/8006/{key}") if key else None


def _itip_key(prefix: str, item: str, piece: str, total: str) -> str | None:
    pieces = piece + total  # piece number and total count, two digits each
    return _gtin(prefix, item) + pieces if pieces.isdigit() and len(pieces) == 4 else None


def _cpi(body: str, pattern: bool = False) -> str | None:
    prefix, _, rest = body.partition(".")
    reference, _, serial = rest.rpartition(".")
    valid_serial = serial == "*" if pattern else serial.isdigit()
    if not (_is_prefix(prefix) and valid_serial and _CPI_CHARS.fullmatch(reference)):
        return None
    return f"/8010/{prefix}{reference}" + ("" if pattern else f"/8011/{serial}")


def _class(star: str, path: str) -> str | None:
    """A pattern URI stands for its class only when its last field is ``*``."""
    return path if star == "*" else None


_CONVERTERS: dict[str, Callable[[str], str | None]] = {
    "id:sgtin": _numeric(3, 13, lambda p, i, s: _then(f"/01/{_gtin(p, i)}/21/", _escaped(s))),
    "id:sscc": _numeric(2, 17, lambda p, s: f"/00/{_with_check(s[:1] + p + s[1:])}"),
    "id:sgln": _numeric(3, 12, _sgln),
    "id:grai": _numeric(
        3, 12, lambda p, a, s: _then(f"/8003/{_with_check('0' + p + a)}", _escaped(s))
    ),
    "id:giai": _free_text("8004"),
    "id:ginc": _free_text("401"),
    "id:gsrn": _numeric(2, 17, lambda p, s: f"/8018/{_with_check(p + s)}"),
    "id:gsrnp": _numeric(2, 17, lambda p, s: f"/8017/{_with_check(p + s)}"),
    "id:gsin": _numeric(2, 16, lambda p, s: f"/402/{_with_check(p + s)}"),
    "id:pgln": _numeric(2, 12, lambda p, r: f"/417/{_with_check(p + r)}"),
    "id:gdti": _numeric(3, 12, lambda p, d, s: _then(f"/253/{_with_check(p + d)}", _escaped(s))),
    "id:sgcn": _numeric(
        3, 12, lambda p, c, s: _then(f"/255/{_with_check(p + c)}", s if s.isdigit() else None)
    ),
    "id:cpi": _cpi,
    "id:itip": _numeric(5, 13, _itip),
    "id:upui": _numeric(3, 13, lambda p, i, t: _then(f"/01/{_gtin(p, i)}/235/", _escaped(t))),
    "class:lgtin": _numeric(
        3, 13, lambda p, i, lot: _then(f"/01/{_gtin(p, i)}/10/", _escaped(lot))
    ),
    "idpat:sgtin": _numeric(3, 13, lambda p, i, s: _class(s, f"/01/{_gtin(p, i)}")),
    "idpat:upui": _numeric(3, 13, lambda p, i, s: _class(s, f"/01/{_gtin(p, i)}")),
    "idpat:grai": _numeric(3, 12, lambda p, a, s: _class(s, f"/8003/{_with_check('0' + p + a)}")),
    "idpat:gdti": _numeric(3, 12, lambda p, d, s: _class(s, f"/253/{_with_check(p + d)}")),
    "idpat:sgcn": _numeric(3, 12, lambda p, c, s: _class(s, f"/255/{_with_check(p + c)}")),
    "idpat:cpi": lambda body: _cpi(body, pattern=True),
    "idpat:itip": _numeric(5, 13, _itip_class),
}


# --- GS1 Digital Link -----------------------------------------------------------------------


def constrained_digital_link(uri: str) -> str | None:
    """``uri`` as a constrained canonical Digital Link on id.gs1.org, or None if it is not one."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return None
    if not parts.netloc:
        return None
    segments = parts.path.split("/")
    # A resolver may put a path prefix before the key: the key is the first AI segment that fits.
    for index, segment in enumerate(segments):
        ai = _SHORT_NAMES.get(segment, segment)
        if ai in _KEY_SYNTAX:
            path = _constrained_path(ai, segments[index + 1 :])
            if path:
                return DL_ROOT + path
    return None


def _constrained_path(ai: str, rest: list[str]) -> str | None:
    while rest and rest[-1] == "":
        rest = rest[:-1]  # a trailing slash
    if len(rest) % 2 != 1:
        return None
    key = rest[0]
    if ai == "01" and key.isdigit() and len(key) in (8, 12, 13):
        key = key.zfill(14)  # GTIN-8/12/13 are written as GTIN-14
    qualifiers = {_SHORT_NAMES.get(q, q): v for q, v in zip(rest[1::2], rest[2::2], strict=True)}
    if not re.fullmatch(_KEY_SYNTAX[ai], key) or not set(qualifiers) <= _QUALIFIERS.get(ai, set()):
        return None
    if not all(qualifiers.values()) or not qualifiers.get("8011", "0").isdigit():
        return None
    kept = next((q for q in _KEPT.get(ai, ()) if q in qualifiers), None)
    return f"/{ai}/{key}/{kept}/{qualifiers[kept]}" if kept else f"/{ai}/{key}"
