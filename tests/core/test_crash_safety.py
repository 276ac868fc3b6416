"""A gunicorn worker killed (SIGKILL) in the middle of a large import or EPCIS capture.

gunicorn serves the test database in a subprocess. A member import of thousands of rows
(the web form) and an EPCIS capture of thousands of events (the API) are sent, and the
worker is killed while its transaction has written but not committed (seen in
``pg_locks``). gunicorn starts a new worker; the database must hold none of the rows,
and the same request sent again must store all of them. PostgreSQL only.
"""

import os
import re
import signal
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg2
import pytest
import requests
from sqlalchemy.engine import make_url

from core.extensions import db
from registry.models import MemberHousehold
from tests.conftest import GIA_LAI_COMMUNES, PASSWORD, row_count
from tests.missing import needs_postgres
from tests.server_helpers import Gunicorn
from trace.models import TraceEvent

PROJECT = Path(__file__).resolve().parents[2]
MEMBERS = 6_000
EVENTS = 4_000
EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


@pytest.fixture(autouse=True)
def _postgres_only(is_postgres):
    needs_postgres(is_postgres, "needs gunicorn on a PostgreSQL database (TEST_DATABASE_URL)")


@pytest.fixture
def server(app, tmp_path):
    gunicorn = Gunicorn(app, tmp_path, workers=1)
    try:
        gunicorn.wait_ready()
        yield gunicorn
    finally:
        gunicorn.stop()


@pytest.fixture
def watcher(app):
    """A psycopg2 connection of its own, outside the app, to look at pg_locks."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    connection = psycopg2.connect(
        host=url.host, port=url.port, user=url.username, password=url.password, dbname=url.database
    )
    connection.autocommit = True
    yield connection
    connection.close()


def _writing(watcher, table: str) -> bool:
    """True while another session's open transaction holds a write lock on ``table``."""
    with watcher.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND granted"
            " AND mode = 'RowExclusiveLock' AND pid <> pg_backend_pid()"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (table,),
        )
        return cursor.fetchone()[0] > 0


@contextmanager
def in_background(send):
    """Run ``send()`` in a thread; yields a list that gets its result or exception."""
    outcome: list = []

    def run():
        try:
            outcome.append(send())
        except requests.RequestException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield outcome
    thread.join(timeout=60)


def kill_while_writing(server: Gunicorn, watcher, table: str, send) -> None:
    """Send the request; SIGKILL the worker once its transaction has written to ``table``."""
    worker = server.worker()
    with in_background(send) as outcome:
        deadline = time.monotonic() + 45
        while not _writing(watcher, table):
            assert not outcome, f"the request finished before it was caught writing: {outcome}"
            assert time.monotonic() < deadline, "the request never started writing"
            time.sleep(0.01)
        os.kill(worker, signal.SIGKILL)
    assert outcome and isinstance(outcome[0], requests.ConnectionError), outcome
    # The killed worker's backend notices the closed socket and rolls back.
    deadline = time.monotonic() + 20
    while _writing(watcher, table):
        assert time.monotonic() < deadline, "the killed worker's transaction stayed open"
        time.sleep(0.05)
    server.wait_ready()
    assert server.worker() != worker


def _logged_in(server: Gunicorn, email: str) -> requests.Session:
    session = requests.Session()
    token = _csrf(session.get(f"{server.base}/login", timeout=10).text)
    answer = session.post(
        f"{server.base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_killed_member_import_leaves_none_then_imports_all(app, world, server, watcher):
    coop = world["coop_a"]
    session = _logged_in(server, "a@htx.vn")
    form_url = f"{server.base}/registry/organizations/{coop}/members/import"
    rows = [f"Hộ nhập thử {n:05d},{GIA_LAI_COMMUNES[0]}" for n in range(MEMBERS)]
    data = ("head_name,admin_unit\n" + "\n".join(rows) + "\n").encode()
    with app.app_context():
        before = row_count(MemberHousehold)

    def send():
        token = _csrf(session.get(form_url, timeout=10).text)
        return session.post(
            form_url,
            data={"csrf_token": token},
            files={"file": ("ho-thanh-vien.csv", data, "text/csv")},
            allow_redirects=False,
            timeout=60,
        )

    kill_while_writing(server, watcher, "member_households", send)
    with app.app_context():
        assert row_count(MemberHousehold) == before
        db.session.remove()

    answer = send()  # to the new worker, with the same (signed) session cookie
    assert answer.status_code == 302, answer.text[:1000]
    with app.app_context():
        assert row_count(MemberHousehold) == before + MEMBERS


def _inspections(app, lot_code: str) -> dict:
    lot = f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/q/{lot_code}"
    start = datetime.now(UTC) - timedelta(days=1)
    events = [
        {
            "type": "ObjectEvent",
            "eventTime": (start + timedelta(seconds=n)).isoformat(timespec="seconds"),
            "eventTimeZoneOffset": "+07:00",
            "action": "OBSERVE",
            "bizStep": "inspecting",
            "readPoint": {"id": "urn:epc:id:sgln:9520123.00001.0"},
            "quantityList": [{"epcClass": lot, "quantity": 1, "uom": "KGM"}],
        }
        for n in range(EVENTS)
    ]
    return {
        "@context": [EPCIS_CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": events},
    }


def test_killed_epcis_capture_leaves_none_then_captures_all(app, farm, server, watcher):
    site, product = farm.site(), farm.product()
    lot = farm.batch(product["id"], 5000)
    farm.harvest(lot["id"], site["id"])
    document = _inspections(app, lot["public_code"])
    with app.app_context():
        before = row_count(TraceEvent)

    def send():
        return requests.post(
            f"{server.base}/api/v1/epcis/capture",
            json=document,
            headers={**farm.headers, "Accept-Language": "en"},
            timeout=60,
        )

    kill_while_writing(server, watcher, "trace_events", send)
    with app.app_context():
        assert row_count(TraceEvent) == before
        db.session.remove()

    answer = send()
    assert answer.status_code == 201, answer.text[:2000]
    assert answer.json()["stored"] == EVENTS
    with app.app_context():
        assert row_count(TraceEvent) == before + EVENTS
    assert app.test_cli_runner().invoke(args=["trace", "verify"]).exit_code == 0
