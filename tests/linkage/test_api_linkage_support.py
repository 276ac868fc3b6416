"""Support policies through the API: the claim ceiling from the policy in force, and the
department editing policies where a newer row wins.
"""

from datetime import timedelta

from tests.linkage_helpers import TODAY


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
