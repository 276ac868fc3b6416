"""Accounts as people expect them (issue #26 item 5): invitation and reset links, the new
password typed twice, deactivation, barred organizations, the organization picker.

The links are real (signed by the app, read back from the page or from a real SMTP
server); the sessions and tokens are the ones a browser and a client would hold.
"""

import re
from datetime import UTC, datetime, timedelta

from core.extensions import db
from registry.models import ApiToken, Organization, OrgStatus, User
from tests.conftest import PASSWORD, csrf_token
from tests.recall_helpers import Inbox

NEW_PASSWORD = "my own passphrase"
LINK = re.compile(r"https?://[^/\s\"]+(/account/(?:invitation|reset)/[^\s\"<]+)")


def link_in(text: str) -> str:
    match = LINK.search(text)
    assert match, text[:2000]
    return match.group(1)


def create_user(client, **values):
    data = {"email": "moi@htx.vn", "full_name": "Lê Văn Mới", "role": "cooperative"}
    data.update(values)
    data["csrf_token"] = csrf_token(client, "/registry/users")
    return client.post("/registry/users", data=data)


def choose(client, path, password, again=None):
    return client.post(
        path,
        data={
            "new_password": password,
            "new_password_again": password if again is None else again,
            "csrf_token": csrf_token(client),
        },
    )


def sign_in(app, email, password):
    client = app.test_client()
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )
    return client, response


# Invitation ----------------------------------------------------------------------------


def test_an_invited_user_chooses_a_password_twice_and_signs_in(app, world, login):
    admin = login(world["users"]["department"])
    admin.get("/lang/en")
    response = create_user(admin, organization="HTX Cà phê Đăk Đoa")  # by its name
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    assert "No mail server is set: copy this link" in html
    path = link_in(html)
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == "moi@htx.vn"))
        assert user.organization_id == world["coop_a"] and not user.has_password
    # No password works before the user chooses one.
    assert sign_in(app, "moi@htx.vn", "!invited")[1].status_code == 401

    visitor = app.test_client()
    visitor.get("/lang/en")
    assert visitor.get(path).status_code == 200
    mismatch = choose(visitor, path, NEW_PASSWORD, again="my own passphrasE")
    assert mismatch.status_code == 422
    assert "The two passwords are not the same." in mismatch.get_data(as_text=True)
    assert 'aria-describedby="e-new_password_again"' in mismatch.get_data(as_text=True)
    assert choose(visitor, path, "short").status_code == 422
    done = choose(visitor, path, NEW_PASSWORD)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert sign_in(app, "moi@htx.vn", NEW_PASSWORD)[1].status_code == 302
    # Single use: the link died with the password it set.
    assert visitor.get(path).status_code == 404
    assert choose(visitor, path, "another passphrase").status_code == 404
    assert sign_in(app, "moi@htx.vn", "another passphrase")[1].status_code == 401


def test_an_invitation_expires_after_seven_days(app, world, login, monkeypatch):
    admin = login(world["users"]["department"])
    path = link_in(create_user(admin, organization="HTX-A-001").get_data(as_text=True))
    later = datetime.now(UTC) + timedelta(days=7, minutes=1)
    monkeypatch.setattr("time.time", lambda: later.timestamp())
    client = app.test_client()
    client.get("/lang/en")
    response = client.get(path)
    assert response.status_code == 404
    assert "This link has expired" in response.get_data(as_text=True)


def test_a_forged_link_is_refused(app, world):
    client = app.test_client()
    assert client.get("/account/invitation/not-a-real-token").status_code == 404
    assert client.get("/account/reset/eyJ1IjoxfQ.forged.sig").status_code == 404


def test_the_invitation_is_mailed_by_the_worker_when_smtp_is_set(app, world, login, smtp_server):
    admin = login(world["users"]["department"])
    response = create_user(admin, organization="HTX-A-001")
    assert response.status_code == 201
    assert "has been sent to moi@htx.vn" in response.get_data(as_text=True) or (
        "đã được gửi" in response.get_data(as_text=True)
    )
    [message] = smtp_server.to("moi@htx.vn")
    path = link_in(Inbox.body(message))
    assert path == link_in(response.get_data(as_text=True))
    assert choose(app.test_client(), path, NEW_PASSWORD).status_code == 302


def test_the_user_form_offers_organizations_by_name(app, world, login):
    admin = login(world["users"]["department"])
    html = admin.get("/registry/users").get_data(as_text=True)
    assert 'list="organization-names"' in html
    assert '<option value="HTX Hồ tiêu Chư Sê">HTX-B-002</option>' in html
    assert 'name="password"' not in html
    unknown = create_user(admin, organization="HTX không có")
    assert unknown.status_code == 422
    assert 'aria-describedby="e-organization"' in unknown.get_data(as_text=True)


def test_the_organization_page_lists_its_users_and_invites_one(app, world, login):
    admin = login(world["users"]["department"])
    html = admin.get(f"/registry/organizations/{world['coop_a']}").get_data(as_text=True)
    assert "a@htx.vn" in html and "b@htx.vn" not in html
    match = re.search(r'id="invite-user" href="([^"]+)"', html)
    assert match
    form = admin.get(match.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="HTX-A-001"' in form


def test_the_api_invites_a_user_without_a_password(app, world, token_for):
    admin = token_for(world["users"]["department"])
    client = app.test_client()
    response = client.post(
        "/api/v1/users",
        json={
            "email": "api@htx.vn",
            "full_name": "Phạm Thị Api",
            "role": "enterprise",
            "organization": "Công ty TNHH X",
        },
        headers=admin,
    )
    assert response.status_code == 201, response.json
    assert response.json["has_password"] is False
    assert response.json["organization_id"] == world["ent_x"]
    path = link_in(response.json["invitation_url"])
    assert choose(client, path, NEW_PASSWORD).status_code == 302
    again = client.post(f"/api/v1/users/{response.json['id']}/link", headers=admin)
    assert again.status_code == 200 and "/account/reset/" in again.json["invitation_url"]


# Forgot password -------------------------------------------------------------------------


def forgot(client, email):
    return client.post(
        "/account/forgot",
        data={"email": email, "csrf_token": csrf_token(client, "/account/forgot")},
    )


def test_forgot_password_answers_alike_and_mails_a_reset_link(app, world, smtp_server):
    clients = [app.test_client(), app.test_client()]
    assert 'id="forgot"' in clients[0].get("/login").get_data(as_text=True)
    known, unknown = forgot(clients[0], "A@htx.vn"), forgot(clients[1], "nobody@htx.vn")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    pages = [
        client.get(response.headers["Location"]).get_data(as_text=True)
        for client, response in zip(clients, (known, unknown), strict=True)
    ]
    pages = [re.sub(r'name="csrf_token" value="[^"]+"', "", page) for page in pages]
    assert pages[0] == pages[1] and "flash-info" in pages[0]  # the same answer
    assert [rcpt for rcpt, _m in smtp_server.messages] == ["a@htx.vn"]
    path = link_in(Inbox.body(smtp_server.to("a@htx.vn")[0]))
    assert "/account/reset/" in path
    thief, _response = sign_in(app, "a@htx.vn", PASSWORD)  # a session from before the reset
    assert choose(app.test_client(), path, NEW_PASSWORD).status_code == 302
    assert sign_in(app, "a@htx.vn", NEW_PASSWORD)[1].status_code == 302
    assert thief.get("/").status_code == 302  # the old session ended
    assert app.test_client().get(path).status_code == 404  # used


def test_forgot_password_is_rate_limited(app, world):
    client = app.test_client()
    statuses = [forgot(client, f"n{n}@htx.vn").status_code for n in range(6)]
    assert statuses == [302] * 5 + [429]


def test_no_reset_link_for_a_deactivated_user(app, world, smtp_server):
    with app.app_context():
        db.session.get(User, world["users"]["coop_a"]).active = False
        db.session.commit()
    assert forgot(app.test_client(), "a@htx.vn").status_code == 302
    assert smtp_server.messages == []


def test_a_password_change_asks_for_the_new_password_twice(app, world, login):
    client = login(world["users"]["coop_a"])
    client.get("/lang/en")
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": "something else",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 422
    assert "The two passwords are not the same." in response.get_data(as_text=True)
    assert sign_in(app, "a@htx.vn", PASSWORD)[1].status_code == 302  # unchanged


# Deactivation and barred organizations -----------------------------------------------------


def test_deactivation_ends_sessions_and_tokens_at_once(app, world, login, token_for):
    user_id = world["users"]["coop_a"]
    session = login(user_id)
    token = token_for(user_id)
    assert app.test_client().get("/api/v1/auth/tokens", headers=token).status_code == 200
    admin = login(world["users"]["department"])
    response = admin.post(
        f"/registry/users/{user_id}/deactivate",
        data={"csrf_token": csrf_token(admin, "/registry/users")},
    )
    assert response.status_code == 302
    assert session.get("/").status_code == 302  # signed out
    assert app.test_client().get("/api/v1/auth/tokens", headers=token).status_code == 401
    assert sign_in(app, "a@htx.vn", PASSWORD)[1].status_code == 401
    html = admin.get("/registry/users").get_data(as_text=True)
    assert f"/registry/users/{user_id}/reactivate" in html
    admin.post(
        f"/registry/users/{user_id}/reactivate",
        data={"csrf_token": csrf_token(admin, "/registry/users")},
    )
    assert sign_in(app, "a@htx.vn", PASSWORD)[1].status_code == 302
    with app.app_context():  # the old tokens stay revoked
        assert db.session.scalar(db.select(ApiToken.revoked_at)) is not None


def test_the_api_deactivates_and_reactivates(app, world, token_for):
    admin = token_for(world["users"]["department"])
    client = app.test_client()
    user_id = world["users"]["ent_x"]
    theirs = token_for(user_id)
    response = client.post(f"/api/v1/users/{user_id}/deactivate", headers=admin)
    assert response.status_code == 200 and response.json["active"] is False
    assert client.post("/api/v1/products", json={}, headers=theirs).status_code == 401
    response = client.post(f"/api/v1/users/{user_id}/reactivate", headers=admin)
    assert response.status_code == 200 and response.json["active"] is True
    # Only the department, never oneself, and 404 for no such user.
    assert (
        client.post(
            f"/api/v1/users/{user_id}/deactivate", headers=token_for(world["users"]["coop_a"])
        ).status_code
        == 403
    )
    me = world["users"]["department"]
    assert client.post(f"/api/v1/users/{me}/deactivate", headers=admin).status_code == 409
    assert client.post("/api/v1/users/999999/deactivate", headers=admin).status_code == 404


def test_the_cli_deactivates_and_reactivates(app, world, runner):
    result = runner.invoke(args=["users", "deactivate", "b@htx.vn"])
    assert result.exit_code == 0, result.output
    assert sign_in(app, "b@htx.vn", PASSWORD)[1].status_code == 401
    assert "disabled" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "reactivate", "b@htx.vn"]).exit_code == 0
    assert sign_in(app, "b@htx.vn", PASSWORD)[1].status_code == 302
    assert runner.invoke(args=["users", "deactivate", "nobody@htx.vn"]).exit_code != 0


def test_users_of_a_suspended_or_dissolved_organization_are_barred(app, world, login, token_for):
    user_id = world["users"]["coop_a"]
    session = login(user_id)
    token = token_for(user_id)
    for status in (OrgStatus.SUSPENDED, OrgStatus.DISSOLVED):
        with app.app_context():
            db.session.get(Organization, world["coop_a"]).status = status
            db.session.commit()
        assert session.get("/").status_code == 302
        assert app.test_client().get("/api/v1/auth/tokens", headers=token).status_code == 401
        assert sign_in(app, "a@htx.vn", PASSWORD)[1].status_code == 401
    # Another organization's users are untouched; back to active, the account works again.
    assert sign_in(app, "b@htx.vn", PASSWORD)[1].status_code == 302
    with app.app_context():
        db.session.get(Organization, world["coop_a"]).status = OrgStatus.ACTIVE
        db.session.commit()
    assert sign_in(app, "a@htx.vn", PASSWORD)[1].status_code == 302


def test_account_mails_are_in_the_recipients_language(app, world, login, smtp_server):
    """An administrator reading the English pages invites a user: the mail is in Vietnamese
    (the user has chosen nothing); a user who chose English gets the reset mail in English."""
    admin = login(world["users"]["department"])
    admin.get("/lang/en")
    assert create_user(admin, organization="HTX-A-001").status_code == 201
    [invitation] = smtp_server.to("moi@htx.vn")
    assert invitation["Subject"] == "Tài khoản của bạn trên dịch vụ truy xuất nguồn gốc"
    assert "Xin chào" in Inbox.body(invitation) or "Chào" in Inbox.body(invitation)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(email="a@htx.vn"))
        user.locale = "en"
        db.session.commit()
    assert forgot(app.test_client(), "a@htx.vn").status_code == 302
    [reset] = smtp_server.to("a@htx.vn")
    assert reset["Subject"] == "Choose a new password"
    assert "Someone asked to reset the password" in Inbox.body(reset)
