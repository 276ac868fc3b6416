"""The chain page shows a page of lots nearest to where it starts, never the whole of a big
trace: lots left off are counted, and a link opens the chain again from the lot above them."""

import re

import pytest

from tests.web_helpers import text
from trace.services import genealogy


@pytest.fixture
def family(farm, world):
    """Root R split into A1, A2, A3; A1 split into B1, B2; B1 shipped to enterprise X.

    Forward from R, breadth first: R, A1, A2, A3, B1, B2 (6 lots).
    """
    product, site = farm.product(), farm.site()
    root = farm.batch(product["id"], 900)
    farm.harvest(root["id"], site["id"], days_ago=30)
    first = _outputs(farm.transform([(root["id"], 900)], _three(product), days_ago=20))
    second = _outputs(
        farm.transform(
            [(first[0], 300)],
            [{"product_id": product["id"], "quantity": 150}] * 2,
            days_ago=10,
        )
    )
    farm.ship(second[0], 100, world["ent_x"], days_ago=5)
    return {"root": root["id"], "a": first, "b": second}


def _three(product) -> list[dict]:
    return [{"product_id": product["id"], "quantity": 300}] * 3


def _outputs(event) -> list[int]:
    return sorted(line["batch_id"] for line in event["lines"] if line["role"] == "output")


def _lots(page: str) -> list[int]:
    """The lot ids of the tree's nodes, in page order (each node links its lot's page)."""
    tree = page.split('id="tree"', 1)[1]
    return [int(n) for n in re.findall(r'<a href="/trace/batches/(\d+)"><code>', tree)]


def _more_below(page: str) -> dict[int, str]:
    """{lot the link starts from: the link's text} for every "more lots below" link."""
    found = re.findall(
        r'class="small more-below"><a href="/trace/batches/\d+/chain\?direction=forward'
        r'&amp;from=(\d+)">([^<]*)</a>',
        page,
    )
    return {int(lot): label for lot, label in found}


def test_a_small_chain_is_shown_whole(login, world, family):
    client = login(world["users"]["coop_a"])
    page = text(client.get(f"/trace/batches/{family['root']}/chain?direction=forward"))
    assert _lots(page) == [family["root"], *family["a"][:1], *family["b"], *family["a"][1:]]
    assert 'id="chain-count"' not in page and "more-below" not in page


def test_a_big_chain_shows_a_page_and_counts_the_rest(login, world, family, monkeypatch):
    monkeypatch.setattr(genealogy, "CHAIN_PAGE_LOTS", 3)
    client = login(world["users"]["coop_a"])
    page = text(client.get(f"/trace/batches/{family['root']}/chain?direction=forward"))
    a1, a2, a3 = family["a"]
    assert _lots(page) == [family["root"], a1, a2]  # breadth first: A3, B1, B2 left off
    count = re.search(r'id="chain-count"[^>]*>([^<]*)<', page).group(1)
    assert re.search(r"\b6\b", count) and re.search(r"\b3\b", count)
    more = _more_below(page)
    assert set(more) == {family["root"], a1}
    assert re.search(r"\b1\b", more[family["root"]]) and re.search(r"\b2\b", more[a1])
    assert a3 not in _lots(page)


def test_the_chain_opens_again_from_a_lot_below(login, world, family, monkeypatch):
    monkeypatch.setattr(genealogy, "CHAIN_PAGE_LOTS", 3)
    client = login(world["users"]["coop_a"])
    a1 = family["a"][0]
    url = f"/trace/batches/{family['root']}/chain?direction=forward&from={a1}"
    response = client.get(url)
    page = text(response)
    assert response.status_code == 200
    assert _lots(page) == [a1, *family["b"]]
    assert 'id="chain-part"' in page
    assert f'href="/trace/batches/{family["root"]}/chain?direction=forward"' in page
    shipments = page.split('class="shipments"', 1)[1]
    assert "Công ty TNHH X" in shipments  # B1's shipment, shown under B1
    assert "more-below" not in page and 'id="chain-count"' not in page


def test_a_start_outside_the_chain_is_not_found(login, world, family, farm):
    client = login(world["users"]["coop_a"])
    unrelated = farm.batch(farm.product()["id"], 10)
    root = family["root"]
    outside = client.get(f"/trace/batches/{root}/chain?direction=forward&from={unrelated['id']}")
    assert outside.status_code == 404
    # Backward from B1 the chain holds A1 and R, but not A2.
    b1, a2 = family["b"][0], family["a"][1]
    backward = f"/trace/batches/{b1}/chain?direction=backward&from="
    assert client.get(backward + str(family["root"])).status_code == 200
    assert client.get(backward + str(a2)).status_code == 404


def test_another_cooperative_cannot_open_the_chain(login, world, family):
    client = login(world["users"]["coop_b"])
    root, a1 = family["root"], family["a"][0]
    response = client.get(f"/trace/batches/{root}/chain?direction=forward&from={a1}")
    assert response.status_code == 404
