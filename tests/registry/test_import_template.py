"""The household import template guides whoever fills it in (issue 26, problem 10): each
column explained, example rows, a sheet of the province's communes with their GSO codes;
the importer takes a commune's name where it is unambiguous and says what it expects."""

import io

import openpyxl
import pytest

from registry.services import units
from tests.import_files import (
    DAK_DOA,
    csv_file,
    households_of,
    import_members,
    where,
    xlsx_file,
)
from tests.web_helpers import text

HEADER = "Họ tên chủ hộ,Mã xã,Điện thoại,Ngày vào"


def template(client, locale: str = "vi") -> openpyxl.Workbook:
    response = client.get(f"/registry/imports/members/template.xlsx?lang={locale}")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


@pytest.fixture
def coop(login, world):
    return login(world["users"]["coop_a"])


def test_the_template_explains_each_column_and_lists_the_communes(app, coop):
    book = template(coop)
    data, communes, guide = book.worksheets
    header = [cell.value for cell in data[1]]
    assert header[:2] == ["Họ tên chủ hộ", "Mã xã"]
    # Each header cell carries its note; the guide sheet lists them all.
    notes = {cell.value: cell.comment.text for cell in data[1]}
    assert all(notes.values()), notes
    assert "Bắt buộc" in notes["Mã xã"] and "5 chữ số" in notes["Mã xã"]
    assert communes.title in notes["Mã xã"]
    assert "dd/mm/yyyy" in notes["Ngày vào"] and "15/03/2021" in notes["Ngày vào"]
    assert "1,5" in notes["Diện tích (ha)"]
    guide_rows = [[cell for cell in row] for row in guide.iter_rows(values_only=True)]
    assert {row[0] for row in guide_rows if row and row[0]} >= set(header)
    # The second sheet: every current commune of the province with its GSO code.
    listed = {row[0]: row[1] for row in communes.iter_rows(min_row=2, values_only=True)}
    with app.app_context():
        expected = {unit.code: unit.full_name for unit in units.communes_of()}
    assert listed == expected and listed[DAK_DOA] == "Xã Đak Đoa"
    assert data.max_row == 1  # only the header: nothing in the first sheet is imported by mistake


def test_the_templates_example_rows_import_as_they_are(app, coop, world):
    """Copied to the first sheet, the guide's example rows import: one by code, one by name."""
    guide = template(coop).worksheets[2]
    rows = list(guide.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Họ tên chủ hộ" and i > 1)
    examples = [row for row in rows[start:] if any(row)]
    assert len(examples) == 3  # the header and two households
    assert not examples[2][1].isdigit()  # the second names its commune
    with app.test_request_context():
        report = import_members(world["coop_a"], xlsx_file(*examples), filename="mau.xlsx")
        assert report.ok, report.errors
        assert report.created == 2
        names = {m.head_name: m for m in households_of(world["coop_a"])}
        assert names["Rơ Mah H'Lan"].admin_unit.full_name.endswith(examples[2][1])


def test_the_template_speaks_english_to_an_english_user(coop):
    notes = {cell.value: cell.comment.text for cell in template(coop, "en").worksheets[0][1]}
    assert notes["Mã xã"].startswith("Required.") and "5 digits" in notes["Mã xã"]


@pytest.mark.parametrize("name", ["Xã Đak Đoa", "Đak Đoa", "xa dak doa", "ĐAK ĐOA"])
def test_a_commune_may_be_named(ctx, make_org, name):
    org = make_org("cooperative", registration_code="HTX-TEN-XA")
    report = import_members(org, csv_file(HEADER, f"Hộ Tên Xã,{name},0905000111,01/02/2024"))
    assert report.ok, report.errors
    assert households_of(org)[0].admin_unit.code == DAK_DOA


def test_an_ambiguous_commune_name_is_refused_naming_the_communes(app, ctx, make_org):
    """Without diacritics "Dong Tien" is both Xã Đồng Tiến and Phường Đông Tiến (Thái Nguyên)."""
    org = make_org("cooperative", registration_code="HTX-MO-HO")
    app.config["PROVINCE_CODE"] = "38"
    try:
        ambiguous = import_members(org, csv_file(HEADER, "Hộ Một,Dong Tien,0905000111,"))
        exact = import_members(org, csv_file(HEADER, "Hộ Hai,Xã Đồng Tiến,0905000112,"))
    finally:
        app.config["PROVINCE_CODE"] = "52"
    assert where(ambiguous) == {(2, "Mã xã")}
    message = ambiguous.errors[0].message
    assert "Xã Đồng Tiến (15724)" in message and "Phường Đông Tiến (15853)" in message
    assert "mã" in message
    assert exact.ok, exact.errors


def test_an_unknown_commune_says_a_code_or_a_name_is_expected(ctx, make_org):
    org = make_org("cooperative", registration_code="HTX-KHONG-XA")
    report = import_members(
        org, csv_file(HEADER, "Hộ Một,Xã Không Có,0905000111,", "Hộ Hai,99999,0905000112,")
    )
    messages = {error.row: error.message for error in report.errors}
    assert "Xã Không Có" in messages[2] and "mã xã/phường (5 chữ số) hoặc tên" in messages[2]
    assert "99999" in messages[3] and "mã xã/phường (5 chữ số)" in messages[3]


def test_a_bad_date_names_the_formats_the_import_reads(ctx, make_org):
    org = make_org("cooperative", registration_code="HTX-NGAY")
    bad = import_members(org, csv_file(HEADER, f"Hộ Một,{DAK_DOA},0905000111,31/02/2024"))
    message = bad.errors[0].message
    assert "dd/mm/yyyy" in message and "yyyy-mm-dd" in message and "YYYY-MM-DD" not in message
    good = import_members(org, csv_file(HEADER, f"Hộ Một,{DAK_DOA},0905000111,29/02/2024"))
    assert good.ok, good.errors


def test_the_import_page_links_the_guided_template(coop, world):
    page = text(coop.get(f"/registry/organizations/{world['coop_a']}/members/import"))
    assert "template.xlsx" in page
    guide = page.split('id="template-guide">', 1)[1].split("</p>", 1)[0]
    assert "Xã, phường" in guide and "Hướng dẫn" in guide and "tên" in guide
