"""Organizations and members over the API: PATCH changes only what is sent, PUT needs the
whole representation, and the status changes only through its endpoints, by rule."""

from datetime import date, timedelta

import pytest

from core.clock import vn_today
from core.extensions import db
from registry.models import MemberHousehold, Organization

FOUNDED = "2019-03-15"
PROFILE = {"address": "Thôn 3, xã Đak Đoa", "phone": "0269 3822 123", "established_on": FOUNDED}


@pytest.fixture
def dept(world, token_for):
    return token_for(world["users"]["department"])


@pytest.fixture
def org_path(client, world, dept):
    """Cooperative A with its address, phone and founding date filled in."""
    path = f"/api/v1/organizations/{world['coop_a']}"
    assert client.patch(path, json=PROFILE, headers=dept).status_code == 200
    return path


def _stored(app, org_id: int) -> dict:
    with app.app_context():
        org = db.session.get(Organization, org_id)
        return {
            "name": org.name,
            "address": org.address,
            "phone": org.phone,
            "established_on": org.established_on,
            "status": org.status.value,
            "status_since": org.status_since,
        }


def _whole(org: dict) -> dict:
    """An organization as returned, turned into a PUT body (every editable field)."""
    names = [
        "kind",
        "name",
        "registration_code",
        "short_name",
        "tax_code",
        "address",
        "latitude",
        "longitude",
        "sector",
        "main_products",
        "representative",
        "phone",
        "email",
        "gln",
        "established_on",
        "member_count",
    ]
    return {name: org[name] for name in names} | {"admin_unit": org["admin_unit"]["code"]}


def test_patch_changes_only_the_fields_sent(app, client, world, dept, org_path):
    before = _stored(app, world["coop_a"])
    response = client.patch(org_path, json={"name": "HTX Cà phê Đăk Đoa Xanh"}, headers=dept)
    assert response.status_code == 200, response.json
    assert _stored(app, world["coop_a"]) == before | {"name": "HTX Cà phê Đăk Đoa Xanh"}
    # null clears a field, as sent
    cleared = client.patch(org_path, json={"phone": None}, headers=dept)
    assert cleared.json["phone"] is None and cleared.json["address"] == PROFILE["address"]


def test_patch_is_checked_as_a_whole(app, client, world, dept, org_path):
    before = _stored(app, world["coop_a"])
    unknown_commune = client.patch(org_path, json={"admin_unit": "99999"}, headers=dept)
    assert unknown_commune.status_code == 422 and "admin_unit" in unknown_commune.json["errors"]
    taken = client.patch(org_path, json={"registration_code": "HTX-B-002"}, headers=dept)
    assert taken.status_code == 409 and "registration_code" in taken.json["errors"]
    no_name = client.patch(org_path, json={"name": None}, headers=dept)
    assert no_name.status_code == 422 and "name" in no_name.json["errors"]
    assert _stored(app, world["coop_a"]) == before


@pytest.mark.parametrize("missing", ["name", "address", "established_on"])
def test_put_missing_a_field_is_422_naming_it_and_erases_nothing(
    app, client, world, dept, org_path, missing
):
    whole = _whole(client.get(org_path, headers=dept).json)
    before = _stored(app, world["coop_a"])
    body = {k: v for k, v in whole.items() if k != missing} | {"representative": "Ông Mới"}
    response = client.put(org_path, json=body, headers=dept)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [missing]
    assert _stored(app, world["coop_a"]) == before
    replaced = client.put(org_path, json=whole | {"representative": "Ông Mới"}, headers=dept)
    assert replaced.status_code == 200 and replaced.json["address"] == PROFILE["address"]


@pytest.mark.parametrize("method", ["put", "patch"])
def test_the_status_is_not_written_by_put_or_patch(app, client, world, dept, org_path, method):
    before = _stored(app, world["coop_a"])
    body = {"status": "suspended"}
    if method == "put":
        body |= _whole(client.get(org_path, headers=dept).json)
    response = getattr(client, method)(org_path, json=body, headers=dept)
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["status"]
    assert "/suspend" in response.json["errors"]["status"][0]
    assert _stored(app, world["coop_a"]) == before


def test_suspending_keeps_the_profile_and_the_lots_complete(
    app, client, world, dept, org_path, farm
):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], site_ids=[site["id"]])
    farm.harvest(batch["id"], site["id"])
    checklist = f"/batches/{batch['id']}/completeness"
    before = client.get(f"/api/v1{checklist}", headers=dept).json
    assert "producer_address" not in before["missing"]

    # The old way, PUT {"status": …}, erased the profile; it is now refused.
    assert client.put(org_path, json={"status": "suspended"}, headers=dept).status_code == 422
    on = (vn_today() - timedelta(days=1)).isoformat()
    suspended = client.post(f"{org_path}/suspend", json={"on": on}, headers=dept)
    assert suspended.status_code == 200, suspended.json
    assert suspended.json["status"] == "suspended" and suspended.json["status_since"] == on
    stored = _stored(app, world["coop_a"])
    assert (stored["address"], stored["phone"], stored["established_on"]) == (
        PROFILE["address"],
        PROFILE["phone"],
        date(2019, 3, 15),
    )
    # Read by the department: the suspended cooperative's own users can no longer sign in.
    assert client.get(f"/api/v1{checklist}", headers=dept).json == before
    farm.get(checklist, expect=401)


def test_transitions_the_rules_refuse(app, client, world, dept, org_path):
    def act(action, **body):
        return client.post(f"{org_path}/{action}", json=body, headers=dept)

    reactivate_active = act("reactivate")
    assert reactivate_active.status_code == 409 and "status" in reactivate_active.json["errors"]
    future = act("suspend", on=(vn_today() + timedelta(days=1)).isoformat())
    assert future.status_code == 422 and list(future.json["errors"]) == ["on"]
    before_founding = act("suspend", on="2018-01-01")
    assert before_founding.status_code == 422 and list(before_founding.json["errors"]) == ["on"]
    assert _stored(app, world["coop_a"])["status"] == "active"

    assert act("suspend").status_code == 200
    assert act("suspend").status_code == 409
    assert act("reactivate").json["status"] == "active"
    assert act("dissolve").json["status"] == "dissolved"
    for action in ("suspend", "reactivate", "dissolve"):
        refused = act(action)
        assert refused.status_code == 409, action
        # In the caller's language: English or Vietnamese.
        assert any(word in refused.json["message"] for word in ("dissolved", "giải thể"))
    stored = _stored(app, world["coop_a"])
    assert (stored["status"], stored["status_since"]) == ("dissolved", vn_today())


@pytest.mark.parametrize("who", ["coop_a", "ent_x"])
def test_only_the_department_changes_a_status(app, client, world, token_for, who):
    headers = token_for(world["users"][who])
    for action in ("suspend", "dissolve"):
        response = client.post(
            f"/api/v1/organizations/{world[who]}/{action}", json={}, headers=headers
        )
        assert response.status_code == 403
    assert _stored(app, world[who])["status"] == "active"


def test_openapi_documents_patch_and_the_status_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in ("/api/v1/organizations/{org_id}", "/api/v1/members/{member_id}"):
        assert {"put", "patch"} <= set(paths[path])
    for action in ("suspend", "reactivate", "dissolve"):
        operation = paths[f"/api/v1/organizations/{{org_id}}/{action}"]["post"]
        assert "409" in operation["responses"]
    patch = paths["/api/v1/organizations/{org_id}"]["patch"]
    schema_ref = patch["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    patch_schema = spec["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]
    assert "required" not in patch_schema and "status" not in patch_schema["properties"]


# Member households ---------------------------------------------------------------------------


def _member(app, member_id: int) -> tuple:
    with app.app_context():
        m = db.session.get(MemberHousehold, member_id)
        return (m.head_name, m.village, m.phone, m.planted_area_ha, m.joined_on)


def test_member_patch_and_put(app, client, world, token_for):
    headers = token_for(world["users"]["coop_a"])
    path = f"/api/v1/members/{world['member_a']}"
    before = _member(app, world["member_a"])
    patched = client.patch(path, json={"village": "Làng Kon Brung"}, headers=headers)
    assert patched.status_code == 200, patched.json
    assert _member(app, world["member_a"]) == (before[0], "Làng Kon Brung", *before[2:])

    future = client.patch(path, json={"joined_on": "2999-01-01"}, headers=headers)
    assert future.status_code == 422 and list(future.json["errors"]) == ["joined_on"]
    partial_put = client.put(
        path, json={"head_name": "Tên mới", "admin_unit": "23677"}, headers=headers
    )
    assert partial_put.status_code == 422
    assert {"village", "phone", "planted_area_ha", "member_type", "joined_on"} <= set(
        partial_put.json["errors"]
    )
    assert _member(app, world["member_a"]) == (before[0], "Làng Kon Brung", *before[2:])

    other = token_for(world["users"]["coop_b"])
    assert client.patch(path, json={"village": "X"}, headers=other).status_code == 404
