"""Tamper evidence that covers everything: every stored field of an event, every change to a
lot's master data (chained revisions), and chain heads anchored outside the database
(``flask trace anchor``, ``flask trace verify --against``). Each tamper is reported by
``flask trace verify``, naming the organization and the first bad record."""

import json
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from core.extensions import db
from registry.models import User
from tests.trace.test_trace_chain import shipped  # noqa: F401 - the fixture
from tests.web_helpers import post
from trace.chain_models import BatchRevision
from trace.models import Batch, BatchStatus, TraceEvent
from trace.services.anchors import (
    anchors_path,
    export_anchors,
    latest_anchor,
    record_daily_anchor,
)
from trace.services.events import declare_erroneous
from trace.services.revisions import record_revisions
from trace.tasks import ANCHOR_JOB


def verify(runner, *args):
    return runner.invoke(args=["trace", "verify", *args])


def reported(result, org_id: int, record: str) -> None:
    """The run failed, naming the organization and the first bad record on one line."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("BROKEN")]
    assert any(f"organization {org_id}:" in line and record in line for line in lines), lines


def write_daily_anchor(day: date | None = None) -> dict | None:
    """As the worker does: record the day's line, commit, append it to the export file."""
    line = record_daily_anchor(day)
    db.session.commit()
    export_anchors()
    return line


@pytest.fixture
def anchors(app):
    """A fresh anchors file for the test (the app's INSTANCE_DIR lives for the session)."""
    with app.app_context():
        path = anchors_path()
    path.unlink(missing_ok=True)
    yield path
    path.unlink(missing_ok=True)


def test_untouched_data_verifies_with_lot_revisions(app, runner, shipped):  # noqa: F811
    batch, _events = shipped
    with app.app_context():
        revisions = db.session.scalars(
            select(BatchRevision).where(BatchRevision.batch_id == batch["id"])
        ).all()
    # Created as a draft, then made active by its harvest: two revisions, chained.
    assert [r.data["status"] for r in revisions] == ["draft", "active"]
    assert revisions[1].chain_prev == revisions[0].chain_hash
    result = verify(runner)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("tamper", "column"),
    [
        ("UPDATE trace_events SET recorded_by_id = NULL WHERE id = :event_id", "recorded_by_id"),
        (
            "UPDATE trace_events SET recorded_at = '2026-01-01 00:00:00+00' WHERE id = :event_id",
            "recorded_at",
        ),
        ("UPDATE trace_events SET time_zone_offset = '+00:00' WHERE id = :event_id", "offset"),
        ("UPDATE trace_events SET biz_step = 'receiving' WHERE id = :event_id", "biz_step"),
        ("UPDATE event_lines SET kind = 'inspection' WHERE event_id = :event_id", "line kind"),
        (
            "UPDATE trace_events SET epcis_event_id = 'urn:uuid:0f0e0d0c-0b0a-4908-8706-0504030201'"
            " WHERE id = :event_id",
            "eventID",
        ),
    ],
)
def test_an_edited_event_field_is_reported(app, runner, shipped, world, tamper, column):  # noqa: F811
    _batch, events = shipped
    target = events[1]["id"]
    with app.app_context():
        db.session.execute(text(tamper), {"event_id": target})
        db.session.commit()
    reported(verify(runner), world["coop_a"], f"event {target} (chain position 3)")


def test_an_edited_correction_is_reported(app, runner, shipped, world):  # noqa: F811
    _batch, events = shipped
    with app.test_request_context():
        user = db.session.scalar(select(User).where(User.organization_id == world["coop_a"]))
        correction = declare_erroneous(user, events[2]["id"], "Nhập nhầm số lượng")
        db.session.commit()
        correction_id = correction.id
    assert verify(runner).exit_code == 0
    with app.app_context():
        stored = db.session.get(TraceEvent, correction_id)
        declaration = {**stored.epcis["errorDeclaration"], "htx:note": "không có gì"}
        stored.epcis = {"errorDeclaration": declaration}
        db.session.commit()
    reported(verify(runner), world["coop_a"], f"event {correction_id} ")


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        ("UPDATE batches SET quantity = 1 WHERE id = :batch_id", "quantity"),
        ("UPDATE batches SET organization_id = :other WHERE id = :batch_id", "organization_id"),
        ("UPDATE batches SET status = 'closed' WHERE id = :batch_id", "status"),
        ("UPDATE batches SET harvest_date = '2026-01-02' WHERE id = :batch_id", "harvest_date"),
        ("UPDATE batch_households SET quantity = 1 WHERE batch_id = :batch_id", "households"),
        ("INSERT INTO batch_sites (batch_id, site_id) SELECT :batch_id, id FROM sites", "site_ids"),
    ],
)
def test_a_lot_edited_in_the_database_is_reported(app, runner, shipped, world, tamper, named):  # noqa: F811
    batch, _events = shipped
    with app.app_context():
        db.session.execute(text(tamper), {"batch_id": batch["id"], "other": world["coop_b"]})
        db.session.commit()
    result = verify(runner)
    reported(result, world["coop_a"], f"lot {batch['id']} (revision ")
    assert named in result.output


def test_a_lot_inserted_around_the_services_is_reported(app, runner, shipped, world):  # noqa: F811
    batch, _events = shipped
    with app.app_context():
        db.session.execute(text("DELETE FROM batch_revisions WHERE batch_id = :id"), batch)
        db.session.commit()
    result = verify(runner)
    reported(result, world["coop_a"], f"lot {batch['id']}")
    assert "no recorded revision" in result.output


def test_a_deleted_revision_is_reported(app, runner, shipped, world):  # noqa: F811
    batch, _events = shipped
    with app.app_context():
        first = db.session.scalar(
            select(BatchRevision.id).where(BatchRevision.batch_id == batch["id"]).limit(1)
        )
        db.session.execute(text("DELETE FROM batch_revisions WHERE id = :id"), {"id": first})
        db.session.commit()
    result = verify(runner)
    reported(result, world["coop_a"], f"lot {batch['id']} (revision ")
    assert "missing" in result.output


def test_changes_through_the_services_stay_verified(app, runner, farm, shipped):  # noqa: F811
    batch, _events = shipped
    draft = farm.batch(batch["product_id"], 80)
    patched = farm.client.patch(
        f"/api/v1/batches/{draft['id']}", json={"expiry_date": "2027-12-31"}, headers=farm.headers
    )
    assert patched.status_code == 200, patched.json
    closed = farm.client.post(f"/api/v1/batches/{batch['id']}/close", headers=farm.headers)
    assert closed.status_code == 200, closed.json
    with app.app_context():
        latest = {
            batch_id: data
            for batch_id, data in db.session.execute(
                select(BatchRevision.batch_id, BatchRevision.data).order_by(BatchRevision.id)
            )
        }
    assert latest[draft["id"]]["expiry_date"] == "2027-12-31"
    assert latest[batch["id"]]["status"] == "closed"
    result = verify(runner)
    assert result.exit_code == 0, result.output


def test_a_recall_is_a_revision_of_every_lot_it_marks(app, runner, farm, shipped, no_smtp):  # noqa: F811
    batch, _events = shipped
    response = farm.client.post(
        "/api/v1/recalls",
        json={"batch_id": batch["id"], "reason": "Dư lượng thuốc vượt mức", "severity": "serious"},
        headers=farm.headers,
    )
    assert response.status_code == 201, response.json
    with app.app_context():
        assert db.session.get(Batch, batch["id"]).status == BatchStatus.RECALLED
        last = db.session.scalars(
            select(BatchRevision.data)
            .where(BatchRevision.batch_id == batch["id"])
            .order_by(BatchRevision.id.desc())
        ).first()
    assert last["status"] == "recalled"
    result = verify(runner)
    assert result.exit_code == 0, result.output


def test_a_deleted_newest_event_is_found_against_the_anchor(app, runner, shipped, world, anchors):  # noqa: F811
    _batch, events = shipped
    written = runner.invoke(args=["trace", "anchor"])
    assert written.exit_code == 0 and "Anchored" in written.output, written.output
    assert "already" in runner.invoke(args=["trace", "anchor"]).output
    assert verify(runner, "--against", str(anchors)).exit_code == 0
    newest = events[-1]["id"]
    with app.app_context():
        db.session.execute(text("DELETE FROM event_lines WHERE event_id = :id"), {"id": newest})
        db.session.execute(text("DELETE FROM trace_events WHERE id = :id"), {"id": newest})
        db.session.commit()
    # The chain alone cannot tell: its newest link is simply gone.
    assert verify(runner).exit_code == 0
    result = verify(runner, "--against", str(anchors))
    reported(result, world["coop_a"], "event at chain position 4")
    assert "shorter than anchored" in result.output


def test_an_anchors_file_is_append_only_evidence(app, runner, shipped, anchors):  # noqa: F811
    with app.app_context():
        first = write_daily_anchor(date.today() - timedelta(days=1))
        second = write_daily_anchor(date.today())
        assert write_daily_anchor(date.today()) is None
        assert latest_anchor() == second
    assert second["prev"] == first["digest"]
    lines = anchors.read_text().splitlines()
    assert [json.loads(line)["day"] for line in lines] == [first["day"], second["day"]]
    assert verify(runner, "--against", str(anchors)).exit_code == 0
    edited = json.loads(lines[0])
    edited["heads"] = {}
    anchors.write_text(json.dumps(edited) + "\n" + lines[1] + "\n")
    result = verify(runner, "--against", str(anchors))
    assert result.exit_code == 1
    assert "line 1" in result.output and "digest" in result.output


def test_the_worker_anchors_the_chain_heads_once_a_day(app, shipped, world, anchors, queued_jobs):  # noqa: F811
    hourly = {task.name: task for task in queued_jobs.read_periodic(datetime(2026, 1, 1, 9, 0))}
    job = hourly[ANCHOR_JOB]  # every hour: a worker down at midnight still anchors the day
    queued_jobs.execute(job)
    queued_jobs.execute(job)  # the next hour: today is anchored already
    lines = anchors.read_text().splitlines()
    assert len(lines) == 1
    heads = json.loads(lines[0])["heads"][str(world["coop_a"])]
    assert heads["events"][0] == 4 and heads["lots"][0] == 2


def test_the_open_data_page_publishes_the_latest_anchor(
    app,
    client,
    shipped,  # noqa: F811
    anchors,
    monkeypatch,
):
    assert client.get("/open-data/chain-heads.jsonl").status_code == 404
    monkeypatch.setattr("trace.services.anchors._CHUNK_DAYS", 2)  # the download in chunks
    with app.app_context():
        for days in (3, 2, 1):
            write_daily_anchor(date.today() - timedelta(days=days))
        line = write_daily_anchor()
    page = client.get("/open-data")
    assert page.status_code == 200
    assert line["digest"] in page.get_data(as_text=True)
    download = client.get("/open-data/chain-heads.jsonl")
    assert download.status_code == 200 and download.mimetype == "application/jsonl"
    assert download.data == anchors.read_bytes()
    assert len(download.data.splitlines()) == 4
    assert json.loads(download.data.splitlines()[-1]) == line


def test_the_demo_data_verifies(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = verify(runner)
    assert result.exit_code == 0, result.output


def test_verify_of_one_organization_checks_its_lots_only(app, runner, shipped, world):  # noqa: F811
    batch, _events = shipped
    with app.app_context():
        db.session.execute(text("UPDATE batches SET quantity = 7 WHERE id = :id"), batch)
        db.session.commit()
    assert verify(runner, "--org", str(world["coop_b"])).exit_code == 0
    reported(verify(runner, "--org", str(world["coop_a"])), world["coop_a"], f"lot {batch['id']}")


def _revisions_of(batch_id: int) -> list[dict]:
    return list(
        db.session.scalars(
            select(BatchRevision.data)
            .where(BatchRevision.batch_id == batch_id)
            .order_by(BatchRevision.id)
        )
    )


def test_each_revision_names_who_made_the_change(app, runner, world, login, farm):
    """The API token's user, the signed-in user of a web form; nobody for a command."""
    coop_user = world["users"]["coop_a"]
    draft = farm.batch(farm.product()["id"], 50)  # through the API
    farm.harvest(draft["id"], farm.site()["id"])
    client = login(coop_user)
    page = f"/trace/batches/{draft['id']}"
    closed = post(client, f"{page}/status", {"status": "closed"}, form_page=page)
    assert closed.status_code == 302
    with app.app_context():
        record_revisions([draft["id"]])  # as a command would, outside any request
        db.session.commit()
        revisions = _revisions_of(draft["id"])
    assert [r["status"] for r in revisions][-2:] == ["closed", "closed"]
    assert revisions[0]["by"] == coop_user  # created through the API
    assert revisions[-2]["by"] == coop_user  # closed in the web form
    assert "by" not in revisions[-1]
    assert verify(runner).exit_code == 0
