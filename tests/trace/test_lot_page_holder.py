"""The lot page's "still held by" names the lot's cooperative for the department, never
the department's own agency holding 0 kg (issue 20 item 2: the cause was
``current_user.organization_id or …`` in trace/views/batches.py)."""

import re

from tests.web_helpers import text


def _held(html: str) -> tuple[str, str]:
    match = re.search(r"<dt>([^<]*)</dt><dd id=\"held\">(.*?)</dd>", html, re.S)
    assert match, html[:2000]
    return match.group(1), re.sub(r"<[^>]+>|&nbsp;", " ", match.group(2))


def test_the_department_with_an_agency_sees_the_cooperatives_holding(
    farm, make_org, make_user, login, world
):
    batch = farm.batch(farm.product()["id"], 1000)
    farm.harvest(batch["id"], farm.site()["id"], quantity=1000)
    agency = make_org("agency", name="Sở NN&MT Gia Lai", registration_code="SO-NNMT-01")
    staff = make_user("department_admin", agency, email="staff@nnmt.gialai.gov.vn")
    label, quantity = _held(text(login(staff).get(f"/trace/batches/{batch['id']}?lang=en")))
    assert "HTX Cà phê Đăk Đoa" in label and "Sở NN&MT" not in label
    assert "1,000" in quantity


def test_the_cooperative_still_sees_its_own_holding(farm, login, world):
    batch = farm.batch(farm.product()["id"], 1000)
    farm.harvest(batch["id"], farm.site()["id"], quantity=1000)
    farm.ship(batch["id"], 400, world["ent_x"])
    label, quantity = _held(
        text(login(world["users"]["coop_a"]).get(f"/trace/batches/{batch['id']}?lang=en"))
    )
    assert "HTX Cà phê Đăk Đoa" in label
    assert "600" in quantity
