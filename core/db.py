"""Declarative base with a constraint naming convention, and SQLite foreign keys."""

import enum
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapper
from sqlalchemy.orm.attributes import set_committed_value

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


@event.listens_for(Engine, "connect")
def _enable_sqlite_foreign_keys(dbapi_connection, connection_record):
    # SQLite ignores foreign keys unless asked, per connection; PostgreSQL always enforces them.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


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
