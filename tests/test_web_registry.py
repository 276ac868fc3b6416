"""The registry's web UI: who sees and does what, forms, search, members, users, imports."""

import os
import re
from datetime import date, timedelta
from io import BytesIO

import pytest

from core.extensions import db
from registry.models import MemberHousehold, Organization, User
from tests.conftest import GIA_LAI_COMMUNES, PASSWORD, csrf_token, row_count

ROLES = ("department", "coop_a", "coop_b", "ent_x")


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, path: str, data: dict, **kwargs):
    """POST a form with the session's CSRF token (every logged-in page carries it)."""
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/")}, **kwargs)


def count(app, model) -> int:
    with app.app_context():
        return row_count(model)


def households_tile(html: str) -> int:
    match = re.search(r'id="households">\s*<span class="tile-number">([\d.,]+)<', html)
    assert match, "no household tile"
    return int(match.group(1).replace(".", "").replace(",", ""))


def table_rows(html: str) -> int:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return body.count("<tr")


def org_form(**values) -> dict:
    form = {
        "kind": "cooperative",
        "name": "HTX Nông nghiệp Ia Grai",
        "registration_code": "HTX-NEW-01",
        "admin_unit": GIA_LAI_COMMUNES[2],
        "sector": "agricultural",
        "status": "active",
        "tax_code": "5900123456",
        "address": "Thôn 3",
        "latitude": "13.98",
        "longitude": "108.01",
        "main_products": "Cà phê",
        "representative": "Lê Văn C",
        "phone": "0269 3822 111",
        "email": "htx@example.vn",
        "established_on": "2019-05-01",
        "member_count": "120",
        "rating_year": "2025",
        "rating": "good",
    }
    form.update(values)
    return form


# Who may see and do what ----------------------------------------------------------------


def _urls(world) -> dict[str, str]:
    a, x = world["coop_a"], world["ent_x"]
    return {
        "list": "/registry/organizations",
        "org_a": f"/registry/organizations/{a}",
        "members_a": f"/registry/organizations/{a}/members",
        "member_new_a": f"/registry/organizations/{a}/members/new",
        "member_a_edit": f"/registry/members/{world['member_a']}/edit",
        "members_x": f"/registry/organizations/{x}/members",
        "import_members_a": f"/registry/organizations/{a}/members/import",
        "org_new": "/registry/organizations/new",
        "org_a_edit": f"/registry/organizations/{a}/edit",
        "users": "/registry/users",
        "import_orgs": "/registry/organizations/import",
    }


EXPECTED = {
    #                  department coop_a coop_b ent_x
    "list": (200, 200, 200, 200),
    "org_a": (200, 200, 404, 404),
    "members_a": (200, 200, 404, 404),
    "member_new_a": (200, 200, 404, 404),
    "member_a_edit": (200, 200, 404, 404),
    "members_x": (404, 404, 404, 404),
    "import_members_a": (200, 200, 404, 404),
    "org_new": (200, 403, 403, 403),
    "org_a_edit": (200, 403, 403, 403),
    "users": (200, 403, 403, 403),
    "import_orgs": (200, 403, 403, 403),
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_pages_it_may_see(world, login, role):
    client = login(world["users"][role])
    urls = _urls(world)
    got = {name: client.get(url).status_code for name, url in urls.items()}
    expected = {name: codes[ROLES.index(role)] for name, codes in EXPECTED.items()}
    assert got == expected


def test_anonymous_is_sent_to_login(world, client):
    for url in _urls(world).values():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next=%2Fregistry%2F"), url
    response = client.post(f"/registry/members/{world['member_a']}/leave")
    assert response.status_code in (302, 400)


def test_cooperative_sees_only_its_own_organization_in_the_list(world, login):
    html = text(login(world["users"]["coop_a"]).get("/registry/organizations"))
    assert "HTX Cà phê Đăk Đoa" in html
    assert "HTX Hồ tiêu Chư Sê" not in html  # in Chư Sê: neither its name nor its commune match


def test_department_sees_every_organization(world, login):
    html = text(login(world["users"]["department"]).get("/registry/organizations"))
    for name in ("HTX Cà phê Đăk Đoa", "HTX Hồ tiêu Chư Sê", "Công ty TNHH X", "Công ty CP Y"):
        assert name in html


def test_personal_data_never_reaches_an_enterprise_or_another_cooperative(app, world, login):
    a, m = world["coop_a"], world["member_a"]
    pages = [
        "/",
        "/registry/organizations",
        "/registry/organizations?q=nguyen van an",
        f"/registry/organizations/{a}",
        f"/registry/organizations/{a}/members",
        f"/registry/organizations/{a}/members?include_left=1",
        f"/registry/members/{m}/edit",
        f"/registry/organizations/{a}/members/import",
    ]
    for role in ("ent_x", "coop_b"):
        client = login(world["users"][role])
        for page in pages:
            html = text(client.get(page))
            assert "0905123456" not in html, (role, page)
            assert "Nguyễn Văn An" not in html, (role, page)
    own = text(login(world["users"]["coop_a"]).get(f"/registry/organizations/{a}/members"))
    assert "0905123456" in own and "Nguyễn Văn An" in own


def test_other_cooperative_cannot_change_members(app, world, login):
    client = login(world["users"]["coop_b"])
    a, m = world["coop_a"], world["member_a"]
    before = count(app, MemberHousehold)
    new = post(
        client,
        f"/registry/organizations/{a}/members/new",
        {"head_name": "Kẻ lạ", "admin_unit": GIA_LAI_COMMUNES[0]},
    )
    edit = post(
        client,
        f"/registry/members/{m}/edit",
        {"head_name": "Đổi tên", "admin_unit": GIA_LAI_COMMUNES[0]},
    )
    leave = post(client, f"/registry/members/{m}/leave", {"left_on": date.today().isoformat()})
    assert (new.status_code, edit.status_code, leave.status_code) == (404, 404, 404)
    assert count(app, MemberHousehold) == before
    with app.app_context():
        member = db.session.get(MemberHousehold, m)
        assert (member.head_name, member.left_on) == ("Nguyễn Văn An", None)


def test_only_the_department_may_register_or_edit(app, world, login):
    before = count(app, Organization)
    for role in ("coop_a", "ent_x"):
        client = login(world["users"][role])
        assert post(client, "/registry/organizations/new", org_form()).status_code == 403
        edit = post(client, f"/registry/organizations/{world['coop_a']}/edit", org_form())
        assert edit.status_code == 403
    assert count(app, Organization) == before
    with app.app_context():
        assert db.session.get(Organization, world["coop_a"]).name == "HTX Cà phê Đăk Đoa"


def test_edit_button_only_for_the_department(world, login):
    edit_link = f"/registry/organizations/{world['coop_a']}/edit"
    assert edit_link in text(login(world["users"]["department"]).get(edit_link[:-5]))
    assert edit_link not in text(login(world["users"]["coop_a"]).get(edit_link[:-5]))


# Registering and editing organizations ---------------------------------------------------


def test_department_registers_an_organization(app, world, login):
    client = login(world["users"]["department"])
    client.get("/lang/en")  # the rating label is checked in English
    form_html = text(client.get("/registry/organizations/new"))
    assert 'name="csrf_token"' in form_html
    for field in org_form():
        assert f'name="{field}"' in form_html, field
    assert f'<option value="{GIA_LAI_COMMUNES[2]}"' in form_html

    before = count(app, Organization)
    response = post(client, "/registry/organizations/new", org_form())
    assert response.status_code == 302
    assert count(app, Organization) == before + 1
    detail = text(client.get(response.headers["Location"], follow_redirects=True))
    assert "HTX Nông nghiệp Ia Grai" in detail and "HTX-NEW-01" in detail
    assert "5900123456" in detail and "htx@example.vn" in detail
    assert re.search(r"<td>2025</td><td>Good</td>", detail)
    assert households_tile(detail) == 0


def test_duplicate_registration_code_names_the_existing_org_and_writes_nothing(app, world, login):
    client = login(world["users"]["department"])
    before = count(app, Organization)
    response = post(client, "/registry/organizations/new", org_form(registration_code="HTX-A-001"))
    html = text(response)
    assert response.status_code == 422
    assert "HTX-A-001" in html and "HTX Cà phê Đăk Đoa" in html
    assert re.search(r'class="field has-error">\s*<label for="f-registration_code"', html)
    assert count(app, Organization) == before
    # the form keeps what was typed
    assert 'value="HTX Nông nghiệp Ia Grai"' in html


def test_unknown_admin_unit_is_refused_beside_the_field(app, world, login):
    client = login(world["users"]["department"])
    before = count(app, Organization)
    response = post(client, "/registry/organizations/new", org_form(admin_unit="99999"))
    html = text(response)
    assert response.status_code == 422
    assert re.search(r'class="field has-error">\s*<label for="f-admin_unit"', html)
    assert "99999" in html
    assert count(app, Organization) == before


def test_missing_and_malformed_fields_get_field_messages(app, world, login):
    client = login(world["users"]["department"])
    client.get("/lang/en")  # the messages are checked in English
    before = count(app, Organization)
    response = post(
        client,
        "/registry/organizations/new",
        {"kind": "cooperative", "email": "not-an-email", "tax_code": "12"},
    )
    html = text(response)
    assert response.status_code == 422
    for field in ("name", "registration_code", "admin_unit", "email", "tax_code"):
        assert re.search(rf'class="field has-error">\s*<label for="f-{field}"', html), field
    assert "This field is required." in html
    assert "Unknown field" not in html
    assert count(app, Organization) == before


def test_post_without_csrf_token_is_refused(app, world, login):
    client = login(world["users"]["department"])
    before = count(app, Organization)
    response = client.post("/registry/organizations/new", data=org_form())
    assert response.status_code == 400
    assert count(app, Organization) == before


def test_department_edits_an_organization(app, world, login):
    client = login(world["users"]["department"])
    a = world["coop_a"]
    form_html = text(client.get(f"/registry/organizations/{a}/edit"))
    assert 'value="HTX-A-001"' in form_html and 'value="HTX Cà phê Đăk Đoa"' in form_html
    assert re.search(rf'<option value="{GIA_LAI_COMMUNES[0]}" selected>', form_html)

    response = post(
        client,
        f"/registry/organizations/{a}/edit",
        org_form(
            name="HTX Cà phê Đăk Đoa Mới",
            registration_code="HTX-A-001",
            status="suspended",
            status_since="2026-01-15",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        org = db.session.get(Organization, a)
        assert (org.name, org.status.value, org.status_since) == (
            "HTX Cà phê Đăk Đoa Mới",
            "suspended",
            date(2026, 1, 15),
        )
        assert org.ratings[0].year == 2025


def test_edit_to_another_orgs_code_is_refused(app, world, login):
    client = login(world["users"]["department"])
    a = world["coop_a"]
    response = post(
        client,
        f"/registry/organizations/{a}/edit",
        org_form(name="Tên mới", registration_code="HTX-B-002"),
    )
    assert response.status_code == 422
    assert "HTX Hồ tiêu Chư Sê" in text(response)
    with app.app_context():
        org = db.session.get(Organization, a)
        assert (org.name, org.registration_code) == ("HTX Cà phê Đăk Đoa", "HTX-A-001")


# Search, filters, pagination -------------------------------------------------------------


def test_search_without_diacritics(world, make_org, login):
    make_org(name="HTX Dịch vụ Nông nghiệp Đak Đoa Xanh", registration_code="HTX-DD-9")
    html = text(login(world["users"]["department"]).get("/registry/organizations?q=dak doa"))
    assert "HTX Dịch vụ Nông nghiệp Đak Đoa Xanh" in html
    assert "HTX Cà phê Đăk Đoa" in html
    assert "HTX Hồ tiêu Chư Sê" not in html  # in Chư Sê: neither its name nor its commune match


def test_filters(world, make_org, login):
    make_org(name="HTX Giải thể", registration_code="HTX-GT-1", status="dissolved")
    make_org(name="HTX Dệt may", registration_code="HTX-DM-1", sector="non_agricultural")
    client = login(world["users"]["department"])

    def names(query: str) -> set[str]:
        html = text(client.get(f"/registry/organizations?{query}"))
        return set(re.findall(r'/registry/organizations/\d+">([^<]+)</a>', html))

    assert names("kind=enterprise") == {"Công ty TNHH X", "Công ty CP Y"}
    assert names(f"admin_unit={GIA_LAI_COMMUNES[1]}") == {"HTX Hồ tiêu Chư Sê"}
    assert names("status=dissolved") == {"HTX Giải thể"}
    assert names("sector=non_agricultural") == {"HTX Dệt may"}
    assert names("kind=cooperative&status=active&sector=agricultural") == {
        "HTX Cà phê Đăk Đoa",
        "HTX Hồ tiêu Chư Sê",
    }
    # A tampered filter is dropped and reported, never a server error.
    response = client.get("/registry/organizations?kind=bogus")
    assert response.status_code == 200 and "Công ty CP Y" in text(response)


def test_commune_filter_offers_the_province_communes(world, login):
    html = text(login(world["users"]["department"]).get("/registry/organizations"))
    select = html.split('<select id="f-admin_unit"', 1)[1].split("</select>", 1)[0]
    assert select.count("<option") > 100  # Gia Lai has 135 communes and wards
    assert f'value="{GIA_LAI_COMMUNES[0]}"' in select


def test_pagination(world, make_org, login):
    for n in range(27):
        make_org(name=f"HTX Phân trang {n:02d}", registration_code=f"PT-{n:03d}")
    client = login(world["users"]["department"])
    client.get("/lang/en")  # the pager and the empty list are checked in English
    first = text(client.get("/registry/organizations?q=phan trang"))
    assert table_rows(first) == 25
    assert "Page 1 of 2" in first and "q=phan+trang&amp;page=2" in first
    second = text(client.get("/registry/organizations?q=phan+trang&page=2"))
    assert table_rows(second) == 2
    assert "HTX Phân trang 26" in second and "HTX Phân trang 00" not in second
    beyond = client.get("/registry/organizations?q=phan+trang&page=9")
    assert beyond.status_code == 200 and "No organization matches." in text(beyond)


# Member households ------------------------------------------------------------------------


def test_cooperative_adds_edits_and_records_leaving(app, world, login):
    client = login(world["users"]["coop_a"])
    a = world["coop_a"]
    assert households_tile(text(client.get(f"/registry/organizations/{a}"))) == 1

    response = post(
        client,
        f"/registry/organizations/{a}/members/new",
        {
            "head_name": "Phạm Thị Hoa",
            "admin_unit": GIA_LAI_COMMUNES[0],
            "village": "Làng Kon Mahar",
            "phone": "0912 345 678",
            "planted_area_ha": "1.5",
            "member_type": "associate",
            "joined_on": "2024-03-01",
        },
    )
    assert response.status_code == 302
    assert households_tile(text(client.get(f"/registry/organizations/{a}"))) == 2
    with app.app_context():
        member = db.session.query(MemberHousehold).filter_by(head_name="Phạm Thị Hoa").one()
        member_id = member.id
        assert (member.planted_area_ha, member.member_type.value) == (1.5, "associate")

    edit_form = text(client.get(f"/registry/members/{member_id}/edit"))
    assert 'value="Làng Kon Mahar"' in edit_form and 'value="2024-03-01"' in edit_form
    response = post(
        client,
        f"/registry/members/{member_id}/edit",
        {"head_name": "Phạm Thị Hoa", "admin_unit": GIA_LAI_COMMUNES[0], "village": "Làng Mới"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(MemberHousehold, member_id).village == "Làng Mới"

    today = date.today().isoformat()
    response = post(client, f"/registry/members/{member_id}/leave", {"left_on": today})
    assert response.status_code == 302
    assert households_tile(text(client.get(f"/registry/organizations/{a}"))) == 1
    assert "Phạm Thị Hoa" not in text(client.get(f"/registry/organizations/{a}/members"))
    with_left = text(client.get(f"/registry/organizations/{a}/members?include_left=1"))
    assert "Phạm Thị Hoa" in with_left


def test_member_form_errors_write_nothing(app, world, login):
    client = login(world["users"]["coop_a"])
    a = world["coop_a"]
    before = count(app, MemberHousehold)
    response = post(
        client,
        f"/registry/organizations/{a}/members/new",
        {"admin_unit": "99999", "phone": "abc", "planted_area_ha": "-1"},
    )
    html = text(response)
    assert response.status_code == 422
    for field in ("head_name", "phone", "planted_area_ha"):
        assert re.search(rf'class="field has-error">\s*<label for="f-{field}"', html), field
    response = post(
        client,
        f"/registry/organizations/{a}/members/new",
        {"head_name": "Hộ mới", "admin_unit": "99999"},
    )
    assert response.status_code == 422
    assert re.search(r'class="field has-error">\s*<label for="f-admin_unit"', text(response))
    assert count(app, MemberHousehold) == before


def test_leaving_in_the_future_is_refused(app, world, login):
    client = login(world["users"]["coop_a"])
    client.get("/lang/en")  # the message is checked in English
    m = world["member_a"]
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = post(client, f"/registry/members/{m}/leave", {"left_on": tomorrow})
    assert response.status_code == 422
    assert "The leaving date is in the future." in text(response)
    missing = post(client, f"/registry/members/{m}/leave", {})
    assert missing.status_code == 422
    with app.app_context():
        assert db.session.get(MemberHousehold, m).left_on is None


def test_member_search_without_diacritics(world, make_member, login):
    make_member(world["coop_a"], "Lê Thị Đào")
    client = login(world["users"]["coop_a"])
    html = text(client.get(f"/registry/organizations/{world['coop_a']}/members?q=nguyen van an"))
    assert "Nguyễn Văn An" in html and "Lê Thị Đào" not in html


def test_department_manages_any_cooperatives_members(world, login):
    client = login(world["users"]["department"])
    html = text(client.get(f"/registry/organizations/{world['coop_b']}/members"))
    assert "Trần Thị Bình" in html and "0905654321" in html


def test_member_list_pagination(world, make_member, login):
    for n in range(26):
        make_member(world["coop_b"], f"Hộ số {n:02d}")
    client = login(world["users"]["coop_b"])
    url = f"/registry/organizations/{world['coop_b']}/members"
    assert table_rows(text(client.get(url))) == 25
    assert table_rows(text(client.get(url + "?page=2"))) == 2


# Users --------------------------------------------------------------------------------------


def test_department_creates_a_user_who_can_log_in(app, world, login):
    client = login(world["users"]["department"])
    listing = text(client.get("/registry/users"))
    assert "a@htx.vn" in listing and "x@dn.vn" in listing
    response = post(
        client,
        "/registry/users",
        {
            "email": "Moi@HTX.vn",
            "full_name": "Người mới",
            "password": "mat-khau-dai-du",
            "role": "cooperative",
            "organization": "HTX-A-001",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.query(User).filter_by(email="moi@htx.vn").one()
        assert user.organization_id == world["coop_a"]
    fresh = app.test_client()
    login_response = fresh.post(
        "/login",
        data={
            "email": "moi@htx.vn",
            "password": "mat-khau-dai-du",
            "csrf_token": csrf_token(fresh),
        },
    )
    assert login_response.status_code == 302


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (
            {"email": "a@htx.vn", "role": "cooperative", "organization": "HTX-A-001"},
            "email",
            "A user with this e-mail already exists.",
        ),
        (
            {"email": "n@dn.vn", "role": "cooperative", "organization": "0101234567"},
            "organization",
            "This role needs an organization of the matching kind.",
        ),
        (
            {"email": "n@dn.vn", "role": "enterprise", "organization": "NOPE-1"},
            "organization",
            "NOPE-1",
        ),
        ({"email": "bad", "role": "enterprise", "password": "short"}, "password", "10"),
    ],
)
def test_user_form_errors_are_shown_by_field(app, world, login, form, field, message):
    client = login(world["users"]["department"])
    client.get("/lang/en")  # the messages are checked in English
    before = count(app, User)
    data = {"full_name": "Ai đó", "password": "mat-khau-dai-du", **form}
    response = post(client, "/registry/users", data)
    html = text(response)
    assert response.status_code == 422
    assert re.search(rf'class="field has-error">\s*<label for="f-{field}"', html)
    assert message in html
    assert "mat-khau-dai-du" not in html  # a password is never echoed back
    assert count(app, User) == before


def test_only_the_department_creates_users(app, world, login):
    before = count(app, User)
    client = login(world["users"]["coop_a"])
    response = post(
        client,
        "/registry/users",
        {"email": "z@htx.vn", "full_name": "Z", "password": PASSWORD, "role": "department_admin"},
    )
    assert response.status_code == 403
    assert count(app, User) == before


# Imports ------------------------------------------------------------------------------------

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
    bad = ORG_CSV + "HTX,HTX Trùng mã,HTX-A-001,23677,,\nHTX,HTX Sai xã,IMP-004,99999,,\n"
    before = count(app, Organization)
    response = upload(client, "/registry/organizations/import", bad)
    html = text(response)
    assert response.status_code == 422
    assert count(app, Organization) == before
    report = html.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<td class="num">(\d+)</td><td><code>([^<]*)</code></td>', report)
    assert rows == [("4", "Mã số đăng ký"), ("5", "Mã xã")]
    assert "HTX Cà phê Đăk Đoa" in report and "99999" in report
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


# Home pages and language -------------------------------------------------------------------


def test_department_home_shows_the_registry_summary(world, login):
    html = text(login(world["users"]["department"]).get("/"))
    assert "summary-by-status" in html
    assert "/registry/organizations/new" in html and "/registry/organizations/import" in html


def test_cooperative_home_shows_its_organization_and_households(world, make_member, login):
    make_member(world["coop_a"], "Hộ thứ hai")
    html = text(login(world["users"]["coop_a"]).get("/"))
    assert "HTX Cà phê Đăk Đoa" in html and households_tile(html) == 2
    assert "HTX Hồ tiêu Chư Sê" not in html


def test_enterprise_home_has_no_household_tile(world, login):
    html = text(login(world["users"]["ent_x"]).get("/"))
    assert "Công ty TNHH X" in html and 'id="households"' not in html


def test_vietnamese_is_the_default_and_english_is_one_switch_away(world, login):
    client = login(world["users"]["coop_a"])
    assert '<html lang="vi">' in text(client.get("/registry/organizations"))
    assert '<html lang="en">' in text(client.get("/registry/organizations?lang=en"))
    assert '<html lang="vi">' in text(client.get("/registry/organizations"))
    response = client.get("/lang/en?next=/registry/organizations")
    assert response.status_code == 302 and response.headers["Location"] == "/registry/organizations"
    assert '<html lang="en">' in text(client.get("/registry/organizations"))


def test_numbers_and_dates_follow_the_locale(world, make_member, login):
    make_member(world["coop_a"], "Hộ có đất", planted_area_ha=1234.5, joined_on=date(2024, 3, 1))
    client = login(world["users"]["coop_a"])
    url = f"/registry/organizations/{world['coop_a']}/members?q=ho co dat"
    vietnamese = text(client.get(url))
    assert "1.234,5" in vietnamese and "01/03/2024" in vietnamese
    english = text(client.get(url + "&lang=en"))
    assert "1,234.5" in english and "Mar 1, 2024" in english


def test_pages_are_built_for_small_screens(world, login):
    html = text(login(world["users"]["department"]).get("/registry/organizations"))
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert '<div class="table-wrap">\n<table>' in html
    assert "https://" not in html.split("<body>", 1)[0]  # no CDN in the head


# A real browser on a 360 px phone ------------------------------------------------------------


@pytest.fixture
def live_server(app):
    """The app served over HTTP in a thread, for a real browser."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.mark.browser
def test_no_page_overflows_a_360px_phone(app, world, make_org, make_member, live_server):
    import shutil

    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = shutil.which("chromium")
    if chromium is None:
        reason = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    long_name = "Hợp tác xã Nông nghiệp Dịch vụ Tổng hợp Cà phê Đăk Đoa Xanh Bền Vững"
    org = make_org(name=long_name, email="mot.dia.chi.thu.rat.rat.dai@hoptacxa-vi-du.vn")
    make_member(org, "Nguyễn Thị Rất Nhiều Chữ Trong Tên", village="Làng Kon Mahar")
    pages = [
        "/",
        "/registry/organizations",
        f"/registry/organizations/{org}",
        "/registry/organizations/new",
        f"/registry/organizations/{org}/edit",
        f"/registry/organizations/{org}/members",
        f"/registry/organizations/{org}/members/new",
        "/registry/users",
        "/registry/organizations/import",
        "/account/tokens",
    ]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            page.goto(live_server + "/login")
            page.fill("#email", "so@nnmt.gialai.gov.vn")
            page.fill("#password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(live_server + "/")
            widths = {}
            for path in pages:
                page.goto(live_server + path)
                widths[path] = page.evaluate("document.documentElement.scrollWidth")
        finally:
            browser.close()
    assert widths == dict.fromkeys(pages, 360)
