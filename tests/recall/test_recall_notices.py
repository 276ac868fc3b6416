"""Recall notices: the outbox without SMTP, sending only after the commit, failures kept and
retried with a pause (by the worker's jobs, tests/jobs/test_jobs.py, or at once by ``flask recall
send-notices``), the signed link, the 24-hour clock."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from core.extensions import db
from recall.models import NoticeStatus, Recall, RecallNotice
from tests.conftest import csrf_token, row_count
from tests.recall_helpers import free_port

REASON = "Nhiễm khuẩn Salmonella trong mẫu lưu"


def open_recall(farm, chain, name="RAW"):
    return farm.post(
        "/recalls", {"batch_id": chain.id(name), "reason": REASON, "severity": "serious"}
    )


def notices(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(RecallNotice).order_by(RecallNotice.id))
        return [(n.address, n.status, n.attempts, n.last_error) for n in rows]


def test_without_smtp_notices_wait_and_the_page_says_so(app, farm, chain, login, world, no_smtp):
    recall = open_recall(farm, chain)
    assert [(a, s, n) for a, s, n, _e in notices(app)] == [
        ("x@dn.vn", NoticeStatus.PENDING, 0),
        ("y@dn.vn", NoticeStatus.PENDING, 0),
    ]
    page = login(world["users"]["coop_a"]).get(f"/recalls/{recall['id']}").get_data(as_text=True)
    assert 'id="smtp-off"' in page
    result = app.test_cli_runner().invoke(args=["recall", "send-notices"])
    assert result.exit_code != 0 and "SMTP_HOST" in result.output


def test_the_worker_sends_what_waited(app, farm, chain, smtp_server, smtp_settings):
    smtp_settings.update(SMTP_HOST=None)
    open_recall(farm, chain)
    assert smtp_server.messages == []
    smtp_settings.update(SMTP_HOST="127.0.0.1")
    result = app.test_cli_runner().invoke(args=["recall", "send-notices"])
    assert result.exit_code == 0, result.output
    assert "sent 2, failed 0" in result.output
    assert sorted(rcpt for rcpt, _m in smtp_server.messages) == ["x@dn.vn", "y@dn.vn"]
    assert {status for _a, status, _n, _e in notices(app)} == {NoticeStatus.SENT}
    again = app.test_cli_runner().invoke(args=["recall", "send-notices"])
    assert "sent 0, failed 0" in again.output and len(smtp_server.messages) == 2


def test_a_failing_server_keeps_the_recall_and_the_worker_retries(
    app, farm, chain, smtp_server, smtp_settings
):
    smtp_settings.update(SMTP_PORT=free_port())  # nobody listens there
    recall = open_recall(farm, chain)
    with app.app_context():
        assert row_count(Recall) == 1
    # The first notice finds the server down; the run stops there, the second one waits.
    (x, x_status, x_attempts, x_error), (y, y_status, y_attempts, _e) = notices(app)
    assert (x, x_status, x_attempts) == ("x@dn.vn", NoticeStatus.FAILED, 1)
    assert "Connection" in x_error or "refused" in x_error
    assert (y, y_status, y_attempts) == ("y@dn.vn", NoticeStatus.PENDING, 0)
    assert smtp_server.messages == []

    # A failed notice pauses before a retry (RECALL_NOTICE_RETRY_SECONDS, doubled each time).
    runner = app.test_cli_runner()
    smtp_settings.update(SMTP_PORT=smtp_server.port)
    assert "sent 1, failed 0" in runner.invoke(args=["recall", "send-notices"]).output
    assert [rcpt for rcpt, _m in smtp_server.messages] == ["y@dn.vn"]
    smtp_settings.update(RECALL_NOTICE_RETRY_SECONDS=0)
    result = runner.invoke(args=["recall", "send-notices", "--recall", str(recall["id"])])
    assert "sent 1, failed 0" in result.output, result.output
    assert [(a, s, n, e) for a, s, n, e in notices(app)] == [
        ("x@dn.vn", NoticeStatus.SENT, 2, None),
        ("y@dn.vn", NoticeStatus.SENT, 1, None),
    ]


def test_the_request_only_queues_the_notices(app, farm, chain, smtp_server, queued_jobs):
    recall = open_recall(farm, chain)
    assert smtp_server.messages == []
    assert {status for _a, status, _n, _e in notices(app)} == {NoticeStatus.PENDING}
    assert [n["status"] for r in recall["recipients"] for n in r["notices"]] == ["pending"] * 2
    result = app.test_cli_runner().invoke(args=["recall", "send-notices"])
    assert "sent 2, failed 0" in result.output and len(smtp_server.messages) == 2


def test_notices_are_sent_only_after_the_commit(app, farm, chain, smtp_server):
    seen = []

    def count_recalls_from_another_connection():
        with app.app_context():
            seen.append(row_count(Recall))
            db.session.remove()

    smtp_server.on_message = count_recalls_from_another_connection
    open_recall(farm, chain)
    assert seen == [1, 1]


def test_no_retry_past_the_attempt_limit(app, farm, chain, smtp_server, smtp_settings):
    smtp_settings.update(SMTP_HOST=None)
    open_recall(farm, chain)
    with app.app_context():
        db.session.execute(
            update(RecallNotice).values(
                status=NoticeStatus.FAILED, attempts=app.config["RECALL_NOTICE_MAX_ATTEMPTS"]
            )
        )
        db.session.commit()
    smtp_settings.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    result = app.test_cli_runner().invoke(args=["recall", "send-notices"])
    assert "sent 0, failed 0" in result.output and smtp_server.messages == []


def test_an_organization_without_e_mail_gets_no_notice_but_is_listed(
    app, farm, chain, make_org, login, world, no_smtp
):
    shop = make_org(
        "enterprise", name="Cửa hàng Z", registration_code="0109999999", phone="0269 3822 123"
    )
    farm.ship(chain.id("ROAST"), 20, shop, days_ago=1)
    recall = open_recall(farm, chain, "ROAST")
    by_org = {r["organization_id"]: r for r in recall["recipients"]}
    assert set(by_org) == {world["ent_x"], shop}
    assert by_org[shop]["notices"] == [] and by_org[shop]["contact_phone"] == "0269 3822 123"
    page = login(world["users"]["coop_a"]).get(f"/recalls/{recall['id']}").get_data(as_text=True)
    assert "0269 3822 123" in page and "Cửa hàng Z" in page


def test_the_link_acknowledges_only_its_own_recipient(app, farm, chain, smtp_server, world):
    recall = open_recall(farm, chain)
    anonymous = app.test_client()
    path = smtp_server.ack_path("x@dn.vn")
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert anonymous.get(forged).status_code == 404
    response = anonymous.post(
        path, data={"name": "x" * 121, "csrf_token": csrf_token(anonymous, path)}
    )
    assert response.status_code == 422
    response = anonymous.post(path, data={"csrf_token": csrf_token(anonymous, path)})
    assert response.status_code == 200
    detail = farm.get(f"/recalls/{recall['id']}")
    acked = {r["organization_id"]: r["acknowledged_via"] for r in detail["recipients"]}
    assert acked == {world["ent_x"]: "link", world["ent_y"]: None}


def test_the_clock_shows_an_overdue_recall(app, farm, chain, login, world, no_smtp):
    recall = open_recall(farm, chain)
    assert recall["overdue"] is False
    with app.app_context():
        past = datetime.now(UTC) - timedelta(hours=30)
        db.session.execute(
            update(Recall).values(opened_at=past, deadline_at=past + timedelta(hours=24))
        )
        db.session.commit()
    assert farm.get(f"/recalls/{recall['id']}")["overdue"] is True
    dept = login(world["users"]["department"])
    assert 'id="overdue"' in dept.get(f"/recalls/{recall['id']}").get_data(as_text=True)
    assert "badge-late" in dept.get("/recalls").get_data(as_text=True)


def test_an_old_link_has_expired(app, farm, chain, smtp_server, smtp_settings):
    open_recall(farm, chain)
    path = smtp_server.ack_path("y@dn.vn")
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200
    smtp_settings["RECALL_ACK_LINK_DAYS"] = -1  # every link is older than that
    response = anonymous.get(f"{path}?lang=en")
    assert response.status_code == 404 and "expired" in response.get_data(as_text=True).lower()
