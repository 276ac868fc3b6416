"""The department's home on an empty installation lists the getting-started steps (agency,
organizations, users, households, products, areas, lots), each ticked once done, and
drops them when all are (issue 26 item 8)."""

import re

from tests.web_helpers import text

STEPS = ["agency", "organizations", "users", "households", "products", "sites", "lots"]


def _steps(html: str) -> dict[str, bool]:
    found = re.findall(r'<li class="(ok|missing)" data-step="(\w+)"', html)
    return {key: state == "ok" for state, key in found}


def test_an_empty_installation_shows_every_step_unticked(make_user, login):
    admin = make_user("department_admin", email="admin@nnmt.gialai.gov.vn")
    html = text(login(admin).get("/?lang=en"))
    assert 'id="getting-started"' in html
    assert _steps(html) == dict.fromkeys(STEPS, False)


def test_steps_are_ticked_as_they_are_done_then_the_list_goes(farm, make_org, login, world):
    client = login(world["users"]["department"])
    ticked = _steps(text(client.get("/")))
    # The cast has cooperatives, enterprises, their users and households; no agency yet.
    assert ticked == {
        **dict.fromkeys(STEPS, False),
        "organizations": True,
        "users": True,
        "households": True,
    }
    product = farm.product()
    farm.site()
    ticked = _steps(text(client.get("/")))
    assert ticked["products"] and ticked["sites"] and not ticked["lots"]
    farm.batch(product["id"], 100)
    make_org("agency", name="Sở NN&MT Gia Lai", registration_code="SO-NNMT-01")
    html = text(client.get("/"))
    assert 'id="getting-started"' not in html


def test_an_empty_installation_shows_no_empty_targets(make_user, login):
    admin = make_user("department_admin", email="admin@nnmt.gialai.gov.vn")
    assert 'id="targets"' not in text(login(admin).get("/"))
