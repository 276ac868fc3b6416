"""Background jobs in one process: a new recall's notices queued by the request and sent by
the worker's job, huey's retries with back-off, the queue in Redis when REDIS_URL is set,
the periodic jobs, and what the pages say when mail or the worker is missing."""

import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from core.extensions import db
from core.idempotency import IdempotencyRecord
from jobs import queue
from recall.models import NoticeStatus, RecallNotice
from tests.jobs_helpers import PROJECT, run_next
from tests.recall_helpers import free_port

REASON = "Nhiễm khuẩn Salmonella trong mẫu lưu"


def open_recall(farm, chain, name="RAW"):
    return farm.post(
        "/recalls", {"batch_id": chain.id(name), "reason": REASON, "severity": "serious"}
    )


def statuses(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(RecallNotice).order_by(RecallNotice.id))
        return [(n.address, n.status, n.attempts) for n in rows]


def test_the_worker_sends_what_the_request_queued(app, farm, chain, smtp_server, queued_jobs):
    open_recall(farm, chain)
    assert smtp_server.messages == [] and queued_jobs.pending_count() == 1
    assert run_next(queued_jobs) == "recall.send_notices"
    assert sorted(rcpt for rcpt, _m in smtp_server.messages) == ["x@dn.vn", "y@dn.vn"]
    assert {status for _a, status, _n in statuses(app)} == {NoticeStatus.SENT}
    assert queued_jobs.pending_count() == 0 and queued_jobs.scheduled_count() == 0


def test_huey_retries_a_failed_send_with_back_off(
    app, farm, chain, smtp_server, smtp_settings, queued_jobs
):
    smtp_settings.update(SMTP_PORT=free_port())  # the mail server is down
    open_recall(farm, chain)
    run_next(queued_jobs)
    assert statuses(app) == [
        ("x@dn.vn", NoticeStatus.FAILED, 1),
        ("y@dn.vn", NoticeStatus.PENDING, 0),
    ]
    # huey scheduled the job again after RECALL_NOTICE_RETRY_SECONDS, and doubles the pause.
    (retry,) = queued_jobs.scheduled()
    pause = app.config["RECALL_NOTICE_RETRY_SECONDS"]
    eta = retry.eta.replace(tzinfo=UTC)
    assert timedelta(seconds=pause - 5) < eta - datetime.now(UTC) <= timedelta(seconds=pause + 1)
    assert retry.retries == app.config["RECALL_NOTICE_MAX_ATTEMPTS"] - 2
    assert retry.retry_delay == pause * 2
    assert queued_jobs.read_schedule(datetime.now(UTC).replace(tzinfo=None)) == []

    smtp_settings.update(SMTP_PORT=smtp_server.port, RECALL_NOTICE_RETRY_SECONDS=0)
    later = (datetime.now(UTC) + timedelta(seconds=pause + 1)).replace(tzinfo=None)
    (due,) = queued_jobs.read_schedule(later)
    queued_jobs.execute(due, later)
    assert [(a, s) for a, s, _n in statuses(app)] == [
        ("x@dn.vn", NoticeStatus.SENT),
        ("y@dn.vn", NoticeStatus.SENT),
    ]
    assert queued_jobs.scheduled_count() == 0


def test_the_minutely_job_sends_what_waited_for_smtp(
    app, farm, chain, smtp_server, smtp_settings, queued_jobs
):
    smtp_settings.update(SMTP_HOST=None)
    open_recall(farm, chain)
    run_next(queued_jobs)  # no SMTP: nothing to do, nothing retried
    assert queued_jobs.scheduled_count() == 0 and smtp_server.messages == []
    smtp_settings.update(SMTP_HOST="127.0.0.1")
    periodic = {task.name: task for task in queued_jobs.read_periodic(datetime(2026, 1, 1, 9, 1))}
    assert set(periodic) == {"jobs.heartbeat", "recall.send_due_notices"}  # no portal: no URL
    queued_jobs.execute(periodic["recall.send_due_notices"])
    assert len(smtp_server.messages) == 2


def test_jobs_are_queued_in_redis(app, farm, chain, smtp_server, redis_jobs):
    assert type(redis_jobs).__name__ == "RedisHuey"
    open_recall(farm, chain)
    assert redis_jobs.pending_count() == 1 and smtp_server.messages == []
    assert run_next(redis_jobs) == "recall.send_notices"
    assert len(smtp_server.messages) == 2
    queue.beat(redis_jobs)
    with app.app_context():
        assert not queue.worker_state(app).stale


def _huey_of_a_fresh_app(tmp_path, **env) -> str:
    code = (
        "from core.factory import create_app; from jobs import huey_of; "
        "h = huey_of(create_app()); print(type(h).__name__, getattr(h.storage, 'filename', ''))"
    )
    clean = {k: v for k, v in __import__("os").environ.items() if not k.startswith("JOBS_")}
    clean.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={**clean, "INSTANCE_DIR": str(tmp_path), "PYTHONWARNINGS": "ignore", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.strip()


def test_the_queue_is_redis_when_redis_url_is_set_else_sqlite(tmp_path):
    assert _huey_of_a_fresh_app(tmp_path) == f"SqliteHuey {tmp_path / 'jobs.sqlite3'}"
    assert _huey_of_a_fresh_app(tmp_path, REDIS_URL="redis://127.0.0.1:6379/13") == "RedisHuey"
    elsewhere = tmp_path / "q.sqlite3"
    assert _huey_of_a_fresh_app(tmp_path, JOBS_URL=f"sqlite:///{elsewhere}") == (
        f"SqliteHuey {elsewhere}"
    )


def test_the_portal_sync_is_a_job_only_with_an_endpoint(app, tmp_path):
    def periodic_at(minute: int, **config) -> set[str]:
        saved = {key: app.config[key] for key in config}
        app.config.update(JOBS_IMMEDIATE=False, JOBS_URL=f"sqlite:///{tmp_path / 'j.sqlite3'}")
        app.config.update(config)
        try:
            huey = queue.Jobs(app).huey
        finally:
            app.config.update(saved, JOBS_IMMEDIATE=True, JOBS_URL=None)
        return {task.name for task in huey.read_periodic(datetime(2026, 1, 1, 8, minute))}

    assert "portal.sync" not in periodic_at(10, PORTAL_ENDPOINT=None)
    endpoint = {"PORTAL_ENDPOINT": "http://127.0.0.1:9/epcis", "PORTAL_SYNC_MINUTES": 5}
    assert "portal.sync" in periodic_at(10, **endpoint)
    assert "portal.sync" not in periodic_at(11, **endpoint)


def test_stored_api_responses_past_their_time_are_pruned(app, queued_jobs):
    with app.app_context():
        for key, hours in (("old", 30), ("new", 1)):
            db.session.add(
                IdempotencyRecord(
                    principal="1",
                    key=key,
                    method="POST",
                    path="/x",
                    request_hash="h",
                    created_at=datetime.now(UTC) - timedelta(hours=hours),
                )
            )
        db.session.commit()
    queued_jobs.execute(
        next(
            task
            for task in queued_jobs.read_periodic(datetime(2026, 1, 1, 9, 0))
            if task.name == "core.prune_idempotency_records"
        )
    )
    with app.app_context():
        assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["new"]


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_without_smtp_the_recall_pages_say_so_and_why(app, farm, chain, login, world, no_smtp):
    recall = open_recall(farm, chain)
    for role in ("coop_a", "department", "ent_x"):
        client = login(world["users"][role])
        for path in (f"/recalls/{recall['id']}", "/recalls"):
            html = _page(client, path)
            assert 'id="smtp-off"' in html, (role, path)
            assert "Không thể gửi thông báo thu hồi qua e-mail" in html and "SMTP_HOST" in html
            assert "flask " not in html and "send-notices" not in html
            assert 'id="worker-off"' not in html  # jobs run at once in the test suite
    english = login(world["users"]["department"])
    english.get("/lang/en")
    html = _page(english, f"/recalls/{recall['id']}")
    assert "Recall notices cannot be sent by e-mail" in html


def test_with_smtp_no_warning(app, farm, chain, login, world, smtp_server):
    recall = open_recall(farm, chain)
    html = _page(login(world["users"]["department"]), f"/recalls/{recall['id']}")
    assert 'id="smtp-off"' not in html and 'id="worker-off"' not in html


def test_the_pages_say_when_the_worker_has_not_run(app, login, world, queued_jobs, smtp_server):
    department = login(world["users"]["department"])
    for path in ("/recalls", "/portal/"):
        html = _page(department, path)
        assert 'id="worker-off"' in html and "Tiến trình chạy nền chưa từng chạy" in html
    queue.beat(queued_jobs)
    for path in ("/recalls", "/portal/"):
        assert 'id="worker-off"' not in _page(department, path)
    queued_jobs.put(queue.HEARTBEAT_KEY, {"at": time.time() - 3600, "host": "h", "pid": 1})
    html = _page(department, "/recalls")
    assert 'id="worker-off"' in html and "Tiến trình chạy nền không hoạt động từ" in html


def test_no_page_tells_a_user_to_type_a_command():
    views = [*PROJECT.glob("*/views/*.py"), *PROJECT.glob("*/views.py")]
    for path in [*PROJECT.joinpath("templates").rglob("*.html"), *views]:
        text = path.read_text(encoding="utf-8")
        for command in ("flask recall", "send-notices", "flask portal", "flask worker"):
            assert command not in text, f"{path}: {command}"


def test_a_write_elsewhere_while_a_notice_goes_out_does_not_lose_its_outcome(
    app, farm, chain, smtp_server, queued_jobs
):
    # On SQLite a transaction that read, then writes after another connection's commit, is
    # refused at once: the outcome of a mail already sent would be lost and the mail sent
    # again. The sender holds no transaction while the mail goes out.
    open_recall(farm, chain)

    def commit_elsewhere():
        with app.app_context():
            db.session.execute(
                update(RecallNotice).where(RecallNotice.id < 0).values(last_error="x")
            )
            db.session.add(
                IdempotencyRecord(
                    principal="p", key=str(time.time()), method="POST", path="/", request_hash="h"
                )
            )
            db.session.commit()

    smtp_server.on_message = commit_elsewhere
    run_next(queued_jobs)
    assert [(a, s, n) for a, s, n in statuses(app)] == [
        ("x@dn.vn", NoticeStatus.SENT, 1),
        ("y@dn.vn", NoticeStatus.SENT, 1),
    ]
    assert len(smtp_server.messages) == 2 and queued_jobs.scheduled_count() == 0
