"""Storing a captured document's events at once: chained in memory, inserted in bulk.

On PostgreSQL the rows go in with COPY (ids drawn from the sequence first, for the lines);
elsewhere with one executemany INSERT per table.
"""

import enum
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from operator import attrgetter

from sqlalchemy import Table, insert, select, text
from sqlalchemy.exc import IntegrityError

from core.extensions import db
from epcis.capture.ledger import Entry
from registry.models import Organization
from trace.models import BatchLink, EventLine, LineRole, TraceEvent
from trace.services.chain import seal
from trace.services.completeness import refresh_traced
from trace.signals import announce_lots_changed

EVENT_COLUMNS = (
    "organization_id",
    "kind",
    "event_type",
    "biz_step",
    "event_time",
    "time_zone_offset",
    "site_id",
    "location_code",
    "source_org_id",
    "destination_org_id",
    "reference_type",
    "reference",
    "epcis",
    "epcis_context",
    "event_hash",
    "epcis_event_id",
    "recorded_by_id",
    "recorded_at",
    "chain_seq",
    "chain_prev",
    "chain_hash",
    "hash_version",
)
# Backslash first, so the backslashes the others add are not doubled again.
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))
_json = json.JSONEncoder(ensure_ascii=False).encode
_BLOCK = 200  # rows formatted at a time while COPY loads the previous ones
_READ_SIZE = 1 << 16


def store_all(org_id: int, events: list[Entry]) -> None:
    """Chain, insert and link ``events`` (all of ``org_id``), then flush the batches they changed.

    The same chain as ``chain.append_to_chain`` builds one event at a time: the organization's
    row is locked, its last link read once, and each event hashed onto the one before.
    """
    if not events:
        return
    recorded = datetime.now(UTC)
    for event in events:
        event.recorded_at = recorded  # before the chain: the link hash covers it
    _chain(org_id, events)
    columns = attrgetter(*EVENT_COLUMNS)
    rows = [dict(zip(EVENT_COLUMNS, columns(event), strict=True)) for event in events]
    ids = _insert_events(rows)
    lines, links = [], []
    for event_id, event in zip(ids, events, strict=True):
        event.id = event_id
        lines.extend(
            {
                "event_id": event_id,
                "batch_id": ln.batch_id,
                "role": ln.role,
                "quantity": ln.quantity,
                "kind": event.kind,
            }
            for ln in event.lines
        )
        links.extend(_links(event))
    _insert(EventLine.__table__, lines)
    _insert(BatchLink.__table__, links)
    # The rows above bypassed the ORM, whose flush announces them to the consumer pages
    # and keeps Batch.traced exact.
    announce_lots_changed({line["batch_id"] for line in lines})
    refresh_traced(
        batch_ids={line["batch_id"] for line in lines},
        event_ids={event.corrects_event_id for event in events if event.corrects_event_id},
    )
    db.session.flush()


def _chain(org_id: int, events: list[Entry]) -> None:
    db.session.execute(select(Organization.id).where(Organization.id == org_id).with_for_update())
    last = db.session.execute(
        select(TraceEvent.chain_seq, TraceEvent.chain_hash)
        .where(TraceEvent.organization_id == org_id)
        .order_by(TraceEvent.chain_seq.desc())
        .limit(1)
    ).first()
    seq, previous = (last.chain_seq, last.chain_hash) if last else (0, None)
    for event in events:
        seq += 1
        event.chain_seq, event.chain_prev = seq, previous
        seal(event)
        previous = event.chain_hash


def _links(event: Entry) -> list[dict]:
    """Genealogy edges of a transformation, as ``events.store_event`` links them."""
    inputs = [line for line in event.lines if line.role == LineRole.INPUT]
    outputs = [line for line in event.lines if line.role == LineRole.OUTPUT]
    return [
        {
            "parent_id": parent.batch_id,
            "child_id": child.batch_id,
            "event_id": event.id,
            "parent_quantity": parent.quantity,
            "child_quantity": child.quantity,
        }
        for parent in inputs
        for child in outputs
    ]


def _copies() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _insert_events(rows: list[dict]) -> list[int]:
    table = TraceEvent.__table__
    if not _copies():
        return db.session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        ).all()
    ids = db.session.scalars(
        text(
            "SELECT nextval(pg_get_serial_sequence('trace_events', 'id'))"
            " FROM generate_series(1, :n)"
        ),
        {"n": len(rows)},
    ).all()
    for row, event_id in zip(rows, ids, strict=True):
        row["id"] = event_id
    _copy(table, rows)
    return ids


def _insert(table: Table, rows: list[dict]) -> None:
    if not rows:
        return
    if _copies():
        _copy(table, rows)
    else:
        db.session.execute(insert(table), rows)


def _copy(table: Table, rows: list[dict]) -> None:
    """COPY the rows into ``table`` in the session's transaction (PostgreSQL's bulk load)."""
    columns = list(rows[0])
    data = _Stream(_copy_blocks(rows, columns))
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    dbapi = db.session.get_bind().dialect.loaded_dbapi
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.copy_expert(statement, data, size=_READ_SIZE)
    except dbapi.IntegrityError as clash:
        raise IntegrityError(statement, None, clash) from clash
    finally:
        cursor.close()


def _copy_blocks(rows: list[dict], columns: list[str]) -> Iterator[str]:
    """The rows in COPY's text format, a few hundred at a time."""
    for start in range(0, len(rows), _BLOCK):
        yield "".join(
            [
                "\t".join([_copy_text(row[column]) for column in columns]) + "\n"
                for row in rows[start : start + _BLOCK]
            ]
        )


class _Stream(io.TextIOBase):
    """A file COPY reads as the rows are written: the server loads one block while the next
    is formatted here, so the two processes work at the same time."""

    def __init__(self, blocks: Iterator[str]):
        self._blocks, self._buffer = blocks, ""

    def readable(self) -> bool:
        """Yes: COPY reads it."""
        return True

    def read(self, size: int | None = -1) -> str:
        """Up to ``size`` characters (all that is left when ``size`` is negative)."""
        while size is None or size < 0 or len(self._buffer) < size:
            block = next(self._blocks, None)
            if block is None:
                break
            self._buffer += block
        if size is None or size < 0:
            size = len(self._buffer)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    kind = type(value)
    if value is None:
        return "\\N"
    if kind is int:
        return str(value)
    if kind is str:
        text = value
    elif isinstance(value, enum.Enum):
        text = value.value
    elif kind is dict or kind is list:
        text = _json(value)
    elif isinstance(value, datetime):
        return value.isoformat()
    else:
        text = str(value)
    # Most values hold none of COPY's special characters: look before replacing.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        for raw, escaped in _COPY_ESCAPES:
            text = text.replace(raw, escaped)
    return text
