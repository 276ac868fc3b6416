"""``make run`` as a user runs it: gunicorn with two workers and the background worker on the
test database (SQLite file, or PostgreSQL with TEST_DATABASE_URL), the job queue a SQLite
file in INSTANCE_DIR, no Redis, and a real local SMTP server. A new recall's notices arrive
with no command typed, and Ctrl-C stops everything ``make run`` started."""

import os
import shutil
import signal
import socket
import time

import pytest
import requests

from tests.missing import unavailable

REASON = "Nhiễm khuẩn Salmonella trong mẫu lưu"


@pytest.fixture(autouse=True)
def _needs_make():
    if shutil.which("make") is None:
        unavailable("make is not installed")


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_a_new_recalls_notices_arrive_with_no_command_typed(
    make_run, world, chain, token_for, smtp_server
):
    run = make_run(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_server.port))
    run.wait_ready()
    assert smtp_server.messages == []

    started = time.monotonic()
    # One token for the session, as a client keeps it (a new token is marked used on its
    # first request: a write, which SQLite may refuse with 409 while the worker writes).
    headers = token_for(world["users"]["coop_a"])
    response = requests.post(
        f"{run.base}/api/v1/recalls",
        json={"batch_id": chain.id("RAW"), "reason": REASON, "severity": "serious"},
        headers=headers,
        timeout=60,
    )
    assert response.status_code == 201, response.text
    # The request only queued them: the worker sends them.
    notices = [n for r in response.json()["recipients"] for n in r["notices"]]
    assert [n["status"] for n in notices] == ["pending", "pending"]

    deadline = started + 30
    while len(smtp_server.messages) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    delay = time.monotonic() - started
    assert sorted(rcpt for rcpt, _m in smtp_server.messages) == ["x@dn.vn", "y@dn.vn"], run.log()
    print(f"\nnotices arrived {delay:.2f} s after the recall was opened")  # noqa: T201
    # The worker logs after the mail server has the messages: wait for its line too.
    sent_line = f"recall {response.json()['id']}: sent 2, failed 0"
    assert sent_line in run.wait_for_log(sent_line)  # by the worker

    answer = requests.get(
        f"{run.base}/api/v1/recalls/{response.json()['id']}",
        headers=headers,
        timeout=30,
    )
    assert answer.status_code == 200, (answer.status_code, answer.text, run.log())
    recall = answer.json()
    assert {n["status"] for r in recall["recipients"] for n in r["notices"]} == {"sent"}


def test_ctrl_c_stops_the_web_server_and_the_worker(make_run, world):
    run = make_run()
    run.wait_ready()
    running = [command for command in run.processes() if "python" in command.split()[0]]
    assert sum("bin/gunicorn" in command for command in running) == 3, running  # master + 2
    assert sum("bin/flask worker" in command for command in running) == 1, running

    run.interrupt()
    left = run.wait_stopped()
    assert left == [], f"still running after Ctrl-C: {left}"
    assert run.process.returncode is not None
    assert not _listening(run.port)
    assert "Consumer exiting" in run.log() and "Shutting down: Master" in run.log()


def test_when_the_worker_dies_make_run_stops_the_web_server_too(make_run, world):
    run = make_run()
    run.wait_ready()
    os.kill(run.pid_of("bin/flask worker"), signal.SIGKILL)
    left = run.wait_stopped()
    assert left == [] and run.process.returncode != 0
    assert not _listening(run.port)
