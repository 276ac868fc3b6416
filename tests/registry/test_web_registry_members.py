"""The registry's member-household and user pages: forms, refusals, search, paging."""

import re
from datetime import timedelta

import pytest

from core.clock import vn_today
from core.extensions import db
from registry.models import MemberHousehold, User
from tests.conftest import GIA_LAI_COMMUNES, PASSWORD, csrf_token
from tests.web_helpers import count, households_tile, table_rows, text
from tests.web_helpers import post_from_home as post

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

    today = vn_today().isoformat()
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
    tomorrow = (vn_today() + timedelta(days=1)).isoformat()
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
            "role": "cooperative",
            "organization": "HTX-A-001",
        },
    )
    # The user is invited: the page shows the link with which they choose a password.
    assert response.status_code == 201
    with app.app_context():
        user = db.session.query(User).filter_by(email="moi@htx.vn").one()
        assert user.organization_id == world["coop_a"]
    path = re.search(r"https?://[^/\s\"]+(/account/invitation/[^\s\"<]+)", text(response)).group(1)
    fresh = app.test_client()
    chosen = fresh.post(
        path,
        data={
            "new_password": "mat-khau-dai-du",
            "new_password_again": "mat-khau-dai-du",
            "csrf_token": csrf_token(fresh),
        },
    )
    assert chosen.status_code == 302
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
        ({"email": "bad", "role": "enterprise"}, "email", "Not a valid e-mail address."),
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
