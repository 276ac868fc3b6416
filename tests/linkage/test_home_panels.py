"""Linkage on the home pages (issue 20 item 1): each party sees the contracts it has to
confirm; the department sees the signed contracts to verify and the claims to decide.
Counted in SQL: the panel's queries do not grow with the number of contracts."""

import re

from sqlalchemy import event

from core.extensions import db
from linkage.services import home
from tests.linkage_helpers import contract_body
from tests.web_helpers import text


def test_the_cooperative_is_asked_to_confirm_until_it_does(linkage, login, world):
    body = contract_body(world["coop_a"], "HĐLK-H1/2026")
    draft = linkage.call("post", "/contracts", linkage.ent, body, expect=201).json
    coop = login(world["users"]["coop_a"])
    html = text(coop.get("/?lang=en"))
    assert 'id="contracts-to-confirm"' in html and "HĐLK-H1/2026" in html
    # Not the other cooperative's business; the lead confirms separately, so it is asked too.
    assert "HĐLK-H1/2026" not in text(login(world["users"]["coop_b"]).get("/"))
    ent = login(world["users"]["ent_x"])
    assert "HĐLK-H1/2026" in text(ent.get("/"))
    linkage.call("post", f"/contracts/{draft['id']}/confirm", linkage.ent, expect=200)
    assert 'id="contracts-to-confirm"' not in text(ent.get("/"))
    linkage.call("post", f"/contracts/{draft['id']}/confirm", linkage.coop, expect=200)
    assert 'id="contracts-to-confirm"' not in text(coop.get("/"))


def test_the_department_sees_contracts_to_verify(linkage, login, world):
    dept = login(world["users"]["department"])
    assert 'id="contracts-to-verify"' not in text(dept.get("/"))
    signed = linkage.signed_contract()
    html = text(dept.get("/?lang=en"))
    assert "1 signed contract to verify" in html
    linkage.call("post", f"/contracts/{signed['id']}/verify", linkage.dept, expect=200)
    assert 'id="contracts-to-verify"' not in text(dept.get("/"))


def test_contracts_to_confirm_take_one_query_however_many(app, linkage, world):
    for n in range(4):
        body = contract_body(world["coop_a"], f"HĐLK-Q{n}/2026")
        linkage.call("post", "/contracts", linkage.ent, body, expect=201)
    statements = []
    with app.test_request_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            found = home.contracts_to_confirm(world["coop_a"])
            names = [c.lead_org.name for c in found]
            queue = home.department_queue()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert len(found) == 4 and len(set(names)) == 1
    assert queue == {"unverified": 0, "claims": 0}
    assert len(statements) <= 3, statements  # contracts, their leads, the queue


def test_late_and_due_deliveries_show_to_both_parties(linkage, login, world):
    from datetime import timedelta

    from tests.linkage_helpers import TODAY

    # Behind: its window opened 60 days ago and nothing came.
    late = linkage.signed_contract()
    # Due: nothing expected yet, its window opens in three days.
    soon = {
        "category": "coffee",
        "season": "2027",
        "quantity": 500,
        "unit": "kg",
        "due_from": (TODAY + timedelta(days=3)).isoformat(),
        "due_to": (TODAY + timedelta(days=30)).isoformat(),
    }
    due = linkage.signed_contract(number="HĐLK-D2/2026", items=[soon])
    # Later: its window opens in two months; not listed.
    later = dict(
        soon,
        due_from=(TODAY + timedelta(days=60)).isoformat(),
        due_to=(TODAY + timedelta(days=90)).isoformat(),
    )
    linkage.signed_contract(number="HĐLK-D3/2026", items=[later])
    for role in ("coop_a", "ent_x"):
        html = text(login(world["users"][role]).get("/?lang=en"))
        panel = re.search(r'<section class="card" id="deliveries-due">.*?</section>', html, re.S)
        assert panel, role
        panel = panel.group(0)
        assert "HĐLK-01/2026" in panel and "HĐLK-D2/2026" in panel
        assert "HĐLK-D3/2026" not in panel
        assert panel.index("HĐLK-01/2026") < panel.index("HĐLK-D2/2026")  # late first
        assert panel.count("Behind schedule") == 1
        assert "500 kg left" in panel
    assert 'id="deliveries-due"' not in text(login(world["users"]["coop_b"]).get("/"))
    assert late and due
