"""Registry API: organizations, members, users, units; errors, pagination, idempotency."""

import json

import pytest

from core.extensions import db
from registry.models import MemberHousehold, Organization, User
from tests.conftest import GIA_LAI_COMMUNES, row_count

NEW_ORG = {
    "kind": "cooperative",
    "name": "HTX Nông nghiệp Sầu riêng Ia Grai",
    "registration_code": "5901234567",
    "admin_unit": GIA_LAI_COMMUNES[0],
    "sector": "agricultural",
    "phone": "0269 3822 123",
    "member_count": 42,
    "rating_year": 2025,
    "rating": "fair",
}


# NEW_ORG as a PUT sends it: every editable field, null where there is nothing.
WHOLE_ORG = {
    "short_name": None,
    "tax_code": None,
    "address": None,
    "latitude": None,
    "longitude": None,
    "main_products": None,
    "representative": None,
    "email": None,
    "gln": None,
    "established_on": None,
} | NEW_ORG


@pytest.fixture
def dept(world, token_for):
    return token_for(world["users"]["department"])


def _org_count(app) -> int:
    with app.app_context():
        return row_count(Organization)


def test_department_registers_an_organization(client, dept):
    response = client.post("/api/v1/organizations", json=NEW_ORG, headers=dept)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["name"] == NEW_ORG["name"]
    assert body["admin_unit"]["code"] == GIA_LAI_COMMUNES[0]
    assert body["ratings"] == [{"year": 2025, "rating": "fair"}]
    fetched = client.get(f"/api/v1/organizations/{body['id']}", headers=dept)
    assert fetched.json["registration_code"] == "5901234567"


def test_duplicate_registration_code_is_409_naming_the_existing_org(app, client, dept):
    first = client.post("/api/v1/organizations", json=NEW_ORG, headers=dept).json
    before = _org_count(app)
    response = client.post(
        "/api/v1/organizations", json={**NEW_ORG, "name": "Another"}, headers=dept
    )
    assert response.status_code == 409
    assert response.json["code"] == "conflict"
    assert NEW_ORG["name"] in response.json["message"]
    assert str(first["id"]) in response.json["message"]
    assert "registration_code" in response.json["errors"]
    assert _org_count(app) == before


def test_same_code_for_another_kind_is_allowed(client, dept):
    client.post("/api/v1/organizations", json=NEW_ORG, headers=dept)
    other = {**NEW_ORG, "kind": "enterprise", "name": "Công ty cùng mã"}
    assert client.post("/api/v1/organizations", json=other, headers=dept).status_code == 201


def test_unknown_admin_unit_is_422_and_writes_nothing(app, client, dept):
    before = _org_count(app)
    response = client.post(
        "/api/v1/organizations", json={**NEW_ORG, "admin_unit": "99999"}, headers=dept
    )
    assert response.status_code == 422
    assert "admin_unit" in response.json["errors"]
    assert _org_count(app) == before


def test_a_province_is_not_a_commune(client, dept):
    response = client.post(
        "/api/v1/organizations", json={**NEW_ORG, "admin_unit": "52"}, headers=dept
    )
    assert response.status_code == 422
    assert "admin_unit" in response.json["errors"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "bank"),
        ("name", ""),
        ("registration_code", "x"),
        ("email", "not-an-email"),
        ("gln", "8934567890124"),
        ("member_count", -3),
        ("latitude", 123.0),
        ("established_on", "31/02/2024"),
        ("phone", "call me"),
    ],
)
def test_bad_fields_are_named(app, client, dept, field, value):
    before = _org_count(app)
    response = client.post("/api/v1/organizations", json={**NEW_ORG, field: value}, headers=dept)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"] or (
        field == "name" and "name" in response.json["errors"]
    )
    assert response.json["code"] == "unprocessable_entity"
    assert _org_count(app) == before


def test_valid_gln_is_accepted(client, dept):
    response = client.post(
        "/api/v1/organizations", json={**NEW_ORG, "gln": "8934567890120"}, headers=dept
    )
    assert response.status_code == 201, response.json


def test_malformed_json_is_a_4xx_not_a_500(client, dept):
    response = client.post(
        "/api/v1/organizations",
        data="{not json",
        headers={**dept, "Content-Type": "application/json"},
    )
    assert 400 <= response.status_code < 500
    assert set(response.json) == {"code", "message", "errors"}


def test_only_the_department_registers_or_edits(client, world, token_for):
    for who in ("coop_a", "ent_x"):
        headers = token_for(world["users"][who])
        assert (
            client.post("/api/v1/organizations", json=NEW_ORG, headers=headers).status_code == 403
        )
        own = world[who]
        edit = client.put(f"/api/v1/organizations/{own}", json=WHOLE_ORG, headers=headers)
        assert edit.status_code == 403
        patch = client.patch(f"/api/v1/organizations/{own}", json={"name": "X"}, headers=headers)
        assert patch.status_code == 403


def test_department_edits_an_organization(client, world, dept):
    org_id = world["coop_a"]
    payload = {**WHOLE_ORG, "registration_code": "HTX-A-001", "address": "Thôn 2"}
    response = client.put(f"/api/v1/organizations/{org_id}", json=payload, headers=dept)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "active"
    assert response.json["name"] == NEW_ORG["name"]
    assert response.json["address"] == "Thôn 2"


def test_list_is_scoped_per_role(client, world, token_for):
    def names(who):
        headers = token_for(world["users"][who])
        return {o["id"] for o in client.get("/api/v1/organizations", headers=headers).json}

    assert names("department") == {world[k] for k in ("coop_a", "coop_b", "ent_x", "ent_y")}
    assert names("coop_a") == {world["coop_a"]}
    assert names("ent_x") == {world["ent_x"]}


def test_other_organizations_are_404(client, world, token_for):
    headers = token_for(world["users"]["coop_a"])
    assert (
        client.get(f"/api/v1/organizations/{world['coop_a']}", headers=headers).status_code == 200
    )
    response = client.get(f"/api/v1/organizations/{world['coop_b']}", headers=headers)
    assert response.status_code == 404
    assert response.json["code"] == "not_found"


def test_filters_and_search_without_diacritics(client, world, dept, make_org):
    make_org("cooperative_group", name="Tổ hợp tác Rau sạch Pleiku", commune=GIA_LAI_COMMUNES[2])

    def ids(query):
        return [o["name"] for o in client.get(f"/api/v1/organizations?{query}", headers=dept).json]

    assert ids("q=ca phe dak") == ["HTX Cà phê Đăk Đoa"]
    assert ids("q=CÀ PHÊ ĐĂK") == ["HTX Cà phê Đăk Đoa"]
    # The commune's name is searchable too: three of the cast sit in Xã Đak Đoa.
    assert len(ids("q=dak doa")) == 3
    assert ids("q=ho tieu") == ["HTX Hồ tiêu Chư Sê"]
    assert ids("kind=cooperative_group") == ["Tổ hợp tác Rau sạch Pleiku"]
    assert ids(f"admin_unit={GIA_LAI_COMMUNES[1]}") == ["HTX Hồ tiêu Chư Sê"]
    assert len(ids("admin_unit=52")) == 5  # the province: every org in its communes
    assert len(ids("kind=enterprise&status=active&sector=agricultural")) == 2
    assert ids("status=dissolved") == []
    bad = client.get("/api/v1/organizations?kind=bank", headers=dept)
    assert bad.status_code == 422 and "kind" in bad.json["errors"]


def test_pagination_reports_totals(client, world, dept):
    first = client.get("/api/v1/organizations?page=1&page_size=3", headers=dept)
    meta = json.loads(first.headers["X-Pagination"])
    assert meta["total"] == 4 and meta["total_pages"] == 2 and len(first.json) == 3
    second = client.get("/api/v1/organizations?page=2&page_size=3", headers=dept)
    assert len(second.json) == 1
    assert {o["id"] for o in first.json}.isdisjoint({o["id"] for o in second.json})
    too_big = client.get("/api/v1/organizations?page_size=500", headers=dept)
    assert too_big.status_code == 422


def test_idempotency_key_replays_instead_of_creating_twice(app, client, dept):
    headers = {**dept, "Idempotency-Key": "f3b6c3d0-retry-1"}
    first = client.post("/api/v1/organizations", json=NEW_ORG, headers=headers)
    again = client.post("/api/v1/organizations", json=NEW_ORG, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _org_count(app) == 5
    different = client.post(
        "/api/v1/organizations", json={**NEW_ORG, "name": "Other"}, headers=headers
    )
    assert different.status_code == 422
    assert "Idempotency-Key" in different.json["errors"]


def test_a_refused_request_does_not_burn_its_idempotency_key(app, client, dept):
    headers = {**dept, "Idempotency-Key": "k-2"}
    bad = client.post(
        "/api/v1/organizations", json={**NEW_ORG, "admin_unit": "99999"}, headers=headers
    )
    assert bad.status_code == 422
    good = client.post("/api/v1/organizations", json=NEW_ORG, headers=headers)
    assert good.status_code == 201


def test_members_are_visible_only_to_their_cooperative_and_the_department(client, world, token_for):
    path = f"/api/v1/organizations/{world['coop_a']}/members"
    dept = client.get(path, headers=token_for(world["users"]["department"]))
    own = client.get(path, headers=token_for(world["users"]["coop_a"]))
    assert dept.status_code == own.status_code == 200
    assert own.json[0]["phone"] == "0905123456"
    for who in ("coop_b", "ent_x"):
        response = client.get(path, headers=token_for(world["users"][who]))
        assert response.status_code == 404, who
        member = client.get(
            f"/api/v1/members/{world['member_a']}", headers=token_for(world["users"][who])
        )
        assert member.status_code == 404, who
        assert "0905123456" not in member.get_data(as_text=True)


def test_cooperative_adds_edits_and_records_a_leaving_member(app, client, world, token_for):
    headers = token_for(world["users"]["coop_a"])
    path = f"/api/v1/organizations/{world['coop_a']}/members"
    new = {
        "head_name": "Rơ Châm H'Lin",
        "admin_unit": GIA_LAI_COMMUNES[0],
        "village": "Làng Kon Brung",
        "planted_area_ha": 1.5,
        "joined_on": "2020-03-01",
    }
    created = client.post(path, json=new, headers=headers)
    assert created.status_code == 201, created.json
    member_id = created.json["id"]
    whole = {**new, "phone": None, "member_type": "official", "planted_area_ha": 2.25}
    edited = client.put(f"/api/v1/members/{member_id}", json=whole, headers=headers)
    assert edited.json["planted_area_ha"] == 2.25
    early = client.post(
        f"/api/v1/members/{member_id}/leave", json={"left_on": "2019-01-01"}, headers=headers
    )
    assert early.status_code == 422 and "left_on" in early.json["errors"]
    left = client.post(
        f"/api/v1/members/{member_id}/leave", json={"left_on": "2025-12-31"}, headers=headers
    )
    assert left.status_code == 200 and left.json["left_on"] == "2025-12-31"
    current = client.get(path, headers=headers).json
    assert member_id not in [m["id"] for m in current]
    everyone = client.get(f"{path}?include_left=true", headers=headers).json
    assert member_id in [m["id"] for m in everyone]


def test_members_of_an_enterprise_do_not_exist(client, world, dept):
    response = client.post(
        f"/api/v1/organizations/{world['ent_x']}/members",
        json={"head_name": "X", "admin_unit": GIA_LAI_COMMUNES[0]},
        headers=dept,
    )
    assert response.status_code == 404


def test_other_cooperative_cannot_add_members(app, client, world, token_for):
    with app.app_context():
        before = row_count(MemberHousehold)
    response = client.post(
        f"/api/v1/organizations/{world['coop_a']}/members",
        json={"head_name": "Intruder", "admin_unit": GIA_LAI_COMMUNES[0]},
        headers=token_for(world["users"]["coop_b"]),
    )
    assert response.status_code == 404
    with app.app_context():
        assert row_count(MemberHousehold) == before


def test_department_creates_users_others_cannot(app, client, world, token_for):
    payload = {
        "email": "new@htx.vn",
        "full_name": "Mới",
        "password": "long enough pw",
        "role": "cooperative",
        "organization": "HTX-A-001",
    }
    denied = client.post("/api/v1/users", json=payload, headers=token_for(world["users"]["coop_a"]))
    assert denied.status_code == 403
    dept = token_for(world["users"]["department"])
    created = client.post("/api/v1/users", json=payload, headers=dept)
    assert created.status_code == 201 and "password" not in created.json
    assert client.post("/api/v1/users", json=payload, headers=dept).status_code == 409
    mismatch = {**payload, "email": "e@x.vn", "role": "enterprise"}
    response = client.post("/api/v1/users", json=mismatch, headers=dept)
    assert response.status_code == 422 and "organization" in response.json["errors"]
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.email == "new@htx.vn")).role.value == (
            "cooperative"
        )


def test_admin_units_list_current_and_legacy(client, world, dept):
    communes = client.get("/api/v1/admin-units?page_size=200", headers=dept)
    meta = json.loads(communes.headers["X-Pagination"])
    assert meta["total"] == 136  # Gia Lai itself and its 135 communes and wards
    found = client.get("/api/v1/admin-units?q=dak doa", headers=dept).json
    assert [u["full_name"] for u in found] == ["Xã Đak Đoa"]
    legacy = client.get("/api/v1/admin-units?legacy=true&province=64&level=district", headers=dept)
    assert json.loads(legacy.headers["X-Pagination"])["total"] == 17


def test_openapi_and_local_docs(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    paths = spec.json["paths"]
    assert "/api/v1/organizations" in paths and "/api/v1/auth/tokens" in paths
    docs = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/docs/static/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
    bundle = client.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.data) > 100_000
    bundle.close()


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["code"] == "not_found"
