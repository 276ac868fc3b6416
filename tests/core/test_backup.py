"""``flask backup dump`` / ``restore``: the demo data round-trips, table by table, row by row."""

import hashlib

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from core.backup import _pg_connection
from core.extensions import db


def snapshot(app) -> dict[str, tuple[int, str]]:
    """Every table's row count and a checksum of its rows in primary-key order."""
    with app.app_context():
        inspector = inspect(db.engine)
        tables = {}
        for name in sorted(inspector.get_table_names()):
            columns = inspector.get_pk_constraint(name)["constrained_columns"] or [
                column["name"] for column in inspector.get_columns(name)
            ]
            order = ", ".join(f'"{column}"' for column in columns)
            rows = db.session.execute(text(f'SELECT * FROM "{name}" ORDER BY {order}')).all()  # noqa: S608
            # psycopg2 gives bytea (file_chunks) as memoryviews, whose repr is an address.
            values = [tuple(_plain(value) for value in row) for row in rows]
            digest = hashlib.sha256(repr(values).encode()).hexdigest()
            tables[name] = (len(rows), digest)
        db.session.remove()
    return tables


def _plain(value):
    return bytes(value) if isinstance(value, memoryview) else value


@pytest.fixture
def demo(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return snapshot(app)


def _damage(app, make_org) -> None:
    with app.app_context():
        db.session.execute(text("UPDATE organizations SET name = 'Đã sửa' WHERE id % 2 = 0"))
        db.session.execute(text("DELETE FROM scans"))
        db.session.execute(text("DELETE FROM api_tokens"))
        db.session.commit()
    make_org(name="HTX thêm sau khi sao lưu")


def test_dump_and_restore_round_trip_the_demo_data(app, runner, demo, make_org, tmp_path):
    assert demo["organizations"][0] > 30 and demo["trace_events"][0] > 0
    backup = tmp_path / "htx.backup"
    result = runner.invoke(args=["backup", "dump", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 10_000
    _damage(app, make_org)
    changed = snapshot(app)
    assert changed != demo
    assert changed["organizations"][0] == demo["organizations"][0] + 1

    declined = runner.invoke(args=["backup", "restore", str(backup)], input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert snapshot(app) == changed

    result = runner.invoke(args=["backup", "restore", "--yes", str(backup)])
    assert result.exit_code == 0, result.output
    assert snapshot(app) == demo

    # Not a backup: refused, and the database is left as it was.
    garbage = tmp_path / "not-a-backup"
    garbage.write_bytes(b"PGDMP nothing useful here" * 10)
    refused = runner.invoke(args=["backup", "restore", "--yes", str(garbage)])
    assert refused.exit_code == 1 and "Error" in refused.output
    assert snapshot(app) == demo


def test_connection_values_are_quoted_and_the_password_stays_off_the_command_line():
    url = make_url("postgresql+psycopg2://htx:s3cr%27t@db.example:5433/htx's db?sslmode=require")
    conninfo, env = _pg_connection(url)
    assert conninfo == (
        "host='db.example' port='5433' user='htx' dbname='htx\\'s db' sslmode='require'"
    )
    assert "s3cr" not in conninfo
    assert env["PGPASSWORD"] == "s3cr't"
