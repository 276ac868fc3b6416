"""The registry's web UI: who sees and does what, home pages, language, small screens."""

import re
from datetime import date

import pytest

from core.clock import vn_today
from core.extensions import db
from registry.models import MemberHousehold, Organization
from tests.conftest import GIA_LAI_COMMUNES, PASSWORD
from tests.web_helpers import count, households_tile, org_form, text
from tests.web_helpers import post_from_home as post

ROLES = ("department", "coop_a", "coop_b", "ent_x")


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
    leave = post(client, f"/registry/members/{m}/leave", {"left_on": vn_today().isoformat()})
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
    # The table scrolls inside its frame (which a keyboard can reach), not the page.
    assert re.search(r'<div class="table-wrap" tabindex="0"[^>]*>\s*<table>', html)
    assert "https://" not in html.split("<body>", 1)[0]  # no CDN in the head


# A real browser on a 360 px phone ------------------------------------------------------------


@pytest.mark.browser
def test_no_page_overflows_a_360px_phone(world, make_org, make_member, page, base_url):
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
    page.goto(base_url + "/login")
    page.fill("#email", "so@nnmt.gialai.gov.vn")
    page.fill("#password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base_url + "/")
    widths = {}
    for path in pages:
        page.goto(base_url + path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == dict.fromkeys(pages, 360)
