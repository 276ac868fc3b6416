"""The portal outbox status page and API: counts, failing rows, retry; department only."""

import re

from sqlalchemy import select, update

from core.extensions import db
from portal.models import OutboxRecord, OutboxStatus, RecordKind
from portal.services import outbox
from tests.conftest import csrf_token


def _queue_with_failures(app, failing: int) -> int:
    """Queue the events for both destinations; the first ``failing`` epcis rows failing."""
    with app.app_context():
        total = outbox.enqueue("epcis", (RecordKind.EVENT,))
        outbox.enqueue("national", (RecordKind.EVENT,))
        ids = db.session.scalars(
            select(OutboxRecord.id)
            .where(OutboxRecord.destination == "epcis")
            .order_by(OutboxRecord.id)
            .limit(failing)
        ).all()
        db.session.execute(
            update(OutboxRecord)
            .where(OutboxRecord.id.in_(ids))
            .values(status=OutboxStatus.FAILING, attempts=8, last_error="HTTP 503: portal down")
        )
        db.session.commit()
    return total


def test_department_sees_counts_and_failing_rows(app, login, world, farm):
    site = farm.site()
    product = farm.product()
    for n in range(3):
        batch = farm.batch(product["id"], 100, lot_code=f"L-{n}")
        farm.harvest(batch["id"], site["id"])
    total = _queue_with_failures(app, 2)
    client = login(world["users"]["department"])
    home = client.get("/portal/").get_data(as_text=True)
    assert 'href="/portal/"' in home  # the nav link
    assert re.search(r'data-status="failing">2<', home)
    assert re.search(rf'data-status="pending">{total - 2}<', home)
    assert home.count("HTTP 503: portal down") == 2

    only_national = client.get("/portal/?destination=national").get_data(as_text=True)
    assert "HTTP 503" not in only_national

    response = client.post(
        "/portal/retry", data={"csrf_token": csrf_token(client, "/portal/")}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "HTTP 503" not in response.get_data(as_text=True)
    assert re.search(rf'data-status="pending">{total}<', response.get_data(as_text=True))


def test_retry_needs_the_csrf_token(app, login, world, farm):
    client = login(world["users"]["department"])
    assert client.post("/portal/retry").status_code == 400


def test_others_may_not_see_the_outbox(app, login, world, client, token_for):
    coop = login(world["users"]["coop_a"])
    assert coop.get("/portal/").status_code == 403
    assert 'href="/portal/"' not in coop.get("/trace/batches").get_data(as_text=True)
    assert client.get("/portal/").status_code == 302  # to the login page
    response = client.get("/api/v1/portal/status", headers=token_for(world["users"]["ent_x"]))
    assert response.status_code == 403
    assert response.json["code"] == "forbidden"
    assert client.get("/api/v1/portal/status").status_code == 401


def test_api_status_and_problems(app, client, world, farm, token_for):
    site = farm.site()
    product = farm.product()
    for n in range(3):
        farm.harvest(farm.batch(product["id"], 100, lot_code=f"L-{n}")["id"], site["id"])
    total = _queue_with_failures(app, 3)
    headers = token_for(world["users"]["department"])
    counts = client.get("/api/v1/portal/status", headers=headers).json["counts"]
    assert {
        "destination": "epcis",
        "kind": "event",
        "pending": total - 3,
        "retrying": 0,
        "failing": 3,
        "sent": 0,
    } in counts
    page = client.get("/api/v1/portal/problems?page_size=2", headers=headers)
    assert page.status_code == 200
    assert len(page.json) == 2 and page.json[0]["last_error"] == "HTTP 503: portal down"
    assert '"total": 3' in page.headers["X-Pagination"]
