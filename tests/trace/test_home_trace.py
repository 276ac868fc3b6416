"""The trace's home panels (issue 20 item 1, issue 26 item 8): a new cooperative sees its
next steps, ticked as done; its lots not traced yet are listed with what each lacks, in
two queries however many there are."""

import re

from sqlalchemy import event

from core.extensions import db
from tests import labels_helpers
from tests.trace_helpers import when
from tests.web_helpers import text
from trace.models import Scan
from trace.services import home

complete_batch = labels_helpers.complete_batch


def test_a_new_cooperative_sees_its_next_steps(farm, login, make_org, make_user):
    org = make_org("cooperative", name="HTX Mới Thành Lập", registration_code="HTX-NEW-9")
    client = login(make_user("cooperative", org, email="new@htx.vn"))
    html = text(client.get("/?lang=en"))
    assert 'id="next-steps"' in html
    ticked = {
        k: s == "ok" for s, k in re.findall(r'<li class="(ok|missing)" data-step="(\w+)"', html)
    }
    assert ticked == {"households": False, "products": False, "sites": False, "lots": False}
    # Cooperative A of the cast has households, and once a product, an area and a lot too.
    coop_a = login(farm.world["users"]["coop_a"])
    product = farm.product()
    farm.site()
    assert 'id="next-steps"' in text(coop_a.get("/"))
    farm.batch(product["id"], 100)
    assert 'id="next-steps"' not in text(coop_a.get("/"))


def test_untraced_lots_are_listed_with_what_they_lack(app, farm, login, world):
    product = farm.product()
    site = farm.site()
    lots = [farm.batch(product["id"], 100 + n) for n in range(3)]
    farm.harvest(lots[0]["id"], site["id"])
    html = text(login(world["users"]["coop_a"]).get("/?lang=en"))
    assert 'id="untraced-lots"' in html and "(3)" in html
    for lot in lots:
        assert f'data-batch="{lot["id"]}"' in html
    assert "QR label issued" in html and "Product image" in html
    statements = []
    with app.test_request_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            total, found = home.untraced_lots(world["coop_a"])
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert total == 3 and len(found) == 3 and len(statements) == 2
    # The harvested lot lacks less than the others (its harvest, in the user's language).
    harvested = next(lot for lot in found if lot.id == lots[0]["id"])
    other = next(lot for lot in found if lot.id == lots[1]["id"])
    assert set(harvested.missing) < set(other.missing)
    # Another cooperative's home shows none of them.
    assert 'id="untraced-lots"' not in text(login(world["users"]["coop_b"]).get("/"))


def _receive(buyer, batch_id, quantity, days_ago):
    buyer.post(
        "/events",
        {
            "kind": "receiving",
            "event_time": when(days_ago),
            "source_org_id": buyer.world["coop_a"],
            "lines": [{"batch_id": batch_id, "quantity": quantity}],
        },
    )


def test_the_enterprise_sees_the_lots_it_received_this_week(farm, buyer, login, world):
    product, site = farm.product(), farm.site()
    recent, old = farm.batch(product["id"], 500), farm.batch(product["id"], 500)
    for lot in (recent, old):
        farm.harvest(lot["id"], site["id"], days_ago=30)
    farm.ship(recent["id"], 300, world["ent_x"], days_ago=3)
    farm.ship(old["id"], 200, world["ent_x"], days_ago=20)
    _receive(buyer, recent["id"], 280, days_ago=2)
    _receive(buyer, old["id"], 200, days_ago=15)
    html = text(login(world["users"]["ent_x"]).get("/?lang=en"))
    panel = re.search(r'<section class="card" id="received-lots">.*?</section>', html, re.S)
    assert panel
    assert f'data-batch="{recent["id"]}"' in panel.group(0) and "280" in panel.group(0)
    assert f'data-batch="{old["id"]}"' not in panel.group(0)
    assert 'id="received-lots"' not in text(login(world["users"]["ent_y"]).get("/"))


def test_labels_printed_but_never_scanned(app, farm, login, world, complete_batch, client):
    scanned, silent = complete_batch(), complete_batch(gtin=None, name="Cà phê bột")
    for lot in (scanned, silent):
        response = client.post(
            f"/api/v1/batches/{lot['id']}/label-prints",
            json={"layout": "roll-50x30"},
            headers=farm.headers,
        )
        assert response.status_code == 201, response.json
    with app.app_context():
        db.session.add(Scan(batch_id=scanned["id"], client_hash="x" * 64))
        db.session.commit()
    html = text(login(world["users"]["coop_a"]).get("/?lang=en"))
    panel = re.search(r'<section class="card" id="unscanned-labels">.*?</section>', html, re.S)
    assert panel
    assert f'data-batch="{silent["id"]}"' in panel.group(0)
    assert f'data-batch="{scanned["id"]}"' not in panel.group(0)
