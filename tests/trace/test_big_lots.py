"""Big lots: the event lists and a lot's page read one page of events at a time, and what a
buyer may read of other organizations' events is found as sets (no subquery per event line).
"""

import json
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import event, select, text

from bench.big_lots import add_inspections
from core.extensions import db
from registry.models import User
from tests.browser_helpers import ARTIFACTS, fits_the_phone
from tests.conftest import PASSWORD
from tests.trace_helpers import when
from trace.models import EventLine, TraceEvent
from trace.services.events import events_query

EVENT_ID = re.compile(r'<li class="event [^"]*" id="event-(\d+)"')


@pytest.fixture
def shared_lot(app, farm, buyer, world):
    """A lot of cooperative A with 60 inspections, shipped to enterprise X (which records the
    receipt), and a lot A kept with 3: (sold id, kept id)."""

    def make(inspections: int = 60) -> tuple[int, int]:
        product, site = farm.product(), farm.site()
        sold, kept = farm.batch(product["id"], 100), farm.batch(product["id"], 100)
        farm.harvest(sold["id"], site["id"], days_ago=30)
        farm.harvest(kept["id"], site["id"], days_ago=30)
        add_inspections(app, farm, sold["id"], inspections, days=(29, 6))
        add_inspections(app, farm, kept["id"], 3, days=(29, 6))
        farm.ship(sold["id"], 80, world["ent_x"], days_ago=5)
        receipt = {
            "kind": "receiving",
            "event_time": when(4),
            "source_org_id": world["coop_a"],
            "lines": [{"batch_id": sold["id"], "quantity": 80}],
        }
        buyer.post("/events", receipt)
        return sold["id"], kept["id"]

    return make


def _lot_event_ids(app, batch_id: int, org_ids: set[int]) -> list[int]:
    """The ids of the events with a line on the lot recorded by these organizations, in the
    lists' order (time, then id)."""
    with app.app_context():
        stmt = (
            select(TraceEvent.id)
            .where(
                TraceEvent.id.in_(select(EventLine.event_id).where(EventLine.batch_id == batch_id)),
                TraceEvent.organization_id.in_(org_ids),
            )
            .order_by(TraceEvent.event_time, TraceEvent.id)
        )
        return list(db.session.scalars(stmt))


def _api_page(buyer, query: str) -> tuple[list[int], dict]:
    response = buyer.client.get(f"/api/v1/events?{query}", headers=buyer.headers)
    assert response.status_code == 200, response.json
    return [item["id"] for item in response.json], json.loads(response.headers["X-Pagination"])


def test_api_event_list_pages_through_a_buyers_events(app, buyer, world, shared_lot):
    sold, kept = shared_lot(60)
    expected = _lot_event_ids(app, sold, {world["coop_a"], world["ent_x"]})
    assert len(expected) == 63  # harvest, 60 inspections, shipping, and X's own receipt
    seen = []
    for page in (1, 2, 3, 4):
        ids, pagination = _api_page(buyer, f"page={page}&page_size=20")
        assert pagination["total"] == 63
        assert pagination["total_pages"] == 4
        assert ids == expected[(page - 1) * 20 : page * 20], page
        seen += ids
    assert seen == expected
    kept_ids = set(_lot_event_ids(app, kept, {world["coop_a"]}))
    assert not kept_ids & set(seen)
    # Past the last page: nothing, and still the right count.
    ids, pagination = _api_page(buyer, "page=9&page_size=20")
    assert ids == [] and pagination["total"] == 63
    # One lot's events: the same order and count.
    ids, pagination = _api_page(buyer, f"batch_id={sold}&page=2&page_size=50")
    assert ids == expected[50:] and pagination["total"] == 63
    ids, pagination = _api_page(buyer, f"batch_id={kept}")
    assert ids == [] and pagination["total"] == 0


def test_lot_page_shows_one_page_of_events_with_links(app, world, login, shared_lot):
    sold, _kept = shared_lot(60)
    expected = _lot_event_ids(app, sold, {world["coop_a"], world["ent_x"]})
    client = login(world["users"]["ent_x"])
    first = client.get(f"/trace/batches/{sold}").get_data(as_text=True)
    assert [int(i) for i in EVENT_ID.findall(first)] == expected[:50]
    assert 'id="timeline-count"' in first and "1–50" in first and "63" in first
    assert f'href="/trace/batches/{sold}?page=2#events" rel="next"' in first
    assert 'rel="prev"' not in first
    second = client.get(f"/trace/batches/{sold}?page=2").get_data(as_text=True)
    assert [int(i) for i in EVENT_ID.findall(second)] == expected[50:]
    assert "51–63" in second and 'rel="next"' not in second
    assert f'href="/trace/batches/{sold}?page=1#events" rel="first"' in second
    # A page past the end, or not a number, shows the last or the first page.
    assert EVENT_ID.findall(client.get(f"/trace/batches/{sold}?page=99").get_data(True)) == [
        str(i) for i in expected[50:]
    ]
    assert EVENT_ID.findall(client.get(f"/trace/batches/{sold}?page=x").get_data(True)) == [
        str(i) for i in expected[:50]
    ]


def test_small_lot_page_has_no_page_links(app, world, login, farm):
    product, site = farm.product(), farm.site()
    batch = farm.batch(product["id"], 100)
    farm.harvest(batch["id"], site["id"])
    html = login(world["users"]["coop_a"]).get(f"/trace/batches/{batch['id']}").get_data(True)
    assert len(EVENT_ID.findall(html)) == 1
    assert 'id="timeline-pages"' not in html and 'id="timeline-count"' not in html


def test_each_organization_sees_its_share_of_a_shared_lot(app, world, login, shared_lot, farm):
    sold, kept = shared_lot(55)
    coop_ids = _lot_event_ids(app, sold, {world["coop_a"]})
    everyone = _lot_event_ids(app, sold, {world["coop_a"], world["ent_x"]})
    # The cooperative sees its own events only (X's receipt is X's); X sees both.
    coop = login(world["users"]["coop_a"])
    page = coop.get(f"/trace/batches/{sold}?page=2").get_data(as_text=True)
    assert [int(i) for i in EVENT_ID.findall(page)] == coop_ids[50:]
    buyer = login(world["users"]["ent_x"])
    page = buyer.get(f"/trace/batches/{sold}?page=2").get_data(as_text=True)
    assert [int(i) for i in EVENT_ID.findall(page)] == everyone[50:]
    assert buyer.get(f"/trace/batches/{kept}").status_code == 404
    assert login(world["users"]["ent_y"]).get(f"/trace/batches/{sold}").status_code == 404
    # A correction on the last page strikes its event on the first page.
    wrong = coop_ids[3]
    farm.post(f"/events/{wrong}/corrections", {"reason": "Nhập nhầm"})
    first = coop.get(f"/trace/batches/{sold}").get_data(as_text=True)
    assert re.search(rf'<li class="event [^"]*erroneous" id="event-{wrong}"', first)
    last = coop.get(f"/trace/batches/{sold}?page=2").get_data(as_text=True)
    assert "event-correction" in last


def _statements(app, call) -> list[str]:
    """The SQL statements ``call()`` sends."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _parameters, _context, _many):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def test_buyers_event_list_takes_as_many_statements_however_many_lines(
    app, buyer, world, shared_lot
):
    sold, _kept = shared_lot(5)
    few = _statements(app, lambda: _api_page(buyer, "page_size=200"))
    lines_before = _api_page(buyer, "page_size=200")[1]["total"]
    add_inspections(app, buyer, sold, 40, days=(3.9, 0.1))
    many = _statements(app, lambda: _api_page(buyer, "page_size=200"))
    assert _api_page(buyer, "page_size=200")[1]["total"] == lines_before + 40
    assert len(many) == len(few)


def _plan(app, stmt) -> tuple[str, str]:
    with app.app_context():
        sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
        if db.engine.dialect.name == "sqlite":
            rows = db.session.execute(text("EXPLAIN QUERY PLAN " + sql)).all()
            return sql, "\n".join(row[-1] for row in rows)
        rows = db.session.execute(text("EXPLAIN " + sql)).scalars()
        return sql, "\n".join(rows)


def test_buyers_event_queries_have_no_correlated_subquery(app, world, shared_lot):
    """The visibility of a buyer's events is sets built once, not a subquery per row:
    no EXISTS in the SQL, no correlated subquery in SQLite's plan, and every subplan
    PostgreSQL's plan tests a row against is hashed (built once)."""
    sold, kept = shared_lot(5)
    with app.test_request_context():
        user = db.session.get(User, world["users"]["ent_x"])
        statements = [
            events_query(user),
            events_query(user, batch_id=sold),
            events_query(user, batch_id=kept),
            events_query(user, kind="inspection"),
        ]
    for stmt in statements:
        sql, plan = _plan(app, stmt)
        assert "EXISTS" not in sql.upper()
        assert "CORRELATED" not in plan, plan
        for line in plan.splitlines():
            if "Filter:" in line or "Cond:" in line:
                plain = re.findall(r"(?<!hashed )SubPlan \d+", line)
                assert not plain, plan


@pytest.mark.browser
def test_lot_page_pages_on_a_phone_and_a_desktop(base_url, page, world, shared_lot):
    sold, _kept = shared_lot(60)
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("x@dn.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")
    page.goto(f"{base_url}/trace/batches/{sold}")
    expect(page.locator("#timeline > li.event")).to_have_count(50)
    fits_the_phone(page, "big-lot-page-1")
    page.locator("#timeline-pages a[rel=next]").click()
    page.wait_for_url(f"{base_url}/trace/batches/{sold}?page=2#events")
    expect(page.locator("#timeline > li.event")).to_have_count(13)
    expect(page.locator("#timeline-count")).to_contain_text("51–63")
    fits_the_phone(page, "big-lot-page-2")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=ARTIFACTS / "big-lot-page-2-desktop.png", full_page=True)
