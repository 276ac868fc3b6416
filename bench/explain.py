"""``--explain``: the PostgreSQL plans of the queries a measured call sends.

The call runs once with a listener recording each SELECT it sends; each is then
run again under ``EXPLAIN (ANALYZE, BUFFERS)`` and the plans are written to
``bench/results/plans/<name>.txt``. Not part of any timing.
"""

from collections.abc import Callable

from sqlalchemy import event

from core.extensions import db


def explain_to_file(ctx, name: str, call: Callable[[], object]) -> None:
    """Record the SELECTs ``call()`` sends, EXPLAIN ANALYZE each, write the plans to a file."""
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, executemany):
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    connection = db.session.connection()
    parts = []
    for statement, parameters in statements:
        plan = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
        ).scalars()
        parts.append(_shorten(statement) + "\n" + "\n".join(plan))
    db.session.rollback()
    path = ctx.results_dir / "plans" / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n\n".join(parts) + "\n")


def _shorten(statement: str, limit: int = 2_000) -> str:
    return statement if len(statement) <= limit else statement[:limit] + " …"
