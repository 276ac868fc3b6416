"""What must hold with several workers, in `make run`'s configuration (gunicorn with 2 sync
workers, no Redis) on SQLite, and on PostgreSQL when the suite runs there:

- 30 clients at once splitting and shipping 300 kg of a 100 kg lot: exactly 100 kg go out,
  the others are refused (422), no 5xx, nothing negative, the hash chain intact;
- a recall, a new event and a certificate show on the next view of every affected lot,
  whichever worker answers;
- the public limit (120 pages a minute) and the sign-in limit (10 a minute) hold for the
  service as a whole, not per worker.
"""

import itertools
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from consumer.models import LotPage
from core.extensions import db
from tests.conftest import PASSWORD
from tests.consumer_helpers import BROWSER, make_lot, pack_from
from tests.server_helpers import PROJECT, Gunicorn, at_once
from tests.trace_helpers import when
from trace.models import Batch, EventLine, LineRole, TraceEvent
from trace.services.quantities import held_quantities

RECALLED_VI = "Lô hàng này đã bị thu hồi"


@pytest.fixture
def server(app, tmp_path):
    started = []

    def start(**environment) -> Gunicorn:
        gunicorn = Gunicorn(app, tmp_path / f"instance{len(started)}", **environment)
        started.append(gunicorn)
        gunicorn.wait_ready()
        return gunicorn

    yield start
    for gunicorn in started:
        gunicorn.stop()


def _split(lot_id: int, product_id: int, n: int) -> dict:
    return {
        "kind": "transformation",
        "event_time": when(1 + n / 1440),  # a minute apart: no two are the same event
        "transformation": "splitting",
        "inputs": [{"batch_id": lot_id, "quantity": 10}],
        "outputs": [{"product_id": product_id, "quantity": 10}],
    }


def _ship(lot_id: int, to_org: int, n: int) -> dict:
    return {
        "kind": "shipping",
        "event_time": when(1 + n / 1440),
        "destination_org_id": to_org,
        "lines": [{"batch_id": lot_id, "quantity": 10}],
    }


def test_thirty_clients_never_take_more_than_the_lot_holds(app, farm, world, runner, server):
    product, site = farm.product(), farm.site()
    lot = farm.batch(product["id"], 100)
    farm.harvest(lot["id"], site["id"])
    gunicorn = server()
    bodies = [_split(lot["id"], product["id"], n) for n in range(15)]
    bodies += [_ship(lot["id"], world["ent_x"], n) for n in range(15, 30)]

    def post(body):
        return lambda: requests.post(
            f"{gunicorn.base}/api/v1/events", json=body, headers=farm.headers, timeout=60
        )

    answers = at_once([post(body) for body in bodies])

    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 10, 422: 20}, statuses
    refused = [answer.json() for answer in answers if answer.status_code == 422]
    assert all(set(body["errors"]) & {"inputs", "lines"} for body in refused), refused[:2]
    with app.app_context():
        out = db.session.scalar(
            db.select(db.func.sum(EventLine.quantity))
            .join(TraceEvent)
            .where(
                EventLine.batch_id == lot["id"],
                TraceEvent.kind.in_(("shipping", "transformation")),
                EventLine.role != LineRole.OUTPUT,
            )
        )
        assert out == 100
        assert held_quantities([lot["id"]], world["coop_a"]) == {lot["id"]: 0}
        splits = sum(answer.status_code == 201 for answer in answers[:15])
        assert db.session.scalar(db.select(db.func.count(Batch.id))) == 1 + splits
    assert runner.invoke(args=["trace", "verify"]).exit_code == 0


def _views(gunicorn: Gunicorn, path: str, count: int) -> list[str]:
    calls = [
        lambda: requests.get(f"{gunicorn.base}{path}", headers=BROWSER, timeout=30)
        for _ in range(count)
    ]
    answers = at_once(calls)
    assert {answer.status_code for answer in answers} == {200}
    return [answer.text for answer in answers]


# The store keeps pages ten minutes, or none: then every view reads the page kept in the
# database (``consumer.stored_pages``), as a lot's first view of the day does.
KEPT = pytest.mark.parametrize("store_seconds", ["600", "0"], ids=["store", "database"])


def _pages_kept(app, batch_ids: list[int]) -> None:
    """Wait until the workers' background writers have kept these lots' pages."""
    deadline = time.monotonic() + 15
    with app.app_context():
        while time.monotonic() < deadline:
            kept = db.session.scalar(select(func.count()).where(LotPage.batch_id.in_(batch_ids)))
            db.session.rollback()
            if kept == len(batch_ids):
                return
            time.sleep(0.2)
    raise AssertionError(f"the pages of {batch_ids} were not kept")


@KEPT
def test_a_recall_shows_on_every_view_of_every_affected_lot(
    app, farm, buyer, world, server, store_seconds
):
    cherries = make_lot(farm, contract=False)
    farm.ship(cherries["batch"]["id"], 600, world["ent_x"], days_ago=4)
    packed = pack_from(buyer, cherries)
    gunicorn = server(PUBLIC_RATE_LIMIT="1000", PUBLIC_PAGE_CACHE_SECONDS=store_seconds)
    paths = [f"/q/{cherries['code']}", f"/q/{packed['public_code']}"]
    for path in paths:  # every worker has the pages cached before the recall
        assert not any(RECALLED_VI in html for html in _views(gunicorn, path, 20))
    _pages_kept(app, [cherries["batch"]["id"], packed["id"]])

    recall = requests.post(
        f"{gunicorn.base}/api/v1/recalls",
        json={
            "batch_id": cherries["batch"]["id"],
            "reason": "Dư lượng thuốc BVTV vượt ngưỡng",
            "severity": "serious",
        },
        headers=farm.headers,
        timeout=30,
    )
    assert recall.status_code == 201, recall.text

    for path in paths:
        pages = _views(gunicorn, path, 20)
        assert sum(RECALLED_VI in html for html in pages) == 20, path


@KEPT
def test_a_new_event_and_a_certificate_show_on_every_view(app, farm, world, server, store_seconds):
    lot = make_lot(farm, contract=False)
    gunicorn = server(PUBLIC_RATE_LIMIT="1000", PUBLIC_PAGE_CACHE_SECONDS=store_seconds)
    path = f"/q/{lot['code']}"
    assert not any("Giao cho Công ty CP Y" in html for html in _views(gunicorn, path, 20))
    _pages_kept(app, [lot["batch"]["id"]])
    shipment = _ship(lot["batch"]["id"], world["ent_y"], 0)
    answer = requests.post(
        f"{gunicorn.base}/api/v1/events", json=shipment, headers=farm.headers, timeout=30
    )
    assert answer.status_code == 201, answer.text
    assert sum("Giao cho Công ty CP Y" in html for html in _views(gunicorn, path, 20)) == 20

    product = lot["product"]
    standard = {**product["standards"][0], "certificate_number": "VG-52-0777"}
    changed = requests.patch(
        f"{gunicorn.base}/api/v1/products/{product['id']}",
        json={"standards": [standard]},
        headers=farm.headers,
        timeout=30,
    )
    assert changed.status_code == 200, changed.text
    assert sum("VG-52-0777" in html for html in _views(gunicorn, path, 20)) == 20


def _whole_window(seconds_needed: float) -> None:
    # The limits count per minute of the clock: start where the minute cannot end mid-test.
    left = 60 - time.time() % 60
    if left < seconds_needed:
        time.sleep(left + 0.5)


def test_the_121st_public_page_of_a_minute_is_refused_whichever_worker_answers(farm, server):
    lot = make_lot(farm)
    gunicorn = server()
    _whole_window(30)
    path = f"/q/{lot['code']}"
    calls = [
        lambda: requests.get(f"{gunicorn.base}{path}", headers=BROWSER, timeout=30)
        for _ in range(120)
    ]
    for _attempt in range(2):
        minute = time.time() // 60
        answers = []
        for start in range(0, 120, 8):  # eight at a time: both workers answer
            answers += at_once(calls[start : start + 8])
        over = requests.get(f"{gunicorn.base}{path}", headers=BROWSER, timeout=30)
        if time.time() // 60 == minute:
            break
        # The clock's minute ended mid-test (a slow machine): its count started again. Once
        # more, from the start of a minute with nothing counted.
        time.sleep(60 - time.time() % 60 + 0.5)
    assert Counter(answer.status_code for answer in answers) == {200: 120}
    assert over.status_code == 429


def test_the_eleventh_sign_in_of_a_minute_is_refused_whichever_worker_answers(world, server):
    gunicorn = server()
    _whole_window(30)
    # Another account each time, so that no account's own limit is met first.
    numbers = itertools.count()  # next() of a count is atomic: the threads share it

    def attempt():
        email = f"n{next(numbers)}@htx.vn"
        body = {"email": email, "password": "wrong password", "name": "script"}
        return requests.post(f"{gunicorn.base}/api/v1/auth/tokens", json=body, timeout=30)

    answers = []
    for _ in range(5):  # two at a time: both workers answer
        answers += at_once([attempt, attempt])
    assert Counter(answer.status_code for answer in answers) == {401: 10}
    assert attempt().status_code == 429


def test_an_account_is_locked_whichever_worker_answers(world, server):
    # The per-address limit out of reach: only the account's own count can stop them.
    gunicorn = server(LOGIN_RATE_LIMIT="1000 per minute")

    def attempt(right=False):
        password = PASSWORD if right else "wrong password"
        body = {"email": "a@htx.vn", "password": password, "name": "script"}
        return requests.post(f"{gunicorn.base}/api/v1/auth/tokens", json=body, timeout=30)

    answers = at_once([attempt, attempt]) + at_once([attempt, attempt]) + [attempt()]
    assert Counter(answer.status_code for answer in answers) == {401: 5}
    for _ in range(2):  # the right password, on either worker
        refused = at_once([lambda: attempt(right=True), lambda: attempt(right=True)])
        assert [answer.status_code for answer in refused] == [429, 429]
    body = {"email": "b@htx.vn", "password": PASSWORD, "name": "script"}
    other = requests.post(f"{gunicorn.base}/api/v1/auth/tokens", json=body, timeout=30)
    assert other.status_code == 201


def test_the_worker_keeps_the_pages_of_changed_lots_before_anyone_views_them(
    app, farm, world, server, tmp_path
):
    lots = [make_lot(farm, gtin=None, contract=False) for _ in range(4)]
    gunicorn = server()
    worker = subprocess.Popen(  # noqa: S603 - make run's worker, on the same instance
        [str(Path(sys.executable).with_name("flask")), "worker", "--workers", "4"],
        cwd=PROJECT,
        env={**gunicorn.env, "FLASK_APP": "wsgi.py"},
    )
    try:
        shipments = [
            lambda lot=lot, n=n: requests.post(
                f"{gunicorn.base}/api/v1/events",
                json=_ship(lot["batch"]["id"], world["ent_y"], n),
                headers=farm.headers,
                timeout=30,
            )
            for n, lot in enumerate(lots)
        ]
        assert {answer.status_code for answer in at_once(shipments)} == {201}
        ids = [lot["batch"]["id"] for lot in lots]
        pages = _pages_kept_after(app, ids, "Giao cho Công ty CP Y")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert set(pages) == {(lot_id, language) for lot_id in ids for language in ("vi", "en")}


def _pages_kept_after(app, batch_ids: list[int], shown: str) -> dict:
    """Wait until every language's page of these lots is kept and shows ``shown``."""
    deadline = time.monotonic() + 60
    with app.app_context():
        while time.monotonic() < deadline:
            rows = db.session.execute(
                select(LotPage.batch_id, LotPage.language, LotPage.html).where(
                    LotPage.batch_id.in_(batch_ids)
                )
            ).all()
            db.session.rollback()
            pages = {(row.batch_id, row.language): row.html for row in rows}
            if len(pages) == 2 * len(batch_ids) and all(
                shown in html or "Shipped to" in html for html in pages.values()
            ):
                return pages
            time.sleep(0.3)
    raise AssertionError(f"the worker did not keep the pages of {batch_ids}")
