"""Backup and restore of the whole database: ``flask backup dump FILE`` / ``restore FILE``.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --no-owner
--single-transaction`` (so a restore that fails changes nothing). The connection comes
from the app's database URL, passed to the tools as a libpq connection string argument
(each value quoted) and the password in ``PGPASSWORD``, never through a shell or on the
command line. SQLite: the file is copied page by page with sqlite3's online backup API,
which is safe while the service runs, and restored the same way.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.engine import URL, make_url

from core.extensions import db

SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A dump or restore that could not be done; the message says why."""


def _url() -> URL:
    return make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])


def _conninfo_value(value: str) -> str:
    # libpq connection strings: single quotes around the value, \ and ' escaped.
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _pg_connection(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string for ``url`` and the environment carrying its password."""
    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key, value in url.query.items():  # sslmode=require and the like
        parts[key] = value if isinstance(value, str) else value[-1]
    conninfo = " ".join(
        f"{key}={_conninfo_value(str(value))}" for key, value in parts.items() if value
    )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    return conninfo, env


def _run(command: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client).")
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments as a list, no shell
        [tool, *command[1:]], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()[-2000:]}")


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database has no file to back up.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def dump(path: Path) -> None:
    """Write a backup of the app's database to ``path``."""
    url = _url()
    if url.get_backend_name() == "postgresql":
        conninfo, env = _pg_connection(url)
        _run(["pg_dump", "--format=custom", f"--file={path}", f"--dbname={conninfo}"], env)
    elif url.get_backend_name() == "sqlite":
        path.unlink(missing_ok=True)
        _sqlite_copy(_sqlite_path(url), path)
    else:
        raise BackupError(f"No backup for {url.get_backend_name()} databases.")


def restore(path: Path) -> None:
    """Replace the app's database with the backup in ``path`` (all of it, or nothing)."""
    url = _url()
    # Our own pooled connections would hold locks the restore must take.
    db.session.remove()
    db.engine.dispose()
    if url.get_backend_name() == "postgresql":
        conninfo, env = _pg_connection(url)
        command = ["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction"]
        _run([*command, f"--dbname={conninfo}", str(path)], env)
    elif url.get_backend_name() == "sqlite":
        with path.open("rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise BackupError(f"{path} is not an SQLite database.")
        _sqlite_copy(path, _sqlite_path(url))
    else:
        raise BackupError(f"No restore for {url.get_backend_name()} databases.")


def column_values(path: Path, table: str, column: str) -> list[str]:
    """The values of one column of one table in a backup made by ``dump`` (e.g. the files
    a backed-up database names), read from the backup without restoring it."""
    with path.open("rb") as file:
        header = file.read(len(SQLITE_HEADER))
    if header == SQLITE_HEADER:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = connection.execute(f'SELECT "{column}" FROM "{table}"').fetchall()  # noqa: S608
        except sqlite3.OperationalError:
            return []  # a backup from before the table existed
        finally:
            connection.close()
        return [str(row[0]) for row in rows if row[0] is not None]
    if header.startswith(b"PGDMP"):
        return _pg_column_values(path, table, column)
    raise BackupError(f"{path} is not a backup made by flask backup dump.")


def _pg_column_values(path: Path, table: str, column: str) -> list[str]:
    tool = shutil.which("pg_restore")
    if tool is None:
        raise BackupError("pg_restore is not installed (Debian: postgresql-client).")
    result = subprocess.run(  # noqa: S603 - fixed tool, arguments as a list, no shell
        [tool, "--data-only", f"--table={table}", "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()[-2000:]}")
    values, index = [], None
    for line in result.stdout.splitlines():
        if index is None:
            if line.startswith("COPY ") and line.endswith("FROM stdin;"):
                names = line[line.index("(") + 1 : line.rindex(")")].split(", ")
                index = [name.strip('"') for name in names].index(column)
        elif line == "\\.":
            break
        else:
            value = line.split("\t")[index]
            if value != "\\N":
                values.append(value)
    return values


_FILE = click.argument("file", type=click.Path(dir_okay=False, path_type=Path))


@click.group("backup")
def backup_cli():
    """Dump the database to a file, or restore it from one."""


@backup_cli.command("dump")
@_FILE
@with_appcontext
def dump_command(file: Path):
    """Write a backup (pg_dump custom format on PostgreSQL, a copy of the file on SQLite)."""
    try:
        dump(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Backup written to {file} ({file.stat().st_size} bytes).")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(file: Path, yes: bool):
    """Replace the whole database with a backup made by "flask backup dump"."""
    if not yes:
        click.confirm(f"Replace every row of the database with {file}?", abort=True)
    try:
        restore(file)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Database restored from {file}.")


def register(app: Flask) -> None:
    """Attach ``flask backup`` to the app."""
    app.cli.add_command(backup_cli)
