"""Lots' rendered consumer pages kept in the database: the page cache's lasting tier.

The page cache's store (``consumer.page_cache``) keeps a rendered page for minutes; a
shelf of lots scanned once a day would be rendered again every morning. So each page is
also kept here, per lot and language, with what it was rendered from: the lot's
lineage, the page cache's versions at the time, the lot's own columns (``stamp``) and
the last day it reads the same (``valid_through``: a certificate's state flips after
it). A first view of the day reads this one row instead of the lot's rows and the
template; a change anywhere in the lineage bumps a version and makes the row old at once.

The versions live in the page cache's store, which may lose them (Redis restarted, the
host's file deleted, a key expired). So a kept page is trusted only when:

- the store's "others" version answered: it starts at a random number when the store
  has none, so a page kept before the store lost its versions never matches again;
- it is younger than ``MAX_AGE``, shorter than a version's lifetime in the store
  (30 days from its last bump), so an expired version, read as 0 again, cannot match
  a page kept before that bump;
- the lot's own columns, read from the database with the request (``lookup``), are
  those it was rendered with: a recall of the lot shows even if the store missed it.

When a bump fails (the store does not answer after a commit), ``forget`` deletes the
kept pages of those lots and of every lot made from them.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from consumer.models import LotPage
from core.extensions import db
from core.write_behind import WriteBehind, write_now
from trace.models import Batch, BatchLink

MAX_AGE = timedelta(days=29)

# The columns of a kept page, labelled so that they can join a lookup's row (``lookup``).
COLUMNS = (
    LotPage.lots.label("kept_lots"),
    LotPage.versions.label("kept_versions"),
    LotPage.stamp.label("kept_stamp"),
    LotPage.valid_through.label("kept_valid_through"),
    LotPage.rendered_at.label("kept_rendered_at"),
    LotPage.html.label("kept_html"),
)
_FIND = select(*COLUMNS).where(
    LotPage.batch_id == bindparam("batch_id"), LotPage.language == bindparam("language")
)


@dataclass(frozen=True)
class StoredPage:
    """A kept page and what it was rendered from."""

    lots: list[int]
    versions: str
    stamp: str
    valid_through: date | None
    rendered_at: datetime
    html: str

    def current(self, versions: str, stamp: str, today: date, now: datetime) -> bool:
        """Whether the page reads today as it would be rendered now."""
        rendered_at = self.rendered_at
        if rendered_at.tzinfo is None:  # SQLite gives back naive UTC
            rendered_at = rendered_at.replace(tzinfo=UTC)
        return (
            self.versions == versions
            and self.stamp == stamp
            and (self.valid_through is None or today <= self.valid_through)
            and now - rendered_at < MAX_AGE
        )


def lot_stamp(columns: tuple) -> str:
    """A short fingerprint of the lot's own columns a page shows (``Resolved.stamp``)."""
    text = "\x1f".join("" if value is None else str(value) for value in columns)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def find(batch_id: int, language: str) -> StoredPage | None:
    """The page kept for this lot and language, current or not (one query)."""
    params = {"batch_id": batch_id, "language": language}
    return of_row(db.session.connection().execute(_FIND, params).first())


def of_row(row) -> StoredPage | None:
    """The kept page in a row holding ``COLUMNS`` (None when the row has none)."""
    if row is None or row.kept_html is None:
        return None
    return StoredPage(
        [int(lot) for lot in row.kept_lots.split(",")],
        row.kept_versions,
        row.kept_stamp,
        row.kept_valid_through,
        row.kept_rendered_at,
        row.kept_html,
    )


def keep(batch_id: int, language: str, page: StoredPage) -> None:
    """Keep ``page`` for this lot and language (replacing the one kept): a moment later,
    in a transaction of its own (``PUBLIC_PAGE_WRITE_SECONDS``; at once, in the request's
    transaction, when 0), so a first view is no writer. A page written late or lost costs
    only a render."""
    row = _row(batch_id, language, page)
    app = current_app._get_current_object()  # the app, not the proxy: the thread has none
    seconds = app.config.get("PUBLIC_PAGE_WRITE_SECONDS", 1.0)
    if seconds <= 0:
        _write(db.session.connection(), [row])  # with the request's own transaction
    else:
        WriteBehind.of(app, "lot_page_writer", _write, 100, seconds).add(row)


def keep_now(pages: list[tuple[int, str, StoredPage]]) -> int:
    """Keep these (lot, language, page) now, in one transaction of their own that only
    writes (on SQLite, a transaction that read first could not take the write lock once
    another connection has written); how many (0 when the write failed: logged)."""
    rows = [_row(batch_id, language, page) for batch_id, language, page in pages]
    return write_now(_write, rows, "lot_pages") if rows else 0


def _row(batch_id: int, language: str, page: StoredPage) -> dict:
    return {
        "batch_id": batch_id,
        "language": language,
        "lots": ",".join(map(str, page.lots)),
        "versions": page.versions,
        "stamp": page.stamp,
        "valid_through": page.valid_through,
        "rendered_at": page.rendered_at,
        "html": page.html,
    }


def _write(connection, rows: list[dict]) -> None:
    """Insert or replace these pages (the latest of each lot and language wins)."""
    latest = {(row["batch_id"], row["language"]): row for row in rows}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(LotPage)
    replaced = {name: statement.excluded[name] for name in _REPLACED}
    connection.execute(
        statement.on_conflict_do_update(index_elements=["batch_id", "language"], set_=replaced),
        [latest[key] for key in sorted(latest)],
    )


_REPLACED = ("lots", "versions", "stamp", "valid_through", "rendered_at", "html")


def _downstream_statement():
    anchor = select(Batch.id.label("batch_id")).where(
        Batch.id.in_(bindparam("lots", expanding=True))
    )
    reached = anchor.cte("downstream", recursive=True)
    reached = reached.union(
        select(BatchLink.child_id).join(reached, BatchLink.parent_id == reached.c.batch_id)
    )
    return select(reached.c.batch_id)


_DOWNSTREAM = _downstream_statement()


def forget(batch_ids: list[int] | None) -> None:
    """Delete the kept pages of these lots and of every lot made from them (all kept pages
    for None), in a transaction of its own: for when the store missed a change."""
    with db.engine.begin() as connection:
        if batch_ids is None:
            connection.execute(delete(LotPage))
            return
        reached = downstream(batch_ids, connection)
        connection.execute(delete(LotPage).where(LotPage.batch_id.in_(reached)))


def downstream(batch_ids: list[int], connection=None) -> list[int]:
    """These lots and every lot made from them, in id order (one recursive query)."""
    connection = connection if connection is not None else db.session.connection()
    return sorted(connection.execute(_DOWNSTREAM, {"lots": sorted(batch_ids)}).scalars())


def now() -> datetime:
    """The time a page is rendered at (aware UTC)."""
    return datetime.now(UTC)
