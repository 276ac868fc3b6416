"""The registry's import pages: organizations and households from spreadsheets."""

import re
from datetime import date
from io import BytesIO

import pytest

from core.extensions import db
from registry.models import MemberHousehold, Organization
from tests.conftest import csrf_token
from tests.web_helpers import count, households_tile, text

ORG_CSV = (
    "Loại hình,Tên,Mã số đăng ký,Mã xã,Xếp loại,Năm xếp loại\n"
    "HTX,HTX Nhập Một,IMP-001,23677,Khá,2025\n"
    "Doanh nghiệp,Công ty Nhập Hai,IMP-002,23941,,\n"
)


def upload(client, path: str, content: str | bytes | None, filename: str = "data.csv"):
    data = {"csrf_token": csrf_token(client, "/")}
    if content is not None:
        raw = content.encode() if isinstance(content, str) else content
        data["file"] = (BytesIO(raw), filename)
    return client.post(path, data=data, content_type="multipart/form-data")


def test_department_imports_organizations(app, world, login):
    client = login(world["users"]["department"])
    page = text(client.get("/registry/organizations/import"))
    assert 'enctype="multipart/form-data"' in page and 'name="csrf_token"' in page
    before = count(app, Organization)
    response = upload(client, "/registry/organizations/import", ORG_CSV)
    assert response.status_code == 302
    assert count(app, Organization) == before + 2
    listing = text(client.get("/registry/organizations?q=nhap"))
    assert "HTX Nhập Một" in listing and "Công ty Nhập Hai" in listing


def test_a_bad_row_imports_nothing_and_is_reported(app, world, login):
    client = login(world["users"]["department"])
    bad = ORG_CSV + "HTX,HTX Trùng mã,IMP-001,23677,,\nHTX,HTX Sai xã,IMP-004,99999,,\n"
    before = count(app, Organization)
    response = upload(client, "/registry/organizations/import", bad)
    html = text(response)
    assert response.status_code == 422
    assert count(app, Organization) == before
    report = html.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<td class="num">(\d+)</td><td><code>([^<]*)</code></td>', report)
    assert rows == [("4", "Mã số đăng ký"), ("5", "Mã xã")]
    assert "IMP-001" in report and "99999" in report
    assert "HTX Nhập Một" not in text(client.get("/registry/organizations?q=nhap"))


def test_import_needs_a_readable_file(app, world, login):
    client = login(world["users"]["department"])
    missing = upload(client, "/registry/organizations/import", None)
    assert missing.status_code == 422
    assert re.search(r'class="field has-error">\s*<label for="f-file"', text(missing))
    garbage = upload(client, "/registry/organizations/import", b"%PDF-1.4 x", "scan.pdf")
    assert garbage.status_code == 422 and 'id="import-errors"' in text(garbage)


def test_only_the_department_imports_organizations(app, world, login):
    before = count(app, Organization)
    client = login(world["users"]["coop_a"])
    assert upload(client, "/registry/organizations/import", ORG_CSV).status_code == 403
    client = login(world["users"]["department"])
    no_csrf = client.post(
        "/registry/organizations/import",
        data={"file": (BytesIO(ORG_CSV.encode()), "orgs.csv")},
        content_type="multipart/form-data",
    )
    assert no_csrf.status_code == 400
    assert count(app, Organization) == before


def test_cooperative_imports_its_households(app, world, login):
    client = login(world["users"]["coop_a"])
    a = world["coop_a"]
    csv_text = (
        "Họ tên chủ hộ,Mã xã,Điện thoại,Diện tích (ha),Ngày vào\n"
        'Y Bhim,23677,0905111222,"1,5",01/03/2024\n'
        "H Hen,23677,,2,\n"
    )
    response = upload(client, f"/registry/organizations/{a}/members/import", csv_text)
    assert response.status_code == 302
    assert households_tile(text(client.get(f"/registry/organizations/{a}"))) == 3
    with app.app_context():
        member = db.session.query(MemberHousehold).filter_by(head_name="Y Bhim").one()
        assert (member.planted_area_ha, member.joined_on) == (1.5, date(2024, 3, 1))


def test_the_same_household_file_again_says_what_it_did(app, world, login):
    client = login(world["users"]["coop_a"])
    a = world["coop_a"]
    path = f"/registry/organizations/{a}/members/import"
    csv_text = "Họ tên chủ hộ,Mã xã,Điện thoại\nY Bhim,23677,0905111222\nH Hen,23677,\n"
    assert upload(client, path, csv_text).status_code == 302
    again = upload(client, path, csv_text.replace("H Hen,23677,", "H Hen,23677,0905333444"))
    assert again.status_code == 302
    page = text(client.get(again.headers["Location"]))
    assert "Thêm mới: 0. Cập nhật: 1. Không thay đổi: 1." in page
    assert households_tile(text(client.get(f"/registry/organizations/{a}"))) == 3


def test_other_cooperative_cannot_import_households(app, world, login):
    before = count(app, MemberHousehold)
    client = login(world["users"]["coop_b"])
    path = f"/registry/organizations/{world['coop_a']}/members/import"
    assert upload(client, path, "Họ tên chủ hộ,Mã xã\nKẻ lạ,23677\n").status_code == 404
    client = login(world["users"]["ent_x"])
    assert upload(client, path, "Họ tên chủ hộ,Mã xã\nKẻ lạ,23677\n").status_code == 404
    assert count(app, MemberHousehold) == before


@pytest.mark.parametrize(
    ("kind", "fmt", "magic"),
    [("organizations", "csv", b"\xef\xbb\xbf"), ("members", "xlsx", b"PK")],
)
def test_import_templates_download(world, login, kind, fmt, magic):
    client = login(world["users"]["coop_a"])
    response = client.get(f"/registry/imports/{kind}/template.{fmt}")
    assert response.status_code == 200
    assert response.data.startswith(magic)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/registry/imports/{kind}/template.pdf").status_code == 404
    assert client.get("/registry/imports/users/template.csv").status_code == 404
