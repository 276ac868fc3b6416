"""The contract form offers the cooperative's products to pick (issue 26, item 9)."""

import re

from tests.linkage_helpers import contract_form, saved_id
from tests.web_helpers import post, text


def _product_choices(page: str, row: int = 0) -> dict[str, str]:
    select = re.search(rf'<select id="f-items\.{row}\.product_id".*?</select>', page, re.S)
    assert select, "no product picker"
    return dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select.group(0)))


def test_a_new_contract_offers_the_cooperatives_products(world, login, farm, linkage):
    coffee = farm.product(name="Cà phê nhân xanh Robusta")
    client = login(world["users"]["ent_x"])
    choices = _product_choices(text(client.get("/linkage/contracts/new")))
    assert str(coffee["id"]) in choices
    assert "HTX Cà phê Đăk Đoa" in choices[str(coffee["id"])]

    form = contract_form(world["coop_a"], **{"items.0.product_id": str(coffee["id"])})
    contract_id = saved_id(post(client, "/linkage/contracts/new", form))
    saved = linkage.call("get", f"/contracts/{contract_id}", linkage.ent, expect=200).json
    assert saved["items"][0]["product_id"] == coffee["id"]
    # Once the cooperative is named, its products stay offered when the form is shown again.
    choices = _product_choices(text(client.get(f"/linkage/contracts/{contract_id}/edit")))
    assert str(coffee["id"]) in choices
