"""Fixtures and helpers for portal sync tests: a stand-in portal that fails on purpose.

The stand-in is a real HTTP server on a free localhost port, in a thread. It accepts both
adapters' requests (an EPCIS capture document, or the national portal's JSON), keeps what
it received de-duplicated by event hash / record key (the receiving side's half of the
exactly-once contract), counts every delivery, and can be told to misbehave on the next
requests: ``timeout`` (answers only after the client gave up, having stored the records),
``500``, ``drop`` (stores, then cuts the connection half-way through a 200), ``429`` (with
Retry-After) and ``hold`` (stores, then waits until released: for the kill test).
"""

import json
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from core.extensions import db
from portal.models import OutboxRecord, OutboxStatus

TOKEN = "stand-in-token"
CLIENT_TIMEOUT_S = 0.5


class StandIn:
    """The state of the stand-in portal: what it keeps, what it saw, what it does next."""

    def __init__(self):
        self.lock = threading.Lock()
        self.store: dict[tuple, dict] = {}
        self.deliveries: Counter = Counter()
        self.requests: list[dict] = []
        self.documents: list[dict] = []
        self.faults: list[str] = []
        self.reject: set[str] = set()
        self.held = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The endpoint to send to."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/capture"

    def fail_next(self, *faults: str) -> None:
        """Misbehave on the next requests, one fault each, in order."""
        with self.lock:
            self.faults.extend(faults)

    def next_fault(self) -> str | None:
        """The fault for the request being handled, if any is left."""
        with self.lock:
            return self.faults.pop(0) if self.faults else None

    def keep(self, body: dict) -> list[dict]:
        """Store the records of a request once each; the per-record results."""
        keyed = _keyed(body)
        results = []
        with self.lock:
            if "epcisBody" in body:
                self.documents.append(body)
            for key, record in keyed:
                self.deliveries[key] += 1
                if key[1] in self.reject:
                    results.append({"key": key[1], "status": "rejected", "error": "bad record"})
                    continue
                status = "duplicate" if key in self.store else "created"
                self.store.setdefault(key, record)
                results.append({"key": key[1], "status": status})
        return results


def _keyed(body: dict) -> list[tuple[tuple, dict]]:
    """(identity, record) pairs: EPCIS events by (eventID, declared?), portal records by key."""
    if "epcisBody" in body:
        return [
            ((event["eventID"], "errorDeclaration" in event), event)
            for event in body["epcisBody"]["eventList"]
        ]
    return [((record["type"], record["key"]), record) for record in body["records"]]


def _handler(stand_in: StandIn):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
            pass

        def do_POST(self):
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            stand_in.requests.append(
                {"headers": dict(self.headers), "size": len(raw), "at": time.monotonic()}
            )
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                return self._answer(401, {"error": "bad token"})
            fault = stand_in.next_fault()
            if fault == "500":
                return self._answer(500, {"error": "internal error"})
            if fault == "429":
                return self._answer(429, {"error": "slow down"}, {"Retry-After": "1"})
            results = stand_in.keep(json.loads(raw))
            if fault == "timeout":
                time.sleep(CLIENT_TIMEOUT_S * 3)
            elif fault == "drop":
                self.wfile.write(b'HTTP/1.1 200 OK\r\nContent-Length: 400\r\n\r\n{"resu')
                self.wfile.flush()
                self.close_connection = True
                return None
            elif fault == "hold":
                stand_in.held.set()
                stand_in.release.wait(60)
            if "epcisBody" in json.loads(raw):
                return self._answer(202, None)
            return self._answer(200, {"results": results})

        def _answer(self, status: int, body, headers=None):
            data = json.dumps(body).encode() if body is not None else b""
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass  # the client is gone (timed out or killed)

    return Handler


@pytest.fixture
def stand_in():
    """A running stand-in portal; stopped after the test."""
    server = StandIn()
    server.thread.start()
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def portal_config(app, stand_in):
    """Point the app's PORTAL_* settings at the stand-in (quick back-off), restored after."""
    settings = {
        "PORTAL_ENDPOINT": stand_in.url,
        "PORTAL_TOKEN": TOKEN,
        "PORTAL_ADAPTER": "epcis",
        "PORTAL_BATCH_SIZE": 4,
        "PORTAL_TIMEOUT_S": CLIENT_TIMEOUT_S,
        "PORTAL_MAX_ATTEMPTS": 8,
        "PORTAL_BACKOFF_BASE_S": 0.05,
        "PORTAL_BACKOFF_MAX_S": 2.0,
    }
    saved = {key: app.config.get(key) for key in settings}
    app.config.update(settings)
    yield settings
    app.config.update(saved)


def outbox_counts(app, destination: str) -> dict[str, int]:
    """{status: rows} of one destination's outbox."""
    with app.app_context():
        rows = db.session.execute(
            select(OutboxRecord.status, func.count())
            .where(OutboxRecord.destination == destination)
            .group_by(OutboxRecord.status)
        )
        return {status.value: count for status, count in rows}


def sync_until_settled(app, runner, adapter: str, max_runs: int = 40) -> list:
    """Run ``flask portal sync`` until nothing is pending or retrying, waiting out back-offs."""
    results = []
    for _ in range(max_runs):
        results.append(runner.invoke(args=["portal", "sync", "--adapter", adapter]))
        with app.app_context():
            waiting = db.session.scalar(
                select(func.min(OutboxRecord.next_attempt_at)).where(
                    OutboxRecord.destination == adapter,
                    OutboxRecord.status.in_([OutboxStatus.PENDING, OutboxStatus.RETRYING]),
                )
            )
        if waiting is None:
            return results
        if waiting.tzinfo is None:  # SQLite hands back naive UTC
            waiting = waiting.replace(tzinfo=UTC)
        time.sleep(min(max((waiting - datetime.now(UTC)).total_seconds(), 0.02), 2.5))
    raise AssertionError(f"still not settled after {max_runs} runs: {results[-1].output}")
