"""One number format: numbers written and read in the user's locale, through Babel.

Written: ``number()`` gives what Babel writes for the locale (vi ``1.234,5``, en
``1,234.5``); every page, message and export label uses it (or the ``decimalformat``
filter, which is the same Babel call).

Read: ``parse_number()`` is the one parser of every number field. The rule, the same
in every form:

- a number is read as the locale writes it: in Vietnamese ``1.234,5`` is 1234.5 and
  ``1.234`` (a dot before groups of exactly three digits, as the pages write
  thousands) is 1234; in English ``1,234.5`` is 1234.5 and ``1,234`` is 1234;
- the dot is also a decimal mark wherever it cannot be a thousands group, so
  ``13.98`` is 13.98 in every locale, and so is ``13,98`` in Vietnamese;
- a space (or a non-breaking one) may group thousands: ``1 234,5``;
- anything else (``1.234.5``, ``1,234.5`` in Vietnamese, ``13,98`` in English) is
  not a number: the form names the field and shows how to write one.
"""

import re
from decimal import Decimal

from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol
from flask import has_app_context
from flask_babel import get_locale

QUANTITY = "#,##0.###"
COORDINATE = "#,##0.######"
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
_MINUSES = str.maketrans({"\u2212": "-", "\u2013": "-"})


def _locale(locale=None):
    if locale is not None:
        return locale
    return (get_locale() if has_app_context() else None) or "vi"


def _patterns(locale) -> tuple[re.Pattern, re.Pattern]:
    decimal, group = get_decimal_symbol(locale), get_group_symbol(locale)
    marks = re.escape(decimal) + ("" if decimal == "." else r"\.")
    separators = re.escape(group) + " "
    # A group separator is used the same way throughout; the dot is a decimal mark
    # only when it is not the separator used.
    grouped = re.compile(
        rf"(?P<int>[1-9]\d{{0,2}}(?P<sep>[{separators}])\d{{3}}(?:(?P=sep)\d{{3}})*)"
        rf"(?:(?P<mark>[{marks}])(?P<frac>\d+))?"
    )
    plain = re.compile(rf"(?P<int>\d*)(?:(?P<mark>[{marks}])(?P<frac>\d+))?")
    return grouped, plain


def parse_number(text, locale=None) -> Decimal | None:
    """``text`` read as a number by the rule above (the user's locale); None if it is none."""
    if text is None:
        return None
    raw = _SPACES.sub(" ", str(text).translate(_MINUSES)).strip()
    sign = ""
    if raw[:1] in "+-" and raw:
        sign, raw = ("-" if raw[0] == "-" else ""), raw[1:].strip()
    grouped, plain = _patterns(_locale(locale))
    match = grouped.fullmatch(raw)
    if match and match["mark"] == match["sep"]:
        match = None
    match = match or plain.fullmatch(raw)
    if not match or not (match["int"] or match["frac"]):
        return None
    whole = re.sub(r"\D", "", match["int"]) or "0"
    fraction = f".{match['frac']}" if match["frac"] else ""
    return Decimal(f"{sign}{whole}{fraction}")


def read_number(text: str | None) -> str | None:
    """A form's number as the schemas read it (``1234.5``); what is no number, as typed.

    Passing unreadable text on lets the schema refuse it and name the field.
    """
    if text is None:
        return None
    number = parse_number(text)
    if number is None:
        return text
    plain = format(number, "f")
    # "1.234" would read back as 1234 in Vietnamese; "1.2340" reads back as itself, so a
    # form shown again with what was read still means the same number.
    return plain + "0" if len(plain.partition(".")[2]) == 3 else plain


def number(value, pattern: str = QUANTITY, locale=None) -> str:
    """``value`` as the user's locale writes it (``1.234,5``); "—" when there is none."""
    if value is None:
        return "—"
    return format_decimal(value, format=pattern, locale=_locale(locale))


def input_value(value) -> str:
    """A stored number as a form input shows it: the locale's mark, no rounding, no grouping."""
    if value is None:
        return ""
    digits = format(Decimal(str(value)).normalize(), "f")
    return number(Decimal(digits), "0." + "#" * max(len(digits.partition(".")[2]), 1))


def coordinates(latitude, longitude, pattern: str = COORDINATE) -> str:
    """A point as "latitude; longitude": a semicolon, since a comma may be a decimal mark."""
    return f"{number(latitude, pattern)}; {number(longitude, pattern)}"


def examples() -> dict[str, str]:
    """Numbers a hint or an error shows to say how to write one, in the user's locale."""
    return {"decimal": number(Decimal("1234.5")), "whole": number(1234), "small": number(13.98)}
