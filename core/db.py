"""Declarative base with a constraint naming convention, SQLite's connection and
transaction settings (foreign keys, WAL, the write lock taken at BEGIN), and the Vietnamese
order of names on both engines."""

import enum
from datetime import UTC, datetime

from flask import g, has_request_context, request
from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapper, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

from core.text import compare_vietnamese

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def portable_enum(enum_cls: type[enum.Enum], name: str) -> Enum:
    """An enum column stored as VARCHAR + CHECK, alike on SQLite and PostgreSQL."""
    return Enum(
        enum_cls,
        name=name,
        values_callable=lambda cls: [member.value for member in cls],
        native_enum=False,
        create_constraint=True,
        length=32,
        validate_strings=True,
    )


def utcnow() -> datetime:
    """The current time in UTC, as a timezone-aware datetime (a callable column default)."""
    return datetime.now(UTC)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """SQLite, per connection: foreign keys on, WAL, and transactions begun by ``_begin``.

    WAL lets readers go on while one connection writes, in every gunicorn worker; the
    driver's own implicit BEGIN is switched off so that ``_begin`` can take the write
    lock at the start of a writing transaction (the busy timeout is the driver's
    ``timeout``, set in the factory).
    """
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; safe in WAL
    cursor.close()
    dbapi_connection.create_collation("vi", compare_vietnamese)


class _VietnameseOrder(ColumnElement):
    """A text column ordered in the Vietnamese alphabet's order (see ``vietnamese``)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        self.column = column
        self.type = column.type


@compiles(_VietnameseOrder)
def _vietnamese_sqlite(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} COLLATE vi"


@compiles(_VietnameseOrder, "postgresql")
def _vietnamese_postgresql(element, compiler, **kw):
    return f'{compiler.process(element.column, **kw)} COLLATE "vi-VN-x-icu"'


def vietnamese(column) -> ColumnElement:
    """``column`` for ORDER BY in Vietnamese order ("Đinh" before "Trần"), on both engines:
    ICU's Vietnamese collation on PostgreSQL, ``core.text.compare_vietnamese`` on SQLite."""
    return _VietnameseOrder(column)


def _expects_writes() -> bool:
    # The transaction of a request that may write (not GET, HEAD or OPTIONS), up to its one
    # commit point. What a request reads after its commit, requests that only read, and
    # work outside requests begin as readers: they never queue behind a writer, and a
    # second connection of the same thread never waits for the first.
    if not has_request_context():
        return False
    return request.method not in ("GET", "HEAD", "OPTIONS") and not g.get(_COMMITTED, False)


_COMMITTED = "htx_request_committed"


@event.listens_for(Session, "after_commit")
def _note_request_commit(session: Session) -> None:
    if has_request_context():
        setattr(g, _COMMITTED, True)


def commit_before_the_work() -> None:
    """Commit bookkeeping done before a request's own work (a token's last use), leaving
    the work's transaction to take the write lock as the request's first would."""
    from core.extensions import db  # core.extensions imports this module

    db.session.commit()
    g.pop(_COMMITTED, None)


@event.listens_for(Engine, "begin")
def _begin(connection):
    """On SQLite, a transaction that may write takes the write lock before its first read
    (``BEGIN IMMEDIATE``): a quantity checked and the write relying on it are then atomic
    across processes, and a clash waits for the lock instead of failing half-way."""
    if connection.dialect.name == "sqlite":
        # On the driver's connection: a BEGIN is no query for statement counts and logs.
        statement = "BEGIN IMMEDIATE" if _expects_writes() else "BEGIN"
        connection.connection.driver_connection.execute(statement)


_AWARE_COLUMNS: dict = {}


@event.listens_for(Mapper, "load")
@event.listens_for(Mapper, "refresh")
def _aware_datetimes(target, context, attrs=None):
    # SQLite hands back naive datetimes even for DateTime(timezone=True) columns; they were
    # stored as UTC, so say so, and the API's date-times keep their offset on SQLite too.
    mapper = type(target).__mapper__
    keys = _AWARE_COLUMNS.get(mapper)
    if keys is None:
        keys = _AWARE_COLUMNS[mapper] = [
            prop.key
            for prop in mapper.column_attrs
            if isinstance(prop.columns[0].type, DateTime) and prop.columns[0].type.timezone
        ]
    for key in keys:
        value = target.__dict__.get(key)
        if isinstance(value, datetime) and value.tzinfo is None:
            set_committed_value(target, key, value.replace(tzinfo=UTC))
