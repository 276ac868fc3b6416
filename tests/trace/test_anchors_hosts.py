"""Chain-head anchors published from the database: two app instances with instance folders of
their own share one database; the anchor the worker host records is shown and downloadable
on the other host, the download is the worker's export file byte for byte, and a second run
the same day writes nothing. An export file of the old code is carried over."""

import json
from datetime import date, timedelta

from sqlalchemy import func, select

from core.extensions import db
from tests.files.conftest import make_host  # noqa: F401 - the fixture
from tests.trace.test_trace_chain import shipped  # noqa: F401 - the fixture
from trace.chain_models import ChainAnchor
from trace.services.anchors import anchors_path, export_anchors, record_daily_anchor
from trace.tasks import anchor_chain_heads


def _anchors_in_db(host) -> list[ChainAnchor]:
    with host.app_context():
        return db.session.scalars(select(ChainAnchor).order_by(ChainAnchor.day)).all()


def test_an_anchor_written_by_the_worker_host_is_served_by_another(
    app,
    tmp_path,
    shipped,  # noqa: F811
    world,
    make_host,  # noqa: F811
):
    export = tmp_path / "backup-volume" / "chain-heads.jsonl"
    worker = make_host("worker", ANCHORS_FILE=str(export))
    web = make_host("web")
    assert web.test_client().get("/open-data/chain-heads.jsonl").status_code == 404

    with worker.app_context():
        anchor_chain_heads()
    [stored] = _anchors_in_db(worker)
    written = export.read_bytes()
    assert written == stored.line.encode() + b"\n"
    line = json.loads(written)
    assert line["heads"][str(world["coop_a"])]["events"][0] == 4

    client = web.test_client()
    page = client.get("/open-data")
    assert page.status_code == 200
    assert line["digest"] in page.get_data(as_text=True)
    download = client.get("/open-data/chain-heads.jsonl")
    assert download.status_code == 200 and download.mimetype == "application/jsonl"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.data == written

    # The web host served it without writing anything of the anchors in its folder.
    assert not (web.config["INSTANCE_DIR"] / "anchors").exists()

    # The next hour: today is anchored already, nothing is written.
    with worker.app_context():
        anchor_chain_heads()
    assert export.read_bytes() == written
    assert len(_anchors_in_db(web)) == 1

    # The download is what `flask trace verify --against` reads.
    saved = tmp_path / "downloaded.jsonl"
    saved.write_bytes(download.data)
    result = web.test_cli_runner().invoke(args=["trace", "verify", "--against", str(saved)])
    assert result.exit_code == 0, result.output


def test_a_day_recorded_by_another_worker_first_is_not_recorded_again(
    app,
    shipped,  # noqa: F811
    monkeypatch,
):
    with app.app_context():
        first = record_daily_anchor()
        db.session.commit()
        assert record_daily_anchor() is None  # the next hour
        assert record_daily_anchor(date.today() - timedelta(days=1)) is None
        # A second worker that read before the first one committed: the day's key refuses
        # its line, and its transaction goes on.
        monkeypatch.setattr("trace.services.anchors.latest_anchor", lambda: None)
        assert record_daily_anchor() is None
        db.session.commit()
        days = db.session.scalars(select(ChainAnchor.day)).all()
    assert days == [date.fromisoformat(first["day"])]


def test_without_anchors_file_production_keeps_the_anchors_in_the_database(
    app,
    shipped,  # noqa: F811
    make_host,  # noqa: F811
):
    host = make_host("production", ENV_NAME="production", ANCHORS_FILE=None)
    with host.app_context():
        assert anchors_path() is None
        anchor_chain_heads()
        assert db.session.scalar(select(func.count()).select_from(ChainAnchor)) == 1
    assert not (host.config["INSTANCE_DIR"] / "anchors").exists()


def test_an_export_file_of_the_old_code_is_carried_over(app, shipped, tmp_path, make_host):  # noqa: F811
    export = tmp_path / "chain-heads.jsonl"
    host = make_host("old", ANCHORS_FILE=str(export))
    with host.app_context():
        record_daily_anchor(date.today() - timedelta(days=1))
        db.session.commit()
        export_anchors()
        # The old code wrote the file only: the table starts empty.
        db.session.execute(ChainAnchor.__table__.delete())
        db.session.commit()
        old = export.read_bytes()
        line = record_daily_anchor()
        db.session.commit()
        export_anchors()
    stored = _anchors_in_db(host)
    assert [row.line.encode() + b"\n" for row in stored][0] == old
    assert line["prev"] == json.loads(old)["digest"]
    assert export.read_bytes() == b"".join(row.line.encode() + b"\n" for row in stored)
