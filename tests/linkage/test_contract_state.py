"""A contract's schedule is judged in one place, shared by the list, the page, the export
and the API (issue 20 item 2, issue 26 item 8): a draft, a contract not yet started and an
ended one are never late; expected quantities are whole units; an expired contract takes
no delivery, is not offered the form, and the API answers 409 with the reason."""

import re
from datetime import timedelta

from linkage.models import Delivery
from tests.conftest import row_count
from tests.linkage_helpers import TODAY
from tests.web_helpers import text

BEHIND = "Behind schedule"


def _fulfilment(linkage, contract_id, headers):
    return linkage.call("get", f"/contracts/{contract_id}/fulfilment", headers, expect=200).json


def _draft(linkage, **overrides):
    from tests.linkage_helpers import contract_body

    body = contract_body(linkage.world["coop_a"], **overrides)
    return linkage.call("post", "/contracts", linkage.ent, body, expect=201).json


def test_a_draft_is_never_late_in_the_api_list_or_page(linkage, login, world):
    # Its delivery window opened 60 days ago and nothing came: late, were it in force.
    draft = _draft(linkage)
    rows = _fulfilment(linkage, draft["id"], linkage.ent)
    assert rows and not any(row["behind"] for row in rows)
    client = login(world["users"]["ent_x"])
    assert BEHIND not in text(client.get("/linkage/contracts?lang=en"))
    assert BEHIND not in text(client.get(f"/linkage/contracts/{draft['id']}?lang=en"))


def test_an_active_contract_that_trails_is_late_everywhere(linkage, login, world):
    signed = linkage.signed_contract()
    assert all(row["behind"] for row in _fulfilment(linkage, signed["id"], linkage.ent))
    client = login(world["users"]["ent_x"])
    assert BEHIND in text(client.get("/linkage/contracts?lang=en"))
    assert BEHIND in text(client.get(f"/linkage/contracts/{signed['id']}?lang=en"))


def test_a_completed_contract_is_not_late(linkage, login, world):
    signed = linkage.signed_contract()
    linkage.call(
        "post",
        f"/contracts/{signed['id']}/complete",
        linkage.ent,
        {"reason": "Hai bên thống nhất kết thúc"},
        expect=200,
    )
    assert not any(row["behind"] for row in _fulfilment(linkage, signed["id"], linkage.ent))
    client = login(world["users"]["ent_x"])
    assert BEHIND not in text(client.get(f"/linkage/contracts/{signed['id']}?lang=en"))


def test_expected_by_now_is_in_whole_units(linkage):
    signed = linkage.signed_contract()
    (row,) = _fulfilment(linkage, signed["id"], linkage.ent)
    # 20,000 kg over 180 days, 60 days gone: 6,666.667 before, 6,667 now.
    assert row["expected_by_now"] == 6667


def _expired(linkage):
    start, end = TODAY - timedelta(days=300), TODAY - timedelta(days=10)
    item = {
        "category": "coffee",
        "season": "2025/26",
        "quantity": 20000,
        "unit": "kg",
        "due_from": start.isoformat(),
        "due_to": end.isoformat(),
    }
    return linkage.signed_contract(
        effective_from=start.isoformat(), effective_to=end.isoformat(), items=[item]
    )


def test_an_expired_contract_takes_no_delivery_409_with_the_reason(app, linkage, farm, world):
    contract = _expired(linkage)
    batch = farm.batch(farm.product()["id"], 1000)
    farm.harvest(batch["id"], farm.site()["id"], days_ago=30)
    # Dated inside the term (it would be accepted were the contract still in force).
    response = linkage.call(
        "post",
        f"/contracts/{contract['id']}/deliveries",
        linkage.coop,
        {
            "delivered_on": (TODAY - timedelta(days=20)).isoformat(),
            "lines": [{"batch_id": batch["id"], "quantity": 100}],
        },
        expect=409,
    )
    # The reason, in the API's language (Vietnamese first), names the status.
    assert "Hết hiệu lực" in response.json["errors"]["contract"][0]
    with app.app_context():
        assert row_count(Delivery) == 0
    assert not any(r["behind"] for r in _fulfilment(linkage, contract["id"], linkage.coop))


def test_an_expired_contract_page_offers_no_delivery_form(linkage, login, world):
    expired = _expired(linkage)
    active = linkage.signed_contract(number="HĐLK-02/2026")
    client = login(world["users"]["coop_a"])
    assert 'id="delivery-form"' not in text(client.get(f"/linkage/contracts/{expired['id']}"))
    assert 'id="delivery-form"' in text(client.get(f"/linkage/contracts/{active['id']}"))


def test_prices_carry_their_unit(linkage, login, world):
    signed = linkage.signed_contract()
    html = text(login(world["users"]["ent_x"]).get(f"/linkage/contracts/{signed['id']}?lang=en"))
    price = re.search(r'<dd id="price">(.*?)</dd>', html, re.S).group(1)
    assert "95,000" in price and "₫/kg" in price
