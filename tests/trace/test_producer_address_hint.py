"""A lot whose producer has no address cannot be traced, and only the department edits an
organization: the cooperative's checklist says so, and the department's registration form
says why the address matters (found by the first-deployment walk, issue #26)."""

from tests.web_helpers import text


def test_the_cooperative_learns_who_adds_its_missing_address(farm, login, world):
    batch = farm.batch(farm.product()["id"], 100)
    page = text(login(world["users"]["coop_a"]).get(f"/trace/batches/{batch['id']}?lang=en"))
    assert 'data-key="producer_address"' in page
    assert "kept by the department: ask it to add it" in page
    item = page.split('data-key="producer_address"')[1][:300]
    assert 'href="/registry/organizations/' not in item


def test_the_department_sees_its_own_link_and_the_address_hint(farm, login, world):
    batch = farm.batch(farm.product()["id"], 100)
    client = login(world["users"]["department"])
    page = text(client.get(f"/trace/batches/{batch['id']}?lang=en"))
    item = page.split('data-key="producer_address"')[1][:400]
    assert "/edit" in item and "kept by the department" not in item
    form = text(client.get("/registry/organizations/new?lang=en"))
    assert "a producer's lots are not traced without it" in form
