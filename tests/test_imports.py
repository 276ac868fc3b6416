"""CSV/XLSX import of organizations and member households: formats, all-or-nothing, CLI."""

import io
import unicodedata
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from sqlalchemy import event, inspect, select

from core.errors import Forbidden, NotFound, ServiceError
from core.extensions import db
from registry.models import MemberHousehold, MemberType, Organization, OrgKind, Role, User
from registry.schemas import MemberInputSchema, OrganizationInputSchema
from registry.services import imports, members, organizations, spreadsheets
from tests.conftest import GIA_LAI_COMMUNES, row_count

DAK_DOA, CHU_SE, PLEIKU, GAO = GIA_LAI_COMMUNES
ORG_HEADER = "kind,name,registration_code,admin_unit,sector,status,established_on,rating"


def _department() -> User:
    return User(role=Role.DEPARTMENT_ADMIN, email="so@x.vn", full_name="Sở", password_hash="x")


def _csv(*lines: str, newline: str = "\n", encoding: str = "utf-8") -> bytes:
    return (newline.join(lines) + newline).encode(encoding)


def _orgs(data: bytes, filename: str = "orgs.csv", **kwargs) -> imports.ImportReport:
    return imports.import_organizations(_department(), filename, data, **kwargs)


def _members(org_id: int, data: bytes, user=None, filename="ho.csv") -> imports.ImportReport:
    return imports.import_members(user or _department(), org_id, filename, data)


def _org(code: str) -> Organization:
    return db.session.scalars(
        select(Organization).where(Organization.registration_code == code)
    ).one()


def _households(org_id: int) -> list[MemberHousehold]:
    return list(
        db.session.scalars(
            select(MemberHousehold)
            .where(MemberHousehold.organization_id == org_id)
            .order_by(MemberHousehold.id)
        )
    )


def _where(report) -> set[tuple[int, str]]:
    return {(error.row, error.column) for error in report.errors}


def _xlsx(*rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def _cp1258(text: str) -> bytes:
    """Encode as legacy Windows Vietnamese software does: tone marks as combining characters."""
    out = b""
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        tones = "".join(mark for mark in decomposed if mark in TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
        out += (base + tones).encode("cp1258")
    return out


def test_a_good_csv_imports_every_row(ctx):
    seen = []
    report = _orgs(
        _csv(
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
    coop = _org("5900000001")
    assert coop.kind == OrgKind.COOPERATIVE and coop.admin_unit.code == DAK_DOA
    assert coop.established_on == date(2019, 3, 15) and coop.latest_rating.rating == "good"
    assert coop.gln == "8930000000019" and coop.latitude == pytest.approx(13.98)
    assert _org("5900000002").established_on == date(2021, 2, 1)
    assert _org("5900000003").status == "suspended" and _org("5900000003").sector == "agricultural"


def test_utf8_with_bom(ctx):
    bom = b"\xef\xbb\xbf"
    data = bom + _csv("Tên HTX,Mã số HTX,Loại hình,Mã xã", f"HTX Đồng Tâm,5900000011,HTX,{GAO}")
    report = _orgs(data)
    assert report.ok, report.errors
    db.session.commit()
    assert _org("5900000011").name == "HTX Đồng Tâm"
    report = _orgs(bom + _csv("name,kind,registration_code,admin_unit", f",HTX,5900000012,{GAO}"))
    assert _where(report) == {(2, "name")}  # the header as written, without the BOM


def test_excel_unicode_text_is_utf16_with_tabs(ctx):
    text = f"Tên HTX\tMã số HTX\tLoại hình\tMã xã\r\nHTX Ia Băng\t5900000013\tHTX\t{GAO}\r\n"
    report = _orgs(text.encode("utf-16"), filename="orgs.txt")
    assert report.ok, report.errors
    db.session.commit()
    assert _org("5900000013").name == "HTX Ia Băng"


def test_semicolon_excel_csv_with_crlf_and_quoted_fields(ctx):
    data = _csv(
        "sep=;",
        "Tên HTX;Mã số HTX;Loại hình;Mã xã;Địa chỉ;Vĩ độ;Số thành viên",
        f'"HTX ""Sao Mai""; Ia Grai";5900000021;HTX;{DAK_DOA};"Thôn 1;\r\nxã Đak Đoa";13,98;1.234',
        f"HTX Bình Minh;5900000022;HTX;{CHU_SE};;;",
        newline="\r\n",
    )
    report = _orgs(data)
    assert report.ok, report.errors
    assert report.total_rows == 2
    db.session.commit()
    org = _org("5900000021")
    assert org.name == 'HTX "Sao Mai"; Ia Grai'
    assert org.address == "Thôn 1;\r\nxã Đak Đoa"
    assert org.latitude == pytest.approx(13.98) and org.member_count == 1234


def test_semicolon_is_sniffed_without_a_sep_line(ctx):
    data = _csv("Tên;Mã số;Loại hình;Thôn, làng", newline="\r\n")  # a comma inside a header
    report = _orgs(data + _csv("HTX A;5900000031;HTX;x", newline="\r\n"))
    assert _where(report) == {(1, "Thôn, làng"), (1, "Mã xã")}  # unknown + missing column


def test_cp1258_file_is_decoded_and_normalised(ctx, make_org):
    coop = make_org()
    name = "Nguyễn Thị Hường"
    data = _cp1258(f"Họ tên chủ hộ,Mã xã,Thôn\n{name},{DAK_DOA},Làng Ốp\n")
    with pytest.raises(UnicodeDecodeError):  # really the legacy encoding, not UTF-8
        data.decode("utf-8")
    report = _members(coop, data)
    assert report.ok, report.errors
    db.session.commit()
    [household] = _households(coop)
    assert household.head_name == name and household.village == "Làng Ốp"
    assert unicodedata.is_normalized("NFC", household.head_name)


def test_xlsx_with_numbers_and_dates(ctx, make_org):
    coop = make_org()
    data = _xlsx(
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
    report = _members(coop, data, filename="ho-thanh-vien.bin")  # told apart by content
    assert report.ok, report.errors
    assert report.total_rows == 3
    db.session.commit()
    first, second, third = _households(coop)
    assert first.admin_unit.code == DAK_DOA and first.phone == "0905123456"
    assert first.planted_area_ha == 1.5 and first.joined_on == date(2022, 5, 1)
    assert first.member_type == MemberType.ASSOCIATE
    assert second.phone == "0912 345 678" and second.member_type == MemberType.OFFICIAL
    assert third.planted_area_ha == 0.75 and third.joined_on == date(2023, 4, 3)


def test_xlsx_organizations_keep_codes_that_excel_made_numbers(ctx):
    data = _xlsx(
        ("Loại hình", "Tên", "Mã số đăng ký", "Mã số thuế", "Mã xã", "Ngày thành lập"),
        ("Doanh nghiệp", "Công ty CP Hà Nội", 101234567, 101234567, 4, datetime(2010, 1, 2)),
    )
    report = _orgs(data, filename="orgs.xlsx")
    assert report.ok, report.errors
    db.session.commit()
    org = _org("0101234567")
    assert org.tax_code == "0101234567" and org.admin_unit.code == "00004"
    assert org.established_on == date(2010, 1, 2)


def test_vietnamese_headers_and_values_with_or_without_diacritics(ctx):
    data = _csv(
        "STT,TÊN HTX,Mã số HTX,Loai hinh,Mã đơn vị hành chính,Lĩnh vực,Trạng thái,Xếp loại,"
        "Mã số thuế,Người đại diện,Điện thoại",
        f"1,HTX Ia Pếch,5900000041,Hợp tác xã,{DAK_DOA},Nông nghiệp,Đang hoạt động,Tốt,"
        "5900000041,Rơ Mah Thuyên,0905111222",
        f"2,THT Đak Sơmei,5900000042,Tổ hợp tác,{DAK_DOA},nong nghiep,Tạm ngừng,Khá,,,",
        f"3,Liên hiệp HTX Gia Lai,5900000043,Liên hiệp HTX,{PLEIKU},Phi nông nghiệp,Giải thể,"
        "Trung bình,,,",
        f"4,Công ty Cà phê,5900000044,doanh nghiep,{PLEIKU},,,Yếu,,,",
    )
    report = _orgs(data)
    assert report.ok, report.errors
    db.session.commit()
    first = _org("5900000041")
    assert (first.kind, first.sector, first.status) == ("cooperative", "agricultural", "active")
    assert first.representative == "Rơ Mah Thuyên" and first.tax_code == "5900000041"
    assert first.phone == "0905111222" and first.latest_rating.rating == "good"
    second, third, fourth = (_org(f"590000004{n}") for n in (2, 3, 4))
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
    data = _csv(
        'Chủ hộ,Mã xã,"Thôn, làng",Số điện thoại,Diện tích,Loại thành viên,Ngày gia nhập',
        f'Y Bhin Niê,{DAK_DOA},Buôn Ea Kmar,0905000111,"1,25",Thành viên liên kết,15/08/2020',
    )
    report = _members(coop, data)
    assert report.ok, report.errors
    db.session.commit()
    [household] = _households(coop)
    assert household.village == "Buôn Ea Kmar" and household.planted_area_ha == 1.25
    assert household.member_type == MemberType.ASSOCIATE
    assert household.joined_on == date(2020, 8, 15)


def test_one_bad_row_among_many_imports_nothing_and_reports_every_bad_row(ctx, make_org):
    make_org(registration_code="5900999999", name="HTX đã có")
    before = row_count(Organization)
    lines = [ORG_HEADER + ",gln"]
    for n in range(40):
        lines.append(f"cooperative,HTX {n},59001{n:05d},{DAK_DOA},agricultural,active,,,")
    lines[5] = "cooperative,HTX xã lạ,5900100004,99999,agricultural,active,,,"  # row 6
    lines[8] = f"cooperative,HTX trùng,5900100001,{DAK_DOA},agricultural,active,,,"  # row 9
    lines[11] = f"cooperative,HTX cũ,5900999999,{DAK_DOA},agricultural,active,,,"  # row 12
    lines[15] = f"cooperative,HTX ngày,5900100014,{DAK_DOA},agricultural,active,31/02/2024,,"
    lines[20] = f"cooperative,,5900100019,{DAK_DOA},agricultural,active,,,"  # row 21
    lines[22] = "cooperative,HTX tỉnh,5900100021,52,agricultural,active,,,"  # row 23
    lines[25] = f"cooperative,HTX GLN,5900100024,{DAK_DOA},agricultural,active,,,8930000000018"
    lines[30] = f"hợp tác,HTX loại,5900100029,{DAK_DOA},agricultural,active,,tuyệt,"
    report = _orgs(_csv(*lines))
    assert not report.ok and report.created == 0 and report.total_rows == 40
    assert _where(report) == {
        (6, "admin_unit"),  # unknown unit
        (9, "registration_code"),  # the same as row 3
        (12, "registration_code"),  # already in the registry
        (16, "established_on"),  # 31 February
        (21, "name"),  # required value missing
        (23, "admin_unit"),  # a province, not a commune
        (26, "gln"),  # bad check digit
        (31, "kind"),
        (31, "rating"),
    }
    assert all(error.message for error in report.errors)
    repeated = next(e for e in report.errors if e.row == 9)
    assert "3" in repeated.message and "5900100001" in repeated.message
    assert "99999" in next(e.message for e in report.errors if e.row == 6)
    db.session.rollback()
    assert row_count(Organization) == before


def test_duplicate_gln_in_file_and_registry(ctx, make_org):
    make_org(gln="8930000000019")
    data = _csv(
        "kind,name,registration_code,admin_unit,gln",
        f"cooperative,HTX 1,5900200001,{DAK_DOA},8930000000019",
        f"cooperative,HTX 2,5900200002,{DAK_DOA},8930000000026",
        f"cooperative,HTX 3,5900200003,{DAK_DOA},8930000000026",
        f"enterprise,Công ty 4,5900200001,{DAK_DOA},",  # another kind may share the code
    )
    report = _orgs(data)
    assert _where(report) == {(2, "gln"), (4, "gln")}


def test_bad_member_rows_import_nothing(ctx, make_org):
    coop = make_org()
    before = row_count(MemberHousehold)
    data = _csv(
        "head_name,admin_unit,joined_on,planted_area_ha,member_type,phone",
        f"Hộ tốt,{DAK_DOA},2020-01-01,1.5,official,0905000001",
        f"Hộ tương lai,{DAK_DOA},2999-01-01,,,",
        f",{DAK_DOA},,,,",
        "Hộ xã lạ,12345,,-3,khách,abc",
    )
    report = _members(coop, data)
    assert not report.ok and report.created == 0
    assert _where(report) == {
        (3, "joined_on"),
        (4, "head_name"),
        (5, "admin_unit"),
        (5, "planted_area_ha"),
        (5, "member_type"),
        (5, "phone"),
    }
    db.session.rollback()
    assert row_count(MemberHousehold) == before


def test_unknown_repeated_and_missing_columns(ctx):
    report = _orgs(_csv("kind,Tên,name,colour", "cooperative,HTX,HTX,xanh"))
    assert not report.ok and report.created == 0
    assert {e.row for e in report.errors} == {1}
    columns = {e.column: e.message for e in report.errors}
    assert "colour" in columns["colour"]  # unknown, and named
    assert "name" in columns  # repeats "Tên"
    assert "Mã số đăng ký" in columns and "Mã xã" in columns  # required, missing
    assert "Mã số đăng ký" in columns["Mã số đăng ký"]


def test_a_value_outside_the_named_columns_is_refused(ctx):
    data = _csv("kind,name,registration_code,admin_unit,,", f"HTX,A,5900300001,{DAK_DOA},,lạc")
    report = _orgs(data)
    assert _where(report) == {(2, "")}


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
    report = _orgs(data, filename="upload.csv")
    assert not report.ok and report.created == 0
    assert len(report.errors) == 1 and report.errors[0].row == 0 and report.errors[0].message
    assert row_count(Organization) == before


def test_a_zip_that_is_not_a_workbook(ctx):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    report = _orgs(buffer.getvalue(), filename="orgs.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(0, "")]


def _refused_as_a_whole(report) -> bool:
    return [(e.row, e.column) for e in report.errors] == [(0, "")] and report.created == 0


def test_row_and_size_limits(ctx, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_ROWS", 3)
    rows = [("cooperative", f"HTX {n}", f"59004{n:05d}", DAK_DOA) for n in range(4)]
    header = ("kind", "name", "registration_code", "admin_unit")
    assert _refused_as_a_whole(_orgs(_csv(*(",".join(r) for r in (header, *rows)))))
    assert _refused_as_a_whole(_orgs(_xlsx(header, *rows)))
    assert _orgs(_xlsx(header, *rows[:3])).ok
    db.session.rollback()
    monkeypatch.setattr(spreadsheets, "_MAX_UNZIPPED_BYTES", 1000)  # a "zip bomb"
    assert _refused_as_a_whole(_orgs(_xlsx(header, *rows[:3])))
    monkeypatch.setattr(spreadsheets, "MAX_BYTES", 50)
    assert _refused_as_a_whole(_orgs(_csv(*(",".join(r) for r in (header, *rows[:3])))))


def test_formula_looking_cells_are_plain_data(ctx):
    report = _orgs(_csv("kind,name,registration_code,admin_unit", f"HTX,=1+2,5900500001,{GAO}"))
    assert report.ok, report.errors
    db.session.commit()
    assert _org("5900500001").name == "=1+2"


def test_only_the_department_imports_organizations(ctx, world):
    coop_user = db.session.get(User, world["users"]["coop_a"])
    data = _csv("kind,name,registration_code,admin_unit", f"HTX,A,5900600001,{GAO}")
    with pytest.raises(Forbidden):
        imports.import_organizations(coop_user, "a.csv", data)
    assert _orgs(data).ok


def test_a_cooperative_imports_only_its_own_members(ctx, world):
    coop_a, coop_b = world["coop_a"], world["coop_b"]
    user_a = db.session.get(User, world["users"]["coop_a"])
    user_b = db.session.get(User, world["users"]["coop_b"])
    before = row_count(MemberHousehold)
    data = _csv("head_name,admin_unit", f"Hộ mới,{DAK_DOA}")
    with pytest.raises(NotFound):
        _members(coop_a, data, user=user_b)
    with pytest.raises(NotFound):  # an enterprise has no member households
        _members(world["ent_x"], data)
    assert row_count(MemberHousehold) == before
    assert _members(coop_a, data, user=user_a).created == 1
    assert _members(coop_b, data).created == 1  # the department, into any cooperative


@pytest.mark.parametrize("kind", ["organizations", "members"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_templates_import_once_filled_in(ctx, make_org, kind, fmt):
    content, mimetype, filename = imports.template_file(kind, fmt)
    assert filename.endswith("." + fmt) and mimetype
    values = {
        "organizations": {"Loại hình": "HTX", "Tên": "HTX Mẫu", "Mã số đăng ký": "5900700001"},
        "members": {"Họ tên chủ hộ": "Hộ Mẫu"},
    }[kind] | {"Mã xã": DAK_DOA}
    if fmt == "csv":
        assert content.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
        header = content.decode("utf-8-sig").strip().split(",")
        data = content + _csv(",".join(values.get(label, "") for label in header))
    else:
        book = openpyxl.load_workbook(io.BytesIO(content))
        header = [cell.value for cell in book.active[1]]
        book.active.append([values.get(label) for label in header])
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    report = _orgs(data) if kind == "organizations" else _members(make_org(), data)
    assert report.ok and report.created == 1, report.errors


def test_unknown_template(ctx):
    with pytest.raises(NotFound):
        imports.template_file("products", "csv")


def test_cli_imports_organizations_and_members(app, runner, tmp_path, world):
    orgs = tmp_path / "to-chuc.csv"
    orgs.write_bytes(
        _csv(
            "Tên HTX;Mã số HTX;Loại hình;Mã xã",
            f"HTX Một;5900800001;HTX;{DAK_DOA}",
            f"HTX Hai;5900800002;HTX;{CHU_SE}",
            newline="\r\n",
        )
    )
    result = runner.invoke(args=["import", "organizations", str(orgs)])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    households = tmp_path / "ho.xlsx"
    households.write_bytes(_xlsx(("Chủ hộ", "Mã xã"), ("Hộ A", DAK_DOA), ("Hộ B", GAO)))
    result = runner.invoke(args=["import", "members", "--org", "HTX-A-001", str(households)])
    assert result.exit_code == 0, result.output
    assert "created 2" in result.output
    with app.app_context():
        assert _org("5900800002").admin_unit.code == CHU_SE
        assert len(_households(world["coop_a"])) == 3  # the world's household and two new


def test_cli_failure_writes_nothing_and_prints_the_report(app, runner, tmp_path, world):
    path = tmp_path / "orgs.csv"
    path.write_bytes(
        _csv(
            "kind,name,registration_code,admin_unit",
            f"cooperative,HTX tốt,5900900001,{DAK_DOA}",
            "cooperative,HTX xấu,5900900002,99999",
            f"cooperative,HTX trùng,HTX-A-001,{DAK_DOA}",
        )
    )
    with app.app_context():
        before = row_count(Organization)
    result = runner.invoke(args=["import", "organizations", "--lang", "en", str(path)])
    assert result.exit_code != 0
    assert "row 3, admin_unit" in result.output and "99999" in result.output
    assert "row 4, registration_code" in result.output
    assert "created" not in result.output
    with app.app_context():
        assert row_count(Organization) == before
    result = runner.invoke(args=["import", "members", "--org", "NO-SUCH", str(path)])
    assert result.exit_code != 0 and "NO-SUCH" in result.output
    result = runner.invoke(args=["import", "members", "--org", "0101234567", str(path)])
    assert result.exit_code != 0  # an enterprise has no households


# Rows that the services (and so the API and the web forms) refuse; the import must refuse
# them too, in the same words, because it runs the services' own rule checks.
ORG_REFUSALS = {
    "registration code in use": {"registration_code": "5901000001"},
    "GLN in use": {"gln": "8930000000019"},
    "code and GLN in use": {"registration_code": "5901000001", "gln": "8930000000019"},
    "unknown commune": {"admin_unit": "99999"},
    "a province": {"admin_unit": "52"},
    "a legacy district": {"admin_unit": "622"},
}
MEMBER_REFUSALS = {
    "joining date in the future": {"joined_on": "2999-01-01"},
    "unknown commune": {"admin_unit": "99999"},
    "a province": {"admin_unit": "52"},
}


def _refusal(create, schema, raw: dict) -> dict[str, list[str]]:
    """What a service answers to ``raw`` loaded as the API loads it: {field: [messages]}."""
    with pytest.raises(ServiceError) as refused:
        create(schema().load(raw))
    return refused.value.errors


def _messages(report) -> dict[str, list[str]]:
    assert {error.row for error in report.errors} == {2}
    found: dict[str, list[str]] = {}
    for error in report.errors:
        found.setdefault(error.column, []).append(error.message)
    return found


@pytest.mark.parametrize("case", ORG_REFUSALS.values(), ids=ORG_REFUSALS.keys())
def test_the_import_refuses_an_organization_as_the_service_does(ctx, make_org, case):
    make_org(registration_code="5901000001", gln="8930000000019", name="HTX đã có")
    raw = {
        "kind": "cooperative",
        "name": "HTX mới",
        "registration_code": "5901000002",
        "admin_unit": DAK_DOA,
    } | case
    refused = _refusal(
        lambda values: organizations.create_organization(_department(), values),
        OrganizationInputSchema,
        raw,
    )
    report = _orgs(_csv(",".join(raw), ",".join(raw.values())))
    found = _messages(report)
    # The service stops at its first refusal; the import reports every one of the row.
    assert {name: found.get(name) for name in refused} == refused
    if len(case) == 2:
        assert set(found) == {"registration_code", "gln"}


@pytest.mark.parametrize("case", MEMBER_REFUSALS.values(), ids=MEMBER_REFUSALS.keys())
def test_the_import_refuses_a_household_as_the_service_does(ctx, make_org, case):
    coop = make_org()
    raw = {"head_name": "Hộ mới", "admin_unit": DAK_DOA} | case
    refused = _refusal(
        lambda values: members.add_member(_department(), coop, values), MemberInputSchema, raw
    )
    assert _messages(_members(coop, _csv(",".join(raw), ",".join(raw.values())))) == refused


def test_a_row_with_a_bad_value_is_still_checked_against_the_rules(ctx, make_org):
    coop = make_org()
    data = _csv("head_name,admin_unit,phone,joined_on", f"Hộ A,{DAK_DOA},abc,2999-01-01")
    assert _where(_members(coop, data)) == {(2, "phone"), (2, "joined_on")}


def test_an_edited_organization_may_keep_its_code_but_the_import_may_not(ctx, make_org):
    org_id = make_org(registration_code="5901000011", gln="8930000000026")
    values = OrganizationInputSchema().load(
        {
            "kind": "cooperative",
            "name": "HTX đổi tên",
            "registration_code": "5901000011",
            "admin_unit": CHU_SE,
            "gln": "8930000000026",
        }
    )
    assert organizations.update_organization(_department(), org_id, values).name == "HTX đổi tên"
    report = _orgs(_csv("kind,name,registration_code,admin_unit", f"HTX,X,5901000011,{CHU_SE}"))
    assert _where(report) == {(2, "registration_code")}


def _columns(obj, skip: set[str]) -> dict:
    return {
        column.key: getattr(obj, column.key)
        for column in inspect(type(obj)).column_attrs
        if column.key not in skip
    }


def test_an_imported_organization_is_built_as_the_service_builds_it(ctx):
    raw = {
        "kind": "Hợp tác xã",
        "name": "HTX Cà phê Ia Grai",
        "short_name": "HTX Ia Grai",
        "registration_code": "5901000021",
        "admin_unit": DAK_DOA,
        "address": "Thôn 3",
        "sector": "Phi nông nghiệp",
        "gln": "8930000000033",
        "status": "Tạm ngừng",
        "established_on": "15/03/2019",
        "member_count": "42",
        "rating": "Khá",
    }
    assert _orgs(_csv(",".join(raw), ",".join(raw.values()))).ok
    api_values = raw | {
        "kind": "cooperative",
        "registration_code": "5901000022",
        "sector": "non_agricultural",
        "gln": "8930000000040",
        "status": "suspended",
        "established_on": "2019-03-15",
        "rating": "fair",
    }
    created = organizations.create_organization(
        _department(), OrganizationInputSchema().load(api_values)
    )
    imported = _org("5901000021")
    skip = {"id", "registration_code", "gln", "search_text", "created_at", "updated_at"}
    assert _columns(imported, skip) == _columns(created, skip)
    assert imported.search_text == created.search_text.replace("5901000022", "5901000021")
    assert [(r.year, r.rating) for r in imported.ratings] == [
        (r.year, r.rating) for r in created.ratings
    ]


def test_an_imported_household_is_built_as_the_service_builds_it(ctx, make_org):
    coop = make_org()
    raw = {
        "head_name": "Rơ Châm H'Lin",
        "admin_unit": GAO,
        "village": "Làng Kon Brung",
        "phone": "0905000222",
        "planted_area_ha": "1,5",
        "member_type": "Liên kết",
        "joined_on": "01/03/2020",
    }
    assert _members(coop, _csv(",".join(raw), ",".join(f'"{v}"' for v in raw.values()))).ok
    api_values = raw | {
        "planted_area_ha": "1.5",
        "member_type": "associate",
        "joined_on": "2020-03-01",
    }
    created = members.add_member(_department(), coop, MemberInputSchema().load(api_values))
    [imported, _created] = _households(coop)
    skip = {"id", "created_at"}
    assert _columns(imported, skip) == _columns(created, skip)


@pytest.fixture
def count_selects(app):
    """Counts the SELECT statements run while the test's block runs."""
    selects = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield selects
    event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("kind", ["organizations", "members"])
def test_the_import_queries_as_often_for_many_rows_as_for_few(ctx, make_org, count_selects, kind):
    coop = make_org()
    counts = []
    for size in (2, 40):
        communes = (DAK_DOA, CHU_SE, PLEIKU, GAO)
        count_selects.clear()
        if kind == "organizations":
            lines = ["kind,name,registration_code,admin_unit,gln,rating"]
            lines += [f"HTX,HTX {n},59011{n:05d},{communes[n % 4]},,Tốt" for n in range(size)]
            report = _orgs(_csv(*lines))
        else:
            lines = ["head_name,admin_unit,joined_on"]
            lines += [f"Hộ {n},{communes[n % 4]},2020-01-0{n % 9 + 1}" for n in range(size)]
            report = _members(coop, _csv(*lines))
        assert report.ok and report.created == size, report.errors
        counts.append(len(count_selects))
        db.session.rollback()
    assert counts[0] == counts[1], counts
