"""Linkage API: contracts through their lifecycle, deliveries into the trace, support claims."""

import json
import threading
from datetime import timedelta

import openpyxl
import pytest

from linkage.models import Contract, Delivery
from tests.conftest import row_count
from tests.linkage_helpers import TODAY, contract_body


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


def _harvested_lot(farm, quantity=1000):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], quantity)
    farm.harvest(batch["id"], site["id"])
    return batch


def test_delivery_records_trace_events_under_the_contract(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    delivery = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.ent,
        {
            "delivered_on": TODAY.isoformat(),
            "price_vnd": 96000,
            "lines": [
                {
                    "batch_id": batch["id"],
                    "quantity": 600,
                    "accepted_quantity": 580,
                    "rejection_reason": "Quả xanh",
                }
            ],
        },
        expect=201,
    ).json
    assert delivery["shipping_event_id"] and delivery["receiving_event_id"]
    shipping = linkage.call(
        "get", f"/events/{delivery['shipping_event_id']}", linkage.coop, expect=200
    ).json
    assert shipping["kind"] == "shipping" and shipping["organization_id"] == world["coop_a"]
    assert shipping["destination_org_id"] == world["ent_x"]
    assert (shipping["reference_type"], shipping["reference"]) == ("contract", contract["number"])
    receiving = linkage.call(
        "get", f"/events/{delivery['receiving_event_id']}", linkage.ent, expect=200
    ).json
    assert (
        receiving["organization_id"] == world["ent_x"] and receiving["lines"][0]["quantity"] == 580
    )
    # The enterprise now sees the lot, and the lot has 400 kg left at the cooperative.
    assert (
        linkage.call("get", f"/batches/{batch['id']}", linkage.ent, expect=200).json["id"]
        == batch["id"]
    )
    too_much = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.ent,
        {"delivered_on": TODAY.isoformat(), "lines": [{"batch_id": batch["id"], "quantity": 401}]},
        expect=409,
    )
    assert "400" in too_much.json["errors"]["lines"][0]
    progress = linkage.call(
        "get", f"/contracts/{contract['id']}/fulfilment", linkage.coop, expect=200
    ).json
    assert progress[0]["delivered"] == 600 and progress[0]["accepted"] == 580
    assert progress[0]["behind"] is True  # 580 of 20,000 kg a third into the season


def test_bad_deliveries_are_refused_and_write_nothing(app, linkage, farm, world):
    contract = linkage.signed_contract()
    batch = _harvested_lot(farm)
    pepper = farm.product(name="Hồ tiêu", category="pepper")
    pepper_lot = farm.batch(pepper["id"], 50)
    farm.harvest(pepper_lot["id"], farm.site()["id"])
    path = f"/contracts/{contract['id']}/deliveries"
    cases = [
        ({"delivered_on": (TODAY + timedelta(days=2)).isoformat()}, "delivered_on"),
        (
            {"delivered_on": (TODAY - timedelta(days=200)).isoformat()},
            "delivered_on",
        ),  # before the term
        (
            {"lines": [{"batch_id": pepper_lot["id"], "quantity": 10}]},
            "lines",
        ),  # not a contract product
        (
            {"lines": [{"batch_id": batch["id"], "quantity": 10, "accepted_quantity": 5}]},
            "lines",
        ),  # no reason
        ({"lines": [{"batch_id": batch["id"], "quantity": 10, "accepted_quantity": 11}]}, "lines"),
    ]
    with app.app_context():
        before = row_count(Delivery)
    for change, field in cases:
        body = {
            "delivered_on": TODAY.isoformat(),
            "lines": [{"batch_id": batch["id"], "quantity": 10}],
            **change,
        }
        assert field in linkage.call("post", path, linkage.ent, body, expect=422).json["errors"], (
            change
        )
    outsider = linkage.call(
        "post",
        path,
        farm.headers | {},
        {"delivered_on": TODAY.isoformat(), "lines": [{"batch_id": batch["id"], "quantity": 10}]},
    )
    assert outsider.status_code == 201  # the cooperative may record it too, as a party
    with app.app_context():
        assert row_count(Delivery) == before + 1


def test_delivery_on_an_unsigned_contract_is_refused(linkage, farm, world):
    draft = linkage.call(
        "post", "/contracts", linkage.ent, contract_body(world["coop_a"]), expect=201
    ).json
    batch = _harvested_lot(farm)
    response = linkage.call(
        "post",
        f"/contracts/{draft['id']}/deliveries",
        linkage.ent,
        {"delivered_on": TODAY.isoformat(), "lines": [{"batch_id": batch["id"], "quantity": 10}]},
        expect=422,
    )
    assert "delivered_on" in response.json["errors"]


def test_two_enterprises_race_for_the_last_kilograms(
    app, linkage, farm, world, token_for, is_postgres
):
    if not is_postgres:
        pytest.skip("SQLite serialises writers; the race is a PostgreSQL concern")
    first = linkage.signed_contract("HĐ-X")
    ent_y = token_for(world["users"]["ent_y"])
    other = linkage.call(
        "post", "/contracts", ent_y, contract_body(world["coop_a"], "HĐ-Y"), expect=201
    ).json
    linkage.call("post", f"/contracts/{other['id']}/confirm", ent_y, expect=200)
    linkage.call("post", f"/contracts/{other['id']}/confirm", linkage.coop, expect=200)
    batch = _harvested_lot(farm, 100)
    results = []
    start = threading.Barrier(2)

    def deliver(contract_id, headers):
        client = app.test_client()
        start.wait()
        response = client.post(
            f"/api/v1/contracts/{contract_id}/deliveries",
            headers=headers,
            json={
                "delivered_on": TODAY.isoformat(),
                "lines": [{"batch_id": batch["id"], "quantity": 80}],
            },
        )
        results.append(response.status_code)

    threads = [
        threading.Thread(target=deliver, args=args)
        for args in ((first["id"], linkage.ent), (other["id"], ent_y))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [201, 409], results
    with app.app_context():
        assert row_count(Delivery) == 1


def test_support_claim_ceiling_comes_from_the_policy_in_force(linkage):
    contract = linkage.signed_contract()
    policies = linkage.call("get", "/support-policies", linkage.coop, expect=200).json
    consulting = next(p for p in policies if p["category"] == "consulting")
    assert (consulting["rate_percent"], consulting["cap_vnd"]) == (100, 300_000_000)
    claim = {
        "contract_id": contract["id"],
        "category": "infrastructure",
        "claimed_on": TODAY.isoformat(),
        "eligible_cost_vnd": 2_000_000_000,
        "amount_asked_vnd": 700_000_000,
    }
    over = linkage.call("post", "/support-claims", linkage.coop, claim, expect=422).json
    assert "600.000.000" in over["errors"]["amount_asked_vnd"][0]  # 30% of 2 billion
    made = linkage.call(
        "post",
        "/support-claims",
        linkage.coop,
        {**claim, "amount_asked_vnd": 600_000_000},
        expect=201,
    ).json
    assert made["max_support_vnd"] == 600_000_000
    capped = linkage.call(
        "post",
        "/support-claims",
        linkage.coop,
        {**claim, "eligible_cost_vnd": 50_000_000_000, "amount_asked_vnd": 1},
        expect=201,
    ).json
    assert capped["max_support_vnd"] == 10_000_000_000
    linkage.call(
        "post",
        f"/support-claims/{made['id']}/decision",
        linkage.coop,
        {"status": "granted"},
        expect=403,
    )
    too_much = {"status": "granted", "amount_granted_vnd": 600_000_001}
    linkage.call(
        "post", f"/support-claims/{made['id']}/decision", linkage.dept, too_much, expect=422
    )
    granted = linkage.call(
        "post",
        f"/support-claims/{made['id']}/decision",
        linkage.dept,
        {"status": "granted", "amount_granted_vnd": 500_000_000},
        expect=200,
    ).json
    assert granted["status"] == "granted" and granted["amount_granted_vnd"] == 500_000_000


def test_department_edits_policies_and_a_newer_row_wins(linkage):
    contract = linkage.signed_contract()
    row = {
        "category": "consulting",
        "rate_percent": 50,
        "cap_vnd": 100_000_000,
        "valid_from": (TODAY - timedelta(days=10)).isoformat(),
        "legal_basis": "Nghị quyết 97/2018/NQ-HĐND tỉnh Gia Lai",
    }
    linkage.call("post", "/support-policies", linkage.coop, row, expect=403)
    linkage.call(
        "post", "/support-policies", linkage.dept, {**row, "valid_to": "2000-01-01"}, expect=422
    )
    linkage.call("post", "/support-policies", linkage.dept, row, expect=201)
    claim = {
        "contract_id": contract["id"],
        "category": "consulting",
        "claimed_on": TODAY.isoformat(),
        "eligible_cost_vnd": 400_000_000,
        "amount_asked_vnd": 100_000_000,
    }
    assert linkage.call("post", "/support-claims", linkage.ent, claim, expect=201).json[
        "max_support_vnd"
    ] == (100_000_000)
    old = {
        **claim,
        "claimed_on": (TODAY - timedelta(days=30)).isoformat(),
        "amount_asked_vnd": 300_000_000,
    }
    assert linkage.call("post", "/support-claims", linkage.ent, old, expect=201).json[
        "max_support_vnd"
    ] == (300_000_000)


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
