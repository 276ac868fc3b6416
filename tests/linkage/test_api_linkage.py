"""Linkage contracts through the API: drafting, signing, refusals, visibility, termination,
amendments, attachments, exports, filters and the OpenAPI listing.

Deliveries: test_api_linkage_deliveries.py; support policies: test_api_linkage_support.py.
"""

import json

import openpyxl

from linkage.models import Contract
from tests.conftest import row_count
from tests.linkage_helpers import contract_body


def test_enterprise_drafts_and_both_parties_sign(linkage, world):
    contract = linkage.call(
        "post", "/contracts", linkage.ent, contract_body(world["coop_a"]), expect=201
    ).json
    assert contract["status"] == "draft" and contract["missing"] == []
    assert {p["role"] for p in contract["parties"]} == {"lead", "cooperative"}
    after_lead = linkage.call(
        "post", f"/contracts/{contract['id']}/confirm", linkage.ent, expect=200
    ).json
    assert after_lead["status"] == "draft"
    signed = linkage.call(
        "post", f"/contracts/{contract['id']}/confirm", linkage.coop, expect=200
    ).json
    assert signed["status"] == "active" and signed["state"] == "signed"
    again = linkage.call(
        "post", f"/contracts/{contract['id']}/confirm", linkage.coop, expect=409
    ).json
    assert "state" in again["errors"]
    verified = linkage.call(
        "post", f"/contracts/{contract['id']}/verify", linkage.dept, expect=200
    ).json
    assert verified["verified_at"] is not None


def test_incomplete_contract_cannot_leave_draft(linkage, world):
    body = contract_body(world["coop_a"], dispute_resolution=None, force_majeure=None, items=[])
    contract = linkage.call("post", "/contracts", linkage.ent, body, expect=201).json
    assert len(contract["missing"]) == 3
    refused = linkage.call(
        "post", f"/contracts/{contract['id']}/confirm", linkage.ent, expect=422
    ).json
    assert len(refused["errors"]["missing"]) == 3


def test_bad_contracts_are_refused_and_write_nothing(app, linkage, world):
    cases = [
        (
            contract_body(world["coop_a"], effective_from="2026-12-01", effective_to="2026-01-01"),
            "effective_to",
        ),
        (contract_body(world["coop_a"], linkage_form=8), "linkage_form"),
        (contract_body(world["ent_y"]), "parties"),  # no cooperative among the parties
        (contract_body(world["ent_x"]), "parties"),  # the lead listed as its own counterpart
        (contract_body(999_999), "parties"),
    ]
    with app.app_context():
        before = row_count(Contract)
    for body, field in cases:
        response = linkage.call("post", "/contracts", linkage.ent, body, expect=422).json
        assert field in response["errors"], (field, response)
    with app.app_context():
        assert row_count(Contract) == before


def test_only_parties_see_or_confirm(linkage, world, client, token_for):
    contract = linkage.call(
        "post", "/contracts", linkage.ent, contract_body(world["coop_a"]), expect=201
    ).json
    outsider_coop = token_for(world["users"]["coop_b"])
    outsider_ent = token_for(world["users"]["ent_y"])
    for headers in (outsider_coop, outsider_ent):
        assert client.get(f"/api/v1/contracts/{contract['id']}", headers=headers).status_code == 404
        assert (
            client.post(f"/api/v1/contracts/{contract['id']}/confirm", headers=headers).status_code
            == 404
        )
    assert client.get("/api/v1/contracts", headers=outsider_coop).json == []
    assert len(client.get("/api/v1/contracts", headers=linkage.coop).json) == 1
    assert len(client.get("/api/v1/contracts", headers=linkage.dept).json) == 1
    assert (
        client.post(f"/api/v1/contracts/{contract['id']}/verify", headers=linkage.coop).status_code
        == 403
    )


def test_terminated_contract_cannot_be_confirmed_or_ended_twice(linkage):
    contract = linkage.signed_contract()
    no_reason = linkage.call(
        "post", f"/contracts/{contract['id']}/terminate", linkage.coop, {}, expect=422
    ).json
    assert "reason" in no_reason["errors"]
    ended = linkage.call(
        "post",
        f"/contracts/{contract['id']}/terminate",
        linkage.coop,
        {"reason": "Doanh nghiệp ngừng thu mua"},
        expect=200,
    ).json
    assert ended["status"] == "terminated" and ended["end_reason"] == "Doanh nghiệp ngừng thu mua"
    linkage.call("post", f"/contracts/{contract['id']}/confirm", linkage.coop, expect=409)
    linkage.call(
        "post",
        f"/contracts/{contract['id']}/complete",
        linkage.ent,
        {"reason": "x" * 5},
        expect=409,
    )


def test_amendment_makes_a_new_version_and_keeps_history(linkage, world):
    contract = linkage.signed_contract()
    body = contract_body(world["coop_a"], price_vnd=105000, amendment_note="Tăng giá sàn")
    draft = linkage.call(
        "post", f"/contracts/{contract['id']}/amendments", linkage.ent, body, expect=201
    ).json
    assert (
        draft["version"] == 2
        and draft["previous_id"] == contract["id"]
        and draft["status"] == "draft"
    )
    linkage.call("post", f"/contracts/{draft['id']}/confirm", linkage.ent, expect=200)
    linkage.call("post", f"/contracts/{draft['id']}/confirm", linkage.coop, expect=200)
    history = linkage.call(
        "get", f"/contracts/{draft['id']}/versions", linkage.coop, expect=200
    ).json
    assert [(v["version"], v["price_vnd"]) for v in history] == [(1, 95000), (2, 105000)]
    assert history[0]["superseded_at"] is not None and history[1]["superseded_at"] is None
    current = linkage.call("get", "/contracts", linkage.coop, expect=200).json
    assert [c["version"] for c in current] == [2]


def test_attachments_are_type_checked_and_private(linkage, world, client, token_for):
    contract = linkage.signed_contract()
    path = f"/api/v1/contracts/{contract['id']}/attachments"
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    lying = client.post(
        path,
        headers=linkage.ent,
        content_type="multipart/form-data",
        data={"file": (__import__("io").BytesIO(b"<script>alert(1)</script>"), "scan.pdf")},
    )
    assert lying.status_code == 422 and "file" in lying.json["errors"]
    stored = client.post(
        path,
        headers=linkage.ent,
        content_type="multipart/form-data",
        data={"file": (__import__("io").BytesIO(pdf), "hop-dong.pdf")},
    )
    assert stored.status_code == 201, stored.json
    url = f"{path}/{stored.json['id']}"
    own = client.get(url, headers=linkage.coop)
    assert own.status_code == 200 and own.data == pdf and own.mimetype == "application/pdf"
    own.close()
    assert client.get(url, headers=token_for(world["users"]["coop_b"])).status_code == 404


def test_department_exports_the_contract_list(linkage, client, world):
    linkage.signed_contract()
    linkage.call(
        "post",
        "/contracts",
        linkage.ent,
        contract_body(world["coop_a"], "HĐ-02", quality_standard="=cmd|' /C calc'!A0"),
        expect=201,
    )
    english = {**linkage.dept, "Accept-Language": "en"}
    response = client.get("/api/v1/contracts/export?format=xlsx", headers=english)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(__import__("io").BytesIO(response.data)).active
    rows = list(sheet.values)
    assert rows[0][0] and len(rows) == 3
    # Statuses, linkage forms and categories as the reader's words, not stored codes.
    assert {r[7] for r in rows[1:]} == {"In force", "Draft"}
    assert {r[5] for r in rows[1:]} == {"3. Production and sale"}
    assert {r[6] for r in rows[1:]} == {"Coffee"}
    csv = client.get("/api/v1/contracts/export?format=csv&status=active", headers=linkage.dept)
    assert csv.data.startswith(b"\xef\xbb\xbf") and csv.data.decode("utf-8-sig").count("\r\n") == 2


def test_filters_by_commune_form_and_category(linkage, world):
    linkage.signed_contract()

    def count(query):
        return len(linkage.call("get", f"/contracts?{query}", linkage.dept, expect=200).json)

    assert count("linkage_form=3") == 1 and count("linkage_form=5") == 0
    assert count("category=coffee") == 1 and count("category=rice") == 0
    assert count("status=active") == 1 and count("status=draft") == 0
    assert count("admin_unit=23677") == 1 and count("admin_unit=23941") == 0
    assert count("admin_unit=52") == 1


def test_openapi_lists_linkage_endpoints(client):
    paths = json.loads(client.get("/api/v1/openapi.json").data)["paths"]
    for path in (
        "/api/v1/contracts",
        "/api/v1/contracts/{contract_id}/confirm",
        "/api/v1/contracts/{contract_id}/terminate",
        "/api/v1/contracts/{contract_id}/deliveries",
        "/api/v1/support-policies",
        "/api/v1/support-claims",
    ):
        assert path in paths, path


def test_lead_edits_a_draft_through_the_api(linkage, world):
    draft = linkage.call(
        "post", "/contracts", linkage.ent, contract_body(world["coop_a"]), expect=201
    ).json
    body = contract_body(world["coop_a"], price_vnd=97000)
    edited = linkage.call("put", f"/contracts/{draft['id']}", linkage.ent, body, expect=200).json
    assert edited["price_vnd"] == 97000 and len(edited["parties"]) == 2
    linkage.call("put", f"/contracts/{draft['id']}", linkage.coop, body, expect=403)
