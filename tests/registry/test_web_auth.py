"""Web login, logout, password change, API tokens, language switch and safe redirects."""

import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import PASSWORD, csrf_token


def text(response) -> str:
    return response.get_data(as_text=True)


def login_post(client, email: str, password: str, path: str = "/login"):
    return client.post(
        path, data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )


def test_login_page_is_vietnamese_by_default(client):
    response = client.get("/login")
    assert response.status_code == 200
    html = text(response)
    assert '<html lang="vi">' in html and 'name="csrf_token"' in html


@pytest.mark.parametrize("email", ["a@htx.vn", "nobody@htx.vn"])
def test_wrong_credentials_get_401_and_a_message(world, client, email):
    client.get("/lang/en")  # the message is checked in English
    response = login_post(client, email, "wrong password!")
    assert response.status_code == 401
    assert "Wrong e-mail or password." in text(response)
    assert client.get("/").headers["Location"] == "/login"


def test_login_and_logout(world, client):
    response = login_post(client, "A@HTX.vn ", PASSWORD)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/logout").status_code == 405  # logging out is a POST only
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert client.get("/registry/organizations").status_code == 302


def test_login_without_csrf_token_is_refused(world, client):
    response = client.post("/login", data={"email": "a@htx.vn", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_inactive_user_cannot_log_in(app, world, client):
    from core.extensions import db
    from registry.models import User

    with app.app_context():
        db.session.get(User, world["users"]["coop_a"]).active = False
        db.session.commit()
    assert login_post(client, "a@htx.vn", PASSWORD).status_code == 401


def test_login_is_rate_limited(world, client):
    # Ten accounts, so that the per-address limit is met before any account's own.
    token = csrf_token(client)
    for attempt in range(10):
        response = client.post(
            "/login",
            data={"email": f"guess{attempt}@htx.vn", "password": "guess", "csrf_token": token},
        )
        assert response.status_code == 401
    response = client.post(
        "/login", data={"email": "a@htx.vn", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert client.get("/").status_code == 302  # even the right password waits


@pytest.mark.parametrize(
    "target", ["//evil.example", "https://evil.example/x", "/\\evil.example", "javascript:x"]
)
def test_login_never_redirects_off_site(world, client, target):
    response = login_post(client, "a@htx.vn", PASSWORD, path=f"/login?next={target}")
    assert response.status_code == 302
    location = response.headers["Location"]
    # A browser reads "/\\host" as "//host"; werkzeug sends the backslash as %5C.
    assert urlsplit(location).netloc == "" and location.startswith("/")
    assert not location.startswith(("//", "/\\"))


def test_login_follows_a_local_next(world, client):
    response = client.get("/registry/organizations?kind=cooperative")
    next_path = response.headers["Location"].split("next=", 1)[1]
    response = login_post(client, "a@htx.vn", PASSWORD, path=f"/login?next={next_path}")
    assert response.headers["Location"] == "/registry/organizations?kind=cooperative"


def test_language_switch_is_remembered_and_never_redirects_off_site(world, client):
    response = client.get("/lang/en?next=//evil.example")
    assert response.headers["Location"] == "/"
    assert '<html lang="en">' in text(client.get("/login"))
    client.get("/lang/vi")
    assert '<html lang="vi">' in text(client.get("/login"))
    client.get("/lang/xx")
    assert '<html lang="vi">' in text(client.get("/login"))


def test_password_change_with_wrong_current_password_is_refused(world, login, app):
    client = login(world["users"]["coop_a"])
    client.get("/lang/en")  # the message is checked in English
    response = client.post(
        "/account/password",
        data={
            "current_password": "not the password",
            "new_password": "a brand new secret",
            "new_password_again": "a brand new secret",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 422
    assert "The current password is wrong." in text(response)
    fresh = app.test_client()
    assert login_post(fresh, "a@htx.vn", PASSWORD).status_code == 302


def test_password_change(world, login, app):
    client = login(world["users"]["coop_a"])
    token = csrf_token(client, "/account/password")
    short = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "short", "csrf_token": token},
    )
    assert short.status_code == 422
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a brand new secret",
            "new_password_again": "a brand new secret",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert login_post(app.test_client(), "a@htx.vn", PASSWORD).status_code == 401
    assert login_post(app.test_client(), "a@htx.vn", "a brand new secret").status_code == 302


def test_token_secret_is_shown_once_and_revoking_works(world, login, app):
    client = login(world["users"]["coop_a"])
    client.get("/lang/en")  # the token list is checked in English
    page = "/account/tokens"
    response = client.post(page, data={"name": "ERP", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 200
    secret = re.search(r'id="new-token">(htx_[^<]+)<', text(response)).group(1)
    assert secret not in text(client.get(page))
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/auth/tokens", headers=headers).status_code == 200

    listing = text(client.get(page))
    revoke = re.search(r'action="(/account/tokens/\d+/revoke)"', listing).group(1)
    other = login(world["users"]["coop_b"])
    assert other.post(revoke, data={"csrf_token": csrf_token(other, page)}).status_code == 404
    assert api.get("/api/v1/auth/tokens", headers=headers).status_code == 200

    response = client.post(revoke, data={"csrf_token": csrf_token(client, page)})
    assert response.status_code == 302
    assert api.get("/api/v1/auth/tokens", headers=headers).status_code == 401
    assert "Revoked" in text(client.get(page))


def test_token_needs_a_name(world, login):
    client = login(world["users"]["coop_a"])
    page = "/account/tokens"
    response = client.post(page, data={"name": " ", "csrf_token": csrf_token(client, page)})
    assert response.status_code == 422 and 'id="new-token"' not in text(response)


def test_account_pages_need_login(client):
    for page in ("/account/password", "/account/tokens"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
