"""One number format on the forms: each form's hints and error messages, rendered in
Vietnamese and in English, write their numbers as Babel does for that locale, and the
forms' one parser (core.numbers) reads every one of them back; the forms accept the
locale's decimal mark and the dot; messages and pages write quantities, sizes and
coordinates in the user's locale.
"""

import re
from decimal import Decimal
from html import unescape

import pytest

from core.extensions import db
from core.numbers import number, parse_number
from registry.models import MemberHousehold, Organization
from tests import labels_helpers
from tests.conftest import GIA_LAI_COMMUNES
from tests.trace_helpers import batch_form
from tests.web_helpers import org_form, text
from tests.web_helpers import post_from_home as post
from trace.models import Site

complete_batch = labels_helpers.complete_batch
LOCALES = ("vi", "en")
# A number as a text shows it: digits, perhaps grouped and with a decimal mark, not part
# of a word or code (GTIN, VN-52-…, dates are ISO or dd/mm/yyyy and checked apart).
_NUMBER = re.compile(r"(?<![\w/.,-])\d+(?:[.,]\d+)*(?![\w/-])")
_MESSAGES = re.compile(r'<span class="(?:hint|field-error)"[^>]*>(.*?)</span>', re.S)


def numbers_in(fragment: str) -> list[str]:
    """The numbers a piece of page text shows (tags removed)."""
    plain = unescape(re.sub(r"<[^>]+>", " ", fragment))
    return [token.rstrip(".,") for token in _NUMBER.findall(plain)]


def assert_written_for(locale: str, fragments: list[str]) -> list[str]:
    """Every number in ``fragments`` is read back by the parser and is written as Babel
    writes that value in ``locale`` (so ``10000`` or ``13.98`` in Vietnamese fail)."""
    found = []
    for fragment in fragments:
        for token in numbers_in(fragment):
            value = parse_number(token, locale)
            assert value is not None, (locale, token, fragment)
            assert number(value, locale=locale) == token, (locale, token, fragment)
            found.append(token)
    return found


def messages_of(html: str) -> list[str]:
    """The hints and field errors a form page shows."""
    return _MESSAGES.findall(html)


@pytest.fixture
def coop(login, world):
    return login(world["users"]["coop_a"])


@pytest.fixture
def department(login, world):
    return login(world["users"]["department"])


# Hints ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_the_forms_hints_write_numbers_in_the_locale(coop, department, world, locale):
    a = world["coop_a"]
    pages = {
        coop: ["/trace/sites/new", "/trace/batches/new", "/trace/products/new"],
        department: ["/registry/organizations/new", "/linkage/support/policies/new"],
    }
    pages[coop].append(f"/registry/organizations/{a}/members/new")
    shown = []
    for client, paths in pages.items():
        for path in paths:
            response = client.get(f"{path}?lang={locale}")
            assert response.status_code == 200, path
            shown += assert_written_for(locale, messages_of(text(response)))
    # The examples the hints give: 13,98 and 108,12; 1.000 and 1.250,5 (vi).
    expected = {"vi": {"13,98", "108,12", "1.000", "1.250,5"}, "en": {"13.98", "108.12", "1,000"}}
    assert expected[locale] <= set(shown)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_label_form_writes_sizes_and_limits_in_the_locale(app, coop, complete_batch, locale):
    batch = complete_batch()
    html = text(coop.get(f"/trace/batches/{batch['id']}/labels?lang={locale}"))
    options = re.findall(r'<option value="[a-z0-9-]+"[^>]*>([^<]+)</option>', html)
    assert len(options) >= 4
    assert_written_for(locale, options + messages_of(html))
    sizes = {"vi": ("63,5 × 33,9 mm", "10.000"), "en": ("63.5 × 33.9 mm", "10,000")}[locale]
    assert sizes[0] in unescape(html) and sizes[1] in unescape(html)
    assert {"vi": "63.5", "en": "63,5"}[locale] not in unescape(html)


# Error messages --------------------------------------------------------------------------------


def _refused(client, path: str, data: dict, locale: str) -> str:
    response = post(client, f"{path}?lang={locale}", data)
    assert response.status_code == 422, (path, response.status_code)
    return text(response)


@pytest.mark.parametrize("locale", LOCALES)
def test_the_forms_errors_write_numbers_in_the_locale(coop, department, world, locale):
    a, member = world["coop_a"], world["member_a"]
    refusals = [
        (
            coop,
            "/trace/sites/new",
            {
                "name": "Vùng A",
                "kind": "growing_area",
                "admin_unit": GIA_LAI_COMMUNES[0],
                "latitude": "abc",
                "area_ha": "1.234.5",
            },
        ),
        (
            coop,
            "/trace/products/new",
            {
                "name": "Cà phê",
                "category": "coffee",
                "unit": "kg",
                "no_standard_declared": "1",
                "shelf_life_days": "99999",
            },
        ),
        (
            coop,
            f"/registry/organizations/{a}/members/new",
            {
                "head_name": "Hộ Số",
                "admin_unit": GIA_LAI_COMMUNES[0],
                "member_type": "official",
                "planted_area_ha": "twelve",
            },
        ),
        (department, "/registry/organizations/new", org_form(member_count="2000000")),
        (coop, "/trace/batches/new", {**batch_form(0, member), "quantity": "x"}),
    ]
    written = []
    for client, path, data in refusals:
        html = _refused(client, path, data, locale)
        errors = re.findall(r'class="field-error"[^>]*>([^<]+)<', html)
        assert errors, path
        written += assert_written_for(locale, errors)
    # "write it like 1.234,5 or 13,98"; "between 1 and 3.650 days"; "at most 1.000.000".
    expected = {
        "vi": {"1.234,5", "13,98", "3.650", "1.000.000"},
        "en": {"1,234.5", "13.98", "3,650", "1,000,000"},
    }
    assert expected[locale] <= set(written)
    assert set(written) >= {number(Decimal("1234.5"), locale=locale)}


def test_the_households_total_is_written_in_the_locale(coop, world, farm):
    """Issue 26: "Tổng sản lượng của các hộ là 1900.000, không bằng 2000.000"."""
    member, product = world["member_a"], farm.product()
    data = {**batch_form(product["id"], member), "quantity": "2.000", f"hh-{member}": "1900"}
    html = unescape(_refused(coop, "/trace/batches/new", data, "vi"))
    assert "Tổng sản lượng của các hộ là 1.900, không bằng số lượng của lô là 2.000." in html
    # In English "2.000" is two: the comma groups thousands there.
    html = unescape(_refused(coop, "/trace/batches/new", {**data, "quantity": "2,000"}, "en"))
    assert "add up to 1,900, not to the batch's 2,000." in html


# Reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "typed", "read"),
    [("vi", "13,98", 13.98), ("vi", "13.98", 13.98), ("en", "13.98", 13.98)],
)
def test_the_organization_form_reads_the_decimal_comma_and_the_dot(
    app, department, locale, typed, read
):
    """Issue 26: the hint said "ví dụ 13,98" and 13,98 was refused."""
    form = org_form(name="HTX Tọa Độ", latitude=typed, longitude=typed.replace("13,", "108,"))
    response = post(department, f"/registry/organizations/new?lang={locale}", form)
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        org = db.session.query(Organization).filter_by(name="HTX Tọa Độ").one()
        assert org.latitude == read and org.longitude == (108.98 if "," in typed else 13.98)
    page = unescape(text(department.get(f"{response.location}?lang={locale}")))
    shown = "13,98; 108,98" if "," in typed else number(13.98, locale=locale) + "; "
    assert shown in page


def test_the_household_and_site_forms_read_vietnamese_numbers(app, coop, world):
    a = world["coop_a"]
    household = {
        "head_name": "Hộ Diện Tích",
        "admin_unit": GIA_LAI_COMMUNES[0],
        "member_type": "official",
        "planted_area_ha": "1,25",
    }
    assert post(coop, f"/registry/organizations/{a}/members/new", household).status_code == 302
    site = {
        "name": "Vùng Số",
        "kind": "growing_area",
        "admin_unit": GIA_LAI_COMMUNES[0],
        "area_ha": "1.234,5",
        "latitude": "13,98",
        "longitude": "108.12",
    }
    response = post(coop, "/trace/sites/new", site)
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        member = db.session.query(MemberHousehold).filter_by(head_name="Hộ Diện Tích").one()
        saved = db.session.query(Site).filter_by(name="Vùng Số").one()
        assert member.planted_area_ha == 1.25
        assert (saved.area_ha, saved.latitude, saved.longitude) == (1234.5, 13.98, 108.12)
    page = unescape(text(coop.get(response.location)))
    assert "13,98; 108,12" in page and "13,980000" not in page


def test_a_refused_form_keeps_what_was_typed(coop, world):
    """Shown again, "1,234" stays 1,234 (not a dot that would read as thousands)."""
    site = {
        "name": "",
        "kind": "growing_area",
        "admin_unit": GIA_LAI_COMMUNES[0],
        "area_ha": "1,234",
        "latitude": "13,98",
    }
    html = _refused(coop, "/trace/sites/new", site, "vi")
    assert re.search(r'name="area_ha"[^>]*value="1,234"', html)
    assert re.search(r'name="latitude"[^>]*value="13,98"', html)
