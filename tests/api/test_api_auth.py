"""API authentication: tokens issued, listed, used, revoked; the one error shape."""

from core.extensions import db
from registry.models import ApiToken
from tests.conftest import PASSWORD


def _issue(client, email, password=PASSWORD, name="erp"):
    return client.post(
        "/api/v1/auth/tokens", json={"email": email, "password": password, "name": name}
    )


def test_token_lifecycle(app, client, world):
    response = _issue(client, "a@htx.vn")
    assert response.status_code == 201
    secret = response.json["token"]
    assert secret.startswith("htx_") and response.json["name"] == "erp"
    headers = {"Authorization": f"Bearer {secret}"}

    listed = client.get("/api/v1/auth/tokens", headers=headers)
    assert listed.status_code == 200
    assert [t["name"] for t in listed.json] == ["erp"]
    assert "token" not in listed.json[0]
    assert listed.json[0]["last_used_at"] is not None

    with app.app_context():
        stored = db.session.scalars(db.select(ApiToken)).one()
        assert secret not in (stored.token_hash, stored.prefix)
        assert len(stored.token_hash) == 64

    token_id = listed.json[0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{token_id}", headers=headers).status_code == 204
    refused = client.get("/api/v1/auth/tokens", headers=headers)
    assert refused.status_code == 401
    assert refused.json["code"] == "unauthorized"
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_password_gets_401_and_no_token(app, client, world):
    response = _issue(client, "a@htx.vn", password="not the password")
    assert response.status_code == 401
    assert set(response.json) == {"code", "message", "errors"}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(ApiToken)) == 0


def test_missing_fields_name_the_field(client):
    response = client.post("/api/v1/auth/tokens", json={"password": "x"})
    assert response.status_code == 422
    assert response.json["code"] == "unprocessable_entity"
    assert "email" in response.json["errors"]


def test_token_issuing_is_rate_limited(client, world):
    # Eleven accounts, so that the per-address limit is met before any account's own.
    statuses = [_issue(client, f"n{n}@htx.vn", password="wrong").status_code for n in range(11)]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429


def test_cannot_revoke_someone_elses_token(client, world, token_for):
    theirs = _issue(client, "b@htx.vn").json["id"]
    mine = token_for(world["users"]["coop_a"])
    assert client.delete(f"/api/v1/auth/tokens/{theirs}", headers=mine).status_code == 404


def test_requests_without_a_token_get_401(client, world):
    for path in ("/api/v1/organizations", "/api/v1/admin-units", "/api/v1/users"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.json["code"] == "unauthorized"
    bogus = {"Authorization": "Bearer htx_not-a-real-token"}
    assert client.get("/api/v1/organizations", headers=bogus).status_code == 401
