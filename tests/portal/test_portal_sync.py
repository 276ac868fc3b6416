"""Portal sync against a stand-in portal that fails on purpose: every record arrives once."""

import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.extensions import db
from portal.adapters import adapter_for
from portal.models import OutboxRecord, OutboxStatus, RecordKind
from portal.services import outbox, worker
from tests.epcis_helpers import schema_errors, supply_chain
from tests.missing import needs_postgres
from tests.portal_helpers import TOKEN, outbox_counts, sync_until_settled
from trace.models import Product, Site, TraceEvent

PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def chain(farm, buyer, world):
    """Coop A's supply chain (harvest … correction) and the enterprise's receipt."""
    return supply_chain(farm, buyer, world)


def epcis_keys(app) -> set[tuple]:
    """What the EPCIS receiver should hold: each event once, a correction as a declaration."""
    with app.app_context():
        rows = db.session.execute(
            select(TraceEvent.id, TraceEvent.event_hash, TraceEvent.corrects_event_id)
        ).all()
    hashes = {row.id: row.event_hash for row in rows}
    return {
        (hashes[row.corrects_event_id], True) if row.corrects_event_id else (row.event_hash, False)
        for row in rows
    }


def event_hashes(app) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(TraceEvent.event_hash)))


def test_enqueue_adds_each_record_once(app, ctx, chain):
    national = adapter_for("national")
    first = outbox.enqueue("national", national.kinds)
    assert outbox.enqueue("national", national.kinds) == 0
    assert outbox.enqueue("epcis", adapter_for("epcis").kinds) == len(event_hashes(app))
    by_kind = dict(
        db.session.execute(
            select(OutboxRecord.kind, func.count())
            .where(OutboxRecord.destination == "national")
            .group_by(OutboxRecord.kind)
        ).all()
    )
    assert by_kind[RecordKind.EVENT] == len(event_hashes(app))
    assert by_kind[RecordKind.PRODUCT] == db.session.scalar(select(func.count(Product.id)))
    assert by_kind[RecordKind.SITE] == db.session.scalar(select(func.count(Site.id)))
    assert by_kind[RecordKind.ORGANIZATION] == 2  # coop A and enterprise X have records
    assert first == sum(by_kind.values())


def test_a_changed_organization_is_queued_again(app, ctx, chain, world):
    from registry.models import Organization

    kinds = (RecordKind.ORGANIZATION,)
    outbox.enqueue("national", kinds)
    org = db.session.get(Organization, world["coop_a"])
    org.tax_code = "5900123456"
    db.session.flush()
    assert outbox.enqueue("national", kinds) == 1


def test_clean_epcis_run_sends_every_event_once(app, runner, chain, stand_in, portal_config):
    result = runner.invoke(args=["portal", "sync"])
    assert result.exit_code == 0, result.output
    assert set(stand_in.store) == epcis_keys(app)
    assert set(stand_in.deliveries.values()) == {1}
    assert outbox_counts(app, "epcis") == {"sent": len(epcis_keys(app))}
    for document in stand_in.documents:
        assert schema_errors(document) == []
    headers = stand_in.requests[0]["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Idempotency-Key"].startswith("epcis-")
    assert headers["Content-Type"] == "application/ld+json"
    assert len(stand_in.requests) == -(-len(epcis_keys(app)) // 4)  # batches of 4


@pytest.mark.parametrize(
    "faults", [("timeout",), ("500",), ("drop",), ("429",), ("drop", "timeout", "500", "drop")]
)
def test_faults_never_lose_or_duplicate_an_event(
    app, runner, chain, stand_in, portal_config, faults
):
    stand_in.fail_next(*faults)
    results = sync_until_settled(app, runner, "epcis")
    assert results[0].exit_code == 1, results[0].output
    assert results[-1].exit_code == 0, results[-1].output
    assert set(stand_in.store) == epcis_keys(app)
    assert outbox_counts(app, "epcis") == {"sent": len(epcis_keys(app))}
    if set(faults) & {"drop", "timeout"}:
        # The receiver got the batch whose answer was lost, and got it again: only the
        # de-duplication by event hash kept it to one.
        assert max(stand_in.deliveries.values()) >= 2


def test_a_resent_batch_carries_the_same_idempotency_key(
    app, runner, chain, stand_in, portal_config
):
    stand_in.fail_next("drop")
    sync_until_settled(app, runner, "epcis")
    keys = [request["headers"]["Idempotency-Key"] for request in stand_in.requests]
    # The dropped batch comes back (after batches that were due before its back-off ended)
    # with the same key; every other batch is sent once.
    assert keys[0] in keys[1:]
    assert len(set(keys)) == len(keys) - 1


def test_retry_after_is_honoured(app, runner, chain, stand_in, portal_config):
    stand_in.fail_next("429")
    before = datetime.now(UTC)
    result = runner.invoke(args=["portal", "sync"])
    assert result.exit_code == 1
    assert "HTTP 429" in result.output
    with app.app_context():
        row = db.session.scalars(select(OutboxRecord).order_by(OutboxRecord.id)).first()
        due = row.next_attempt_at.replace(tzinfo=row.next_attempt_at.tzinfo or UTC)
        assert (row.status, row.attempts) == (OutboxStatus.RETRYING, 1)
        assert (due - before).total_seconds() >= 1.0  # Retry-After: 1, back-off only 0.05 s
        # The run stopped there: the next batch is left for the next run.
        assert outbox_counts(app, "epcis") == {"retrying": 4, "pending": len(epcis_keys(app)) - 4}


def test_backoff_doubles_up_to_its_cap_with_jitter():
    for attempt, full in ((1, 30), (2, 60), (3, 120), (10, 3600)):
        delays = [worker.backoff(attempt, 30, 3600) for _ in range(50)]
        assert all(full / 2 <= delay <= full for delay in delays)
        assert len(set(delays)) > 1


def test_failing_after_max_attempts_then_retry(
    app, runner, login, world, chain, stand_in, portal_config
):
    app.config["PORTAL_MAX_ATTEMPTS"] = 2
    stand_in.fail_next(*["500"] * 200)
    sync_until_settled(app, runner, "epcis")
    total = len(epcis_keys(app))
    assert outbox_counts(app, "epcis") == {"failing": total}
    assert stand_in.store == {}

    status = runner.invoke(args=["portal", "status"])
    assert f"epcis\tevent\t0\t0\t{total}\t0" in status.output
    page = login(world["users"]["department"]).get("/portal/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "HTTP 500" in html and 'data-status="failing">' + str(total) in html

    stand_in.faults.clear()
    assert f"{total} record(s)" in runner.invoke(args=["portal", "retry"]).output
    sync_until_settled(app, runner, "epcis")
    assert set(stand_in.store) == epcis_keys(app)
    assert outbox_counts(app, "epcis") == {"sent": total}


def test_national_adapter_maps_records_and_survives_faults(
    app, runner, world, chain, stand_in, portal_config
):
    stand_in.fail_next("drop", "500", "timeout")
    results = sync_until_settled(app, runner, "national")
    assert results[-1].exit_code == 0, results[-1].output
    kinds = {}
    for (kind, _key), record in stand_in.store.items():
        kinds.setdefault(kind, []).append(record)
    assert {r["key"] for r in kinds["stage_event"]} == event_hashes(app)
    assert sum(outbox_counts(app, "national").values()) == outbox_counts(app, "national")["sent"]
    assert len(stand_in.store) == outbox_counts(app, "national")["sent"]

    harvest = next(r for r in kinds["stage_event"] if r["stage"] == "harvest")
    assert harvest["location_code"] == "VN-52-CF-0001"  # the planting-area code
    assert harvest["items"][0]["item_code"].endswith("/01/09520123456788/10/CF-26-001")
    assert harvest["time"].endswith("Z") and harvest["time_zone_offset"] == "+07:00"
    assert harvest["owner"]["tax_code"] == "HTX-A-001"  # no tax code: the registration code
    correction = next(r for r in kinds["stage_event"] if r["stage"] == "correction")
    assert correction["corrects"] in event_hashes(app)
    area = kinds["growing_area"][0]
    assert (area["code"], area["area_ha"]) == ("VN-52-CF-0001", 12.5)
    assert "09520123456788" in {p["gtin"] for p in kinds["product"]}
    assert {o["registration_code"] for o in kinds["organization"]} == {"HTX-A-001", "0101234567"}


def test_a_record_the_portal_rejects_is_failing_the_rest_sent(
    app, runner, chain, stand_in, portal_config
):
    rejected = sorted(event_hashes(app))[0]
    stand_in.reject.add(rejected)
    result = runner.invoke(args=["portal", "sync", "--adapter", "national"])
    assert result.exit_code == 1
    counts = outbox_counts(app, "national")
    assert counts["failing"] == 1 and "pending" not in counts and "retrying" not in counts
    with app.app_context():
        row = db.session.scalar(select(OutboxRecord).where(OutboxRecord.record_key == rejected))
        assert (row.status, row.last_error) == (OutboxStatus.FAILING, "bad record")


def test_limit_and_once(app, runner, chain, stand_in, portal_config):
    assert runner.invoke(args=["portal", "sync", "--once"]).exit_code == 0
    assert outbox_counts(app, "epcis")["sent"] == 4
    assert runner.invoke(args=["portal", "sync", "--limit", "3"]).exit_code == 0
    assert outbox_counts(app, "epcis")["sent"] == 7


def test_a_bad_token_is_retried_not_dropped(app, runner, chain, stand_in, portal_config):
    app.config["PORTAL_TOKEN"] = "wrong"
    result = runner.invoke(args=["portal", "sync"])
    assert result.exit_code == 1 and "HTTP 401" in result.output
    assert outbox_counts(app, "epcis")["retrying"] == 4


def test_no_endpoint_is_a_clear_error(app, runner, portal_config):
    app.config["PORTAL_ENDPOINT"] = None
    result = runner.invoke(args=["portal", "sync"])
    assert result.exit_code != 0 and "PORTAL_ENDPOINT" in result.output


def test_two_workers_never_send_the_same_row(app, chain, stand_in, portal_config, is_postgres):
    needs_postgres(is_postgres, "SKIP LOCKED needs PostgreSQL; on SQLite one worker runs at a time")
    with app.app_context():
        outbox.enqueue("epcis", (RecordKind.EVENT,))
        db.session.commit()
    reports, errors = [], []

    def work():
        try:
            with app.app_context():
                settings = worker.Settings.from_config()
                settings.batch_size = 1
                reports.append(worker.run(adapter_for("epcis"), settings))
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert set(stand_in.store) == epcis_keys(app)
    assert set(stand_in.deliveries.values()) == {1}  # no row was sent by two workers
    assert sum(report.sent for report in reports) == len(epcis_keys(app))


def test_a_killed_worker_loses_and_duplicates_nothing(
    app, runner, chain, stand_in, portal_config, tmp_path
):
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "INSTANCE_DIR": str(tmp_path),
        "PORTAL_ENDPOINT": stand_in.url,
        "PORTAL_TOKEN": TOKEN,
        "PORTAL_ADAPTER": "epcis",
        "PORTAL_BATCH_SIZE": "4",
        "PORTAL_TIMEOUT_S": "30",
    }
    env.pop("APP_ENV", None)
    stand_in.fail_next("hold")
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "portal", "sync"],
            cwd=PROJECT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            held = stand_in.held.wait(60)
            os.kill(process.pid, signal.SIGKILL)
        finally:
            process.wait(30)
    assert held, log.read_text()
    assert process.returncode == -signal.SIGKILL
    stand_in.release.set()
    held_keys = {key for key, count in stand_in.deliveries.items() if count == 1}
    assert held_keys  # the stand-in kept the held batch's events …
    assert "sent" not in outbox_counts(app, "epcis")  # … but the worker never said so
    sync_until_settled(app, runner, "epcis")
    assert set(stand_in.store) == epcis_keys(app)
    assert outbox_counts(app, "epcis") == {"sent": len(epcis_keys(app))}
    assert {stand_in.deliveries[key] for key in held_keys} == {2}


def test_an_event_breaking_gs1s_schema_is_held_back_alone(
    app, runner, chain, stand_in, portal_config
):
    with app.app_context():
        event = db.session.scalars(select(TraceEvent).order_by(TraceEvent.id)).first()
        broken_hash = event.event_hash
        event.epcis = {**event.epcis, "eventTime": "yesterday"}
        db.session.commit()
    result = runner.invoke(args=["portal", "sync"])
    assert result.exit_code == 1
    assert "EPCIS schema" in result.output and "eventTime" in result.output
    assert (broken_hash, False) not in stand_in.store
    assert set(stand_in.store) == epcis_keys(app) - {(broken_hash, False)}
    assert outbox_counts(app, "epcis") == {"sent": len(epcis_keys(app)) - 1, "failing": 1}
