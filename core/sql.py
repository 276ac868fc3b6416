"""SQL functions of our own that read alike on SQLite and PostgreSQL."""

from sqlalchemy import Date
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_date(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """SQL: the Vietnam calendar date (Asia/Ho_Chi_Minh) of a stored UTC timestamp."""

    type = Date()
    inherit_cache = True


@compiles(local_date)
def _local_date_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, '+7 hours')"


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw):
    column = compiler.process(element.clauses, **kw)
    return f"CAST(({column} AT TIME ZONE 'Asia/Ho_Chi_Minh') AS DATE)"
