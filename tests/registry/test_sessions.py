"""Logout, a password change and an operator's reset end the user's other sessions.

A session cookie copied before the event is replayed after it, as an attacker holding a copy
would: it must no longer be logged in. The session that changed its own password goes on.
"""

import re

import pytest

from core.extensions import db
from registry.models import ApiToken, User
from tests.conftest import PASSWORD, csrf_token

NEW_PASSWORD = "a brand new passphrase"


def copied_client(app, client):
    """A second client holding a copy of ``client``'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def is_logged_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def test_logout_ends_a_copied_session(app, world, login):
    client = login(world["users"]["coop_a"])
    other_device = login(world["users"]["coop_a"])
    thief = copied_client(app, client)
    assert is_logged_in(thief)
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert not is_logged_in(thief)
    assert not is_logged_in(client)
    assert not is_logged_in(other_device)
    assert thief.get("/").headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions_and_keeps_this_one(app, world, login):
    user_id = world["users"]["coop_a"]
    client = login(user_id)
    thief = copied_client(app, login(user_id))
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 302
    assert is_logged_in(client)
    assert not is_logged_in(thief)


def test_a_refused_password_change_ends_nothing(app, world, login):
    user_id = world["users"]["coop_a"]
    client = login(user_id)
    other = login(user_id)
    response = client.post(
        "/account/password",
        data={
            "current_password": "not the password",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 422
    assert is_logged_in(other) and is_logged_in(client)


@pytest.mark.parametrize("revoke", [True, False])
def test_password_change_offers_to_revoke_api_tokens(app, world, login, token_for, revoke):
    user_id = world["users"]["coop_a"]
    headers = token_for(user_id)
    client = login(user_id)
    form = client.get("/account/password").get_data(as_text=True)
    assert 'name="revoke_tokens"' in form
    data = {
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/account/password"),
    }
    if revoke:
        data["revoke_tokens"] = "1"
    assert client.post("/account/password", data=data).status_code == 302
    status = client.get("/api/v1/organizations", headers=headers).status_code
    assert status == (401 if revoke else 200)
    with app.app_context():
        live = db.session.query(ApiToken).filter(ApiToken.revoked_at.is_(None)).count()
    assert live == (0 if revoke else 1)


def test_an_operators_reset_ends_every_session(app, world, login):
    client = login(world["users"]["coop_a"])
    with app.app_context():
        before = db.session.get(User, world["users"]["coop_a"]).session_version
    result = app.test_cli_runner().invoke(
        args=["users", "reset-password", "--email", "a@htx.vn", "--password", NEW_PASSWORD]
    )
    assert result.exit_code == 0, result.output
    assert not is_logged_in(client)
    with app.app_context():
        assert db.session.get(User, world["users"]["coop_a"]).session_version == before + 1


def test_the_token_page_lists_each_token_with_its_last_use(app, world, login, token_for, client):
    user_id = world["users"]["coop_a"]
    used = token_for(user_id)
    token_for(user_id)  # never used
    assert client.get("/api/v1/organizations", headers=used).status_code == 200
    page = login(user_id)
    page.get("/lang/en")
    html = page.get("/account/tokens").get_data(as_text=True)
    assert "Last used" in html
    rows = re.findall(r"<tr>\s*<td>test</td>.*?</tr>", html, re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S)[3].strip() for row in rows]
    assert len(cells) == 2 and cells.count("—") == 1  # the unused one
    used_cell = next(cell for cell in cells if cell != "—")
    assert re.search(r"\d", used_cell)  # a date and time
    # The password page offers to revoke both, and links to this list.
    form = page.get("/account/password").get_data(as_text=True)
    assert "Also revoke my 2 API tokens" in form and 'href="/account/tokens"' in form
