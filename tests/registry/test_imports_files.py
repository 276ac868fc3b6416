"""What the import reads: CSV in every encoding and separator Vietnamese offices produce,
XLSX with numbers and dates, Vietnamese headers; columns, unusable files and limits."""

import io
import unicodedata
import zipfile
from datetime import date, datetime

import pytest

from core.extensions import db
from registry.models import MemberType, Organization, OrgKind
from registry.services import spreadsheets
from tests.conftest import row_count
from tests.import_files import (
    CHU_SE,
    DAK_DOA,
    GAO,
    ORG_HEADER,
    PLEIKU,
    cp1258,
    csv_file,
    households_of,
    import_members,
    import_orgs,
    org_by_code,
    where,
    xlsx_file,
)


def test_a_good_csv_imports_every_row(ctx):
    seen = []
    report = import_orgs(
        csv_file(
            ORG_HEADER + ",gln,latitude",
            f"cooperative,HTX Cà phê Ia Grai,5900000001,{DAK_DOA},agricultural,active,"
            f"2019-03-15,good,8930000000019,13.98",
            f"cooperative_group,Tổ hợp tác Hồ tiêu,5900000002,{CHU_SE},agricultural,active,"
            f"01/02/2021,,,",
            f"enterprise,Công ty TNHH Nông sản,5900000003,{PLEIKU},,suspended,,,,",
        ),
        progress=lambda rows: (seen.append(len(rows)), rows)[1],
    )
    assert report.ok, report.errors
    assert (report.kind, report.total_rows, report.created) == ("organizations", 3, 3)
    assert seen == [3, 3]  # one pass to check, one to create
    db.session.commit()
    coop = org_by_code("5900000001")
    assert coop.kind == OrgKind.COOPERATIVE and coop.admin_unit.code == DAK_DOA
    assert coop.established_on == date(2019, 3, 15) and coop.latest_rating.rating == "good"
    assert coop.gln == "8930000000019" and coop.latitude == pytest.approx(13.98)
    assert org_by_code("5900000002").established_on == date(2021, 2, 1)
    assert (
        org_by_code("5900000003").status == "suspended"
        and org_by_code("5900000003").sector == "agricultural"
    )


def test_utf8_with_bom(ctx):
    bom = b"\xef\xbb\xbf"
    data = bom + csv_file("Tên HTX,Mã số HTX,Loại hình,Mã xã", f"HTX Đồng Tâm,5900000011,HTX,{GAO}")
    report = import_orgs(data)
    assert report.ok, report.errors
    db.session.commit()
    assert org_by_code("5900000011").name == "HTX Đồng Tâm"
    report = import_orgs(
        bom + csv_file("name,kind,registration_code,admin_unit", f",HTX,5900000012,{GAO}")
    )
    assert where(report) == {(2, "name")}  # the header as written, without the BOM


def test_excel_unicode_text_is_utf16_with_tabs(ctx):
    text = f"Tên HTX\tMã số HTX\tLoại hình\tMã xã\r\nHTX Ia Băng\t5900000013\tHTX\t{GAO}\r\n"
    report = import_orgs(text.encode("utf-16"), filename="orgs.txt")
    assert report.ok, report.errors
    db.session.commit()
    assert org_by_code("5900000013").name == "HTX Ia Băng"


def test_semicolon_excel_csv_with_crlf_and_quoted_fields(ctx):
    data = csv_file(
        "sep=;",
        "Tên HTX;Mã số HTX;Loại hình;Mã xã;Địa chỉ;Vĩ độ;Số thành viên",
        f'"HTX ""Sao Mai""; Ia Grai";5900000021;HTX;{DAK_DOA};"Thôn 1;\r\nxã Đak Đoa";13,98;1.234',
        f"HTX Bình Minh;5900000022;HTX;{CHU_SE};;;",
        newline="\r\n",
    )
    report = import_orgs(data)
    assert report.ok, report.errors
    assert report.total_rows == 2
    db.session.commit()
    org = org_by_code("5900000021")
    assert org.name == 'HTX "Sao Mai"; Ia Grai'
    assert org.address == "Thôn 1;\r\nxã Đak Đoa"
    assert org.latitude == pytest.approx(13.98) and org.member_count == 1234


def test_semicolon_is_sniffed_without_a_sep_line(ctx):
    data = csv_file("Tên;Mã số;Loại hình;Thôn, làng", newline="\r\n")  # a comma inside a header
    report = import_orgs(data + csv_file("HTX A;5900000031;HTX;x", newline="\r\n"))
    assert where(report) == {(1, "Thôn, làng"), (1, "Mã xã")}  # unknown + missing column


def test_cp1258_file_is_decoded_and_normalised(ctx, make_org):
    coop = make_org()
    name = "Nguyễn Thị Hường"
    data = cp1258(f"Họ tên chủ hộ,Mã xã,Thôn\n{name},{DAK_DOA},Làng Ốp\n")
    with pytest.raises(UnicodeDecodeError):  # really the legacy encoding, not UTF-8
        data.decode("utf-8")
    report = import_members(coop, data)
    assert report.ok, report.errors
    db.session.commit()
    [household] = households_of(coop)
    assert household.head_name == name and household.village == "Làng Ốp"
    assert unicodedata.is_normalized("NFC", household.head_name)


def test_xlsx_with_numbers_and_dates(ctx, make_org):
    coop = make_org()
    data = xlsx_file(
        (
            "Họ tên chủ hộ",
            "Mã xã",
            "Số điện thoại",
            "Diện tích (ha)",
            "Ngày vào",
            "Loại thành viên",
        ),
        ("Trần Văn Bảy", int(DAK_DOA), 905123456, 1.5, datetime(2022, 5, 1), "Liên kết"),
        ("Ksor H'Ly", DAK_DOA, "0912 345 678", 2, None, "Chính thức"),
        (None, None, None, None, None, None),
        ("Rơ Châm Ngó", float(CHU_SE), None, "0,75", "03/04/2023", None),
    )
    report = import_members(coop, data, filename="ho-thanh-vien.bin")  # told apart by content
    assert report.ok, report.errors
    assert report.total_rows == 3
    db.session.commit()
    first, second, third = households_of(coop)
    assert first.admin_unit.code == DAK_DOA and first.phone == "0905123456"
    assert first.planted_area_ha == 1.5 and first.joined_on == date(2022, 5, 1)
    assert first.member_type == MemberType.ASSOCIATE
    assert second.phone == "0912 345 678" and second.member_type == MemberType.OFFICIAL
    assert third.planted_area_ha == 0.75 and third.joined_on == date(2023, 4, 3)


def test_xlsx_organizations_keep_codes_that_excel_made_numbers(ctx):
    data = xlsx_file(
        ("Loại hình", "Tên", "Mã số đăng ký", "Mã số thuế", "Mã xã", "Ngày thành lập"),
        ("Doanh nghiệp", "Công ty CP Hà Nội", 101234567, 101234567, 4, datetime(2010, 1, 2)),
    )
    report = import_orgs(data, filename="orgs.xlsx")
    assert report.ok, report.errors
    db.session.commit()
    org = org_by_code("0101234567")
    assert org.tax_code == "0101234567" and org.admin_unit.code == "00004"
    assert org.established_on == date(2010, 1, 2)


def test_vietnamese_headers_and_values_with_or_without_diacritics(ctx):
    data = csv_file(
        "STT,TÊN HTX,Mã số HTX,Loai hinh,Mã đơn vị hành chính,Lĩnh vực,Trạng thái,Xếp loại,"
        "Mã số thuế,Người đại diện,Điện thoại",
        f"1,HTX Ia Pếch,5900000041,Hợp tác xã,{DAK_DOA},Nông nghiệp,Đang hoạt động,Tốt,"
        "5900000041,Rơ Mah Thuyên,0905111222",
        f"2,THT Đak Sơmei,5900000042,Tổ hợp tác,{DAK_DOA},nong nghiep,Tạm ngừng,Khá,,,",
        f"3,Liên hiệp HTX Gia Lai,5900000043,Liên hiệp HTX,{PLEIKU},Phi nông nghiệp,Giải thể,"
        "Trung bình,,,",
        f"4,Công ty Cà phê,5900000044,doanh nghiep,{PLEIKU},,,Yếu,,,",
    )
    report = import_orgs(data)
    assert report.ok, report.errors
    db.session.commit()
    first = org_by_code("5900000041")
    assert (first.kind, first.sector, first.status) == ("cooperative", "agricultural", "active")
    assert first.representative == "Rơ Mah Thuyên" and first.tax_code == "5900000041"
    assert first.phone == "0905111222" and first.latest_rating.rating == "good"
    second, third, fourth = (org_by_code(f"590000004{n}") for n in (2, 3, 4))
    assert (second.kind, second.status, second.latest_rating.rating) == (
        "cooperative_group",
        "suspended",
        "fair",
    )
    assert (third.kind, third.sector, third.status) == (
        "cooperative_union",
        "non_agricultural",
        "dissolved",
    )
    assert third.latest_rating.rating == "average"
    assert fourth.kind == "enterprise" and fourth.latest_rating.rating == "weak"


def test_vietnamese_member_headers(ctx, make_org):
    coop = make_org()
    data = csv_file(
        'Chủ hộ,Mã xã,"Thôn, làng",Số điện thoại,Diện tích,Loại thành viên,Ngày gia nhập',
        f'Y Bhin Niê,{DAK_DOA},Buôn Ea Kmar,0905000111,"1,25",Thành viên liên kết,15/08/2020',
    )
    report = import_members(coop, data)
    assert report.ok, report.errors
    db.session.commit()
    [household] = households_of(coop)
    assert household.village == "Buôn Ea Kmar" and household.planted_area_ha == 1.25
    assert household.member_type == MemberType.ASSOCIATE
    assert household.joined_on == date(2020, 8, 15)


def test_unknown_repeated_and_missing_columns(ctx):
    report = import_orgs(csv_file("kind,Tên,name,colour", "cooperative,HTX,HTX,xanh"))
    assert not report.ok and report.created == 0
    assert {e.row for e in report.errors} == {1}
    columns = {e.column: e.message for e in report.errors}
    assert "colour" in columns["colour"]  # unknown, and named
    assert "name" in columns  # repeats "Tên"
    assert "Mã số đăng ký" in columns and "Mã xã" in columns  # required, missing
    assert "Mã số đăng ký" in columns["Mã số đăng ký"]


def test_a_value_outside_the_named_columns_is_refused(ctx):
    data = csv_file("kind,name,registration_code,admin_unit,,", f"HTX,A,5900300001,{DAK_DOA},,lạc")
    report = import_orgs(data)
    assert where(report) == {(2, "")}


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,  # old .xls
        b"<html><table><tr><td>kind</td></tr></table></html>",
        b"PK\x03\x04 not really a zip",
        b"kind,name\n\x81\x8d\x8f,\x90\x9d\n",  # no known encoding decodes these
        b"",
        b"\r\n ;;\r\n",
        b"kind,name,registration_code,admin_unit\n",
    ],
    ids=["pdf", "png", "xls", "html", "broken-zip", "undecodable", "empty", "blank", "header"],
)
def test_files_that_are_not_usable_spreadsheets(ctx, data):
    before = row_count(Organization)
    report = import_orgs(data, filename="upload.csv")
    assert not report.ok and report.created == 0
    assert len(report.errors) == 1 and report.errors[0].row == 0 and report.errors[0].message
    assert row_count(Organization) == before


def test_a_zip_that_is_not_a_workbook(ctx):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    report = import_orgs(buffer.getvalue(), filename="orgs.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(0, "")]


def _refused_as_a_whole(report) -> bool:
    return [(e.row, e.column) for e in report.errors] == [(0, "")] and report.created == 0


def test_row_and_size_limits(ctx, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    rows = [("cooperative", f"HTX {n}", f"59004{n:05d}", DAK_DOA) for n in range(4)]
    header = ("kind", "name", "registration_code", "admin_unit")
    assert _refused_as_a_whole(import_orgs(csv_file(*(",".join(r) for r in (header, *rows)))))
    assert _refused_as_a_whole(import_orgs(xlsx_file(header, *rows)))
    assert import_orgs(xlsx_file(header, *rows[:3])).ok
    db.session.rollback()
    monkeypatch.setattr(spreadsheets, "_MAX_UNZIPPED_BYTES", 1000)  # a "zip bomb"
    assert _refused_as_a_whole(import_orgs(xlsx_file(header, *rows[:3])))
    monkeypatch.setattr(spreadsheets, "MAX_BYTES", 50)
    assert _refused_as_a_whole(import_orgs(csv_file(*(",".join(r) for r in (header, *rows[:3])))))


def test_formula_looking_cells_are_plain_data(ctx):
    report = import_orgs(
        csv_file("kind,name,registration_code,admin_unit", f"HTX,=1+2,5900500001,{GAO}")
    )
    assert report.ok, report.errors
    db.session.commit()
    assert org_by_code("5900500001").name == "=1+2"
