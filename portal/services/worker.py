"""The sync worker: sends the outbox in batches, retrying with exponential back-off.

Each batch is one unit of work: claim (lock) due rows, send them in one request, record
the outcome, commit. Rows are marked sent only after a 2xx; on a timeout, a 5xx, a 429 or
a dropped connection they come due again after ``base · 2^(attempt-1)`` seconds (capped,
with jitter, never sooner than the destination's Retry-After) and the run stops, leaving
the destination alone until then. After PORTAL_MAX_ATTEMPTS they are failing, shown on
the status page until somebody retries them. The receiver de-duplicates by event hash
(see ``portal.adapters``), so a batch sent twice takes effect once.
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from flask import current_app

from core.errors import ServiceError
from core.extensions import db
from portal.adapters import Adapter, PayloadRefused, idempotency_key
from portal.models import OutboxRecord, OutboxStatus
from portal.services import outbox

RETRYABLE_STATUSES = {408, 425, 429}
TOKEN_STATUSES = {401, 403}


@dataclass
class Settings:
    """Where and how to send, from the app's PORTAL_* settings."""

    endpoint: str
    token: str | None
    batch_size: int = 100
    timeout_s: float = 30.0
    max_attempts: int = 8
    backoff_base_s: float = 30.0
    backoff_max_s: float = 3600.0

    @classmethod
    def from_config(cls) -> "Settings":
        """The settings of the current app; ValueError when no endpoint is configured."""
        config = current_app.config
        if not config.get("PORTAL_ENDPOINT"):
            raise ValueError("PORTAL_ENDPOINT is not set: there is nowhere to send to.")
        return cls(
            endpoint=config["PORTAL_ENDPOINT"],
            token=config.get("PORTAL_TOKEN"),
            batch_size=int(config["PORTAL_BATCH_SIZE"]),
            timeout_s=float(config["PORTAL_TIMEOUT_S"]),
            max_attempts=int(config["PORTAL_MAX_ATTEMPTS"]),
            backoff_base_s=float(config["PORTAL_BACKOFF_BASE_S"]),
            backoff_max_s=float(config["PORTAL_BACKOFF_MAX_S"]),
        )


@dataclass
class SyncReport:
    """What one run did."""

    enqueued: int = 0
    batches: int = 0
    sent: int = 0
    retrying: int = 0
    failing: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every record this run tried was sent."""
        return not (self.retrying or self.failing)


@dataclass
class _Failure:
    error: str
    retry_after: float | None = None


def run(
    adapter: Adapter,
    settings: Settings,
    limit: int | None = None,
    once: bool = False,
    progress: Callable[[int], None] = lambda count: None,
    checkpoint: Callable[[], None] = lambda: db.session.commit(),
) -> SyncReport:
    """Send due rows batch by batch until none is due (or ``limit`` rows, one batch with
    ``once``, or a failed batch); ``checkpoint`` commits each batch's outcome."""
    report = SyncReport()
    remaining = limit
    with requests.Session() as http:
        while remaining is None or remaining > 0:
            size = settings.batch_size if remaining is None else min(settings.batch_size, remaining)
            rows = outbox.claim(adapter.name, size)
            if not rows:
                break
            stop = send_batch(adapter, settings, rows, http, report)
            checkpoint()
            progress(len(rows))
            report.batches += 1
            if remaining is not None:
                remaining -= len(rows)
            if stop or once:
                break
    checkpoint()
    return report


def send_batch(
    adapter: Adapter, settings: Settings, rows: list[OutboxRecord], http, report: SyncReport
) -> bool:
    """Send one claimed batch and record the outcome on its rows; True to stop the run."""
    try:
        payload = _payload(adapter, rows, report)
    except (ServiceError, LookupError) as exc:
        return _failed(rows, settings, _Failure(f"not sent: {_message(exc)}"), report)
    if payload is None:
        return False
    body, headers, rows = payload
    headers = {
        **headers,
        "Idempotency-Key": idempotency_key(adapter.name, rows),
        "User-Agent": "htx-trace-portal-sync/1",
    }
    if settings.token:
        headers["Authorization"] = f"Bearer {settings.token}"
    try:
        response = http.post(
            settings.endpoint,
            data=body,
            headers=headers,
            timeout=(min(10.0, settings.timeout_s), settings.timeout_s),
        )
    except requests.Timeout:
        return _failed(rows, settings, _Failure(f"timeout after {settings.timeout_s:g} s"), report)
    except requests.RequestException as exc:
        return _failed(rows, settings, _Failure(f"connection: {_message(exc)}"), report)
    return _answered(adapter, settings, rows, response, report)


def _payload(adapter: Adapter, rows: list[OutboxRecord], report: SyncReport):
    """(body, headers, rows sent) with the records refused before sending set aside."""
    for _pass in range(2):
        try:
            body, headers = adapter.build_payload(rows)
        except PayloadRefused as refused:
            problems = refused.problems
            if _pass:  # what is left still fails as a whole: refuse the lot
                problems = {row.id: problems.get(row.id, refused.args[0]) for row in rows}
            bad = [row for row in rows if row.id in problems]
            outbox.mark_refused(bad, problems)
            report.failing += len(bad)
            report.errors.extend(problems[row.id] for row in bad)
            rows = [row for row in rows if row.id not in problems]
            if not rows:
                return None
        else:
            return body, headers, rows
    return None


def _answered(adapter, settings, rows, response, report: SyncReport) -> bool:
    status = response.status_code
    if 200 <= status < 300:
        refused = adapter.parse_response(response.content, rows)
        bad = [row for row in rows if row.id in refused]
        outbox.mark_refused(bad, refused)
        outbox.mark_sent([row for row in rows if row.id not in refused])
        report.sent += len(rows) - len(bad)
        report.failing += len(bad)
        report.errors.extend(refused[row.id] for row in bad)
        return False
    error = f"HTTP {status}: {response.text[:200]}".strip()
    if status in RETRYABLE_STATUSES or status >= 500 or status in TOKEN_STATUSES:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        return _failed(rows, settings, _Failure(error, retry_after), report)
    # Any other 4xx refuses the records themselves: sending them again would not help.
    outbox.mark_refused(rows, {row.id: error for row in rows})
    report.failing += len(rows)
    report.errors.append(error)
    return False


def _failed(rows, settings: Settings, failure: _Failure, report: SyncReport) -> bool:
    attempt = max(row.attempts for row in rows) + 1
    delay = backoff(attempt, settings.backoff_base_s, settings.backoff_max_s)
    if failure.retry_after is not None:
        delay = max(delay, min(failure.retry_after, settings.backoff_max_s))
    outbox.mark_failed(rows, failure.error, delay, settings.max_attempts)
    gave_up = sum(1 for row in rows if row.status == OutboxStatus.FAILING)
    report.failing += gave_up
    report.retrying += len(rows) - gave_up
    report.errors.append(failure.error)
    return True


def backoff(attempt: int, base_s: float, max_s: float) -> float:
    """Seconds to wait after the ``attempt``-th failure: doubling, capped, half of it random
    (so workers that failed together do not all come back at the same moment)."""
    delay = min(max_s, base_s * 2 ** max(attempt - 1, 0))
    return delay / 2 + random.uniform(0, delay / 2)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - datetime.now(UTC)).total_seconds(), 0.0)


def _message(exc: Exception) -> str:
    return (getattr(exc, "message", None) or str(exc) or type(exc).__name__)[:300]
