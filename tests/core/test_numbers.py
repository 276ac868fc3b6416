"""The one number rule (core.numbers): how every form reads a number, and how pages write one."""

from decimal import Decimal

import pytest

from core.numbers import coordinates, input_value, number, parse_number, read_number
from registry.services.spreadsheets import cell_decimal, cell_integer

D = Decimal


@pytest.mark.parametrize(
    ("text", "vi", "en"),
    [
        # The decimal mark: the locale's, and the dot wherever it is no thousands group.
        ("13,98", D("13.98"), None),
        ("13.98", D("13.98"), D("13.98")),
        ("108,12", D("108.12"), None),
        ("0.500", D("0.5"), D("0.5")),
        (".5", D("0.5"), D("0.5")),
        ("-13,5", D("-13.5"), None),
        # "1.234": a dot before exactly three digits is the Vietnamese thousands group, as the
        # pages write 1234; in English the dot is the decimal mark and the comma groups.
        ("1.234", D(1234), D("1.234")),
        ("1,234", D("1.234"), D(1234)),
        ("10.000", D(10000), D(10)),
        ("1.234,5", D("1234.5"), None),
        ("1,234.5", None, D("1234.5")),
        ("1.234.567", D(1234567), None),
        ("1 234,5", D("1234.5"), None),
        ("1\u00a0234", D(1234), D(1234)),
        # No number: refused, for the schema to name the field.
        ("1.234.5", None, None),
        ("12.34.567", None, None),
        ("12.", None, None),
        ("abc", None, None),
        ("", None, None),
        ("nan", None, None),
        ("1e5", None, None),
    ],
)
def test_the_rule_in_each_locale(text, vi, en):
    assert parse_number(text, "vi") == vi
    assert parse_number(text, "en") == en


@pytest.mark.parametrize("value", [D("1234.5"), D("13.98"), D("0.75"), D(10000), D("1.234")])
@pytest.mark.parametrize("locale", ["vi", "en"])
def test_what_pages_write_reads_back_the_same(value, locale):
    assert parse_number(number(value, locale=locale), locale) == value


def test_pages_write_the_locales_format():
    assert (number(D("1900"), locale="vi"), number(D("2000"), locale="en")) == ("1.900", "2,000")
    assert number(D("1234.5"), locale="vi") == "1.234,5"
    assert number(None) == "—"


def test_coordinates_are_kept_apart_by_a_semicolon(app):
    with app.test_request_context("/?lang=vi"):
        assert coordinates(13.98, 108.12) == "13,98; 108,12"
    with app.test_request_context("/?lang=en"):
        assert coordinates(13.98, 108.12) == "13.98; 108.12"


def test_what_a_form_passes_on_reads_the_same_when_shown_again(app):
    """A re-rendered form may show what was read: it must not turn 1.234 into 1234."""
    with app.test_request_context("/?lang=vi"):
        assert read_number("1,234") == "1.2340" and parse_number("1.2340") == D("1.234")
        assert read_number("1.234") == "1234" and read_number("13,98") == "13.98"
        assert read_number("1.234.5") == "1.234.5"  # passed on for the schema to refuse
        assert input_value(13.123456) == "13,123456" and input_value(D("1250.500")) == "1250,5"


def test_import_cells_follow_the_same_rule():
    assert cell_decimal("1,5") == "1.5" and cell_decimal("1.234,5") == "1234.5"
    assert cell_decimal("1,234.5") == "1234.5" and cell_decimal("13.98") == "13.98"
    assert cell_integer("1.234") == 1234 and cell_integer("1,234") == 1234
    assert cell_integer("1 234") == 1234 and cell_integer("1,5") == "1,5"
