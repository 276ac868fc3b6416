"""Draft contracts over the API: PATCH changes only what is sent and is checked as a whole,
PUT needs every field, and no PUT or PATCH writes the state."""

from datetime import timedelta

import pytest

from core.extensions import db
from linkage.models import Contract
from tests.linkage_helpers import TODAY, contract_body


@pytest.fixture
def draft(linkage, world) -> dict:
    return linkage.call(
        "post", "/contracts", linkage.ent, contract_body(world["coop_a"]), expect=201
    ).json


def _stored(app, contract_id: int) -> dict:
    with app.app_context():
        c = db.session.get(Contract, contract_id)
        return {
            "price_vnd": c.price_vnd,
            "risk_sharing": c.risk_sharing,
            "effective_to": c.effective_to,
            "state": c.state.value,
            "parties": sorted((p.organization_id, p.representative) for p in c.parties),
            "items": [(i.season, i.quantity) for i in c.items],
        }


def test_patch_changes_only_the_fields_sent(app, linkage, draft):
    before = _stored(app, draft["id"])
    patched = linkage.call(
        "patch", f"/contracts/{draft['id']}", linkage.ent, {"price_vnd": 97000}, expect=200
    ).json
    assert patched["price_vnd"] == 97000
    assert _stored(app, draft["id"]) == before | {"price_vnd": 97000}
    assert patched["missing"] == []  # still complete: nothing else was touched


def test_patch_replaces_a_list_sent_whole(app, linkage, world, draft):
    items = contract_body(world["coop_a"])["items"]
    items = [items[0] | {"season": "2027/28", "quantity": 30000}]
    linkage.call("patch", f"/contracts/{draft['id']}", linkage.ent, {"items": items}, expect=200)
    stored = _stored(app, draft["id"])
    assert stored["items"] == [("2027/28", 30000)]
    assert len(stored["parties"]) == 2


def test_patch_is_checked_as_a_whole(app, linkage, world, draft):
    before = _stored(app, draft["id"])
    path = f"/contracts/{draft['id']}"
    # The stored start is 90 days ago: an end before it breaks the whole, not the patch alone.
    early_end = {"effective_to": (TODAY - timedelta(days=100)).isoformat()}
    refused = linkage.call("patch", path, linkage.ent, early_end, expect=422)
    assert list(refused.json["errors"]) == ["effective_to"]
    itself = linkage.call(
        "patch", path, linkage.ent, {"parties": [{"organization_id": world["ent_x"]}]}, expect=422
    )
    assert "parties" in itself.json["errors"]
    renumbered = linkage.call("patch", path, linkage.ent, {"number": "HĐ-KHÁC"}, expect=422)
    assert "number" in renumbered.json["errors"]
    assert _stored(app, draft["id"]) == before


@pytest.mark.parametrize("method", ["put", "patch"])
def test_the_state_is_not_written_by_put_or_patch(app, linkage, world, draft, method):
    body = {"state": "signed"}
    if method == "put":
        body |= contract_body(world["coop_a"])
    refused = linkage.call(method, f"/contracts/{draft['id']}", linkage.ent, body, expect=422)
    assert list(refused.json["errors"]) == ["state"]
    assert "/confirm" in refused.json["errors"]["state"][0]
    assert _stored(app, draft["id"])["state"] == "draft"


def test_put_missing_a_term_is_422_naming_it_and_erases_nothing(app, linkage, world, draft):
    before = _stored(app, draft["id"])
    body = {k: v for k, v in contract_body(world["coop_a"]).items() if k != "risk_sharing"}
    refused = linkage.call("put", f"/contracts/{draft['id']}", linkage.ent, body, expect=422)
    assert list(refused.json["errors"]) == ["risk_sharing"]
    assert _stored(app, draft["id"]) == before


def test_only_a_draft_is_patched_and_only_by_its_lead(app, linkage):
    signed = linkage.signed_contract(number="HĐ-KÝ")
    path = f"/contracts/{signed['id']}"
    refused = linkage.call("patch", path, linkage.ent, {"price_vnd": 1}, expect=422)
    assert "state" in refused.json["errors"]
    linkage.call("patch", path, linkage.coop, {"price_vnd": 1}, expect=403)
    assert _stored(app, signed["id"])["price_vnd"] == 95000
