"""Bulk loading for the generators: PostgreSQL COPY in chunks, ids assigned up front.

Rows are buffered per table and copied in foreign-key order whenever a buffer
fills, so a national-scale run streams instead of holding everything in memory.
Events are buffered as ``PendingEvent``s; at each flush their CBV 2.0 event
hashes are computed in a process pool (the hash is the expensive part) and
each organization's chain is extended with ``trace.services.chain.link_hash``
itself, so the chains of generated data verify like recorded ones.
"""

import io
import json
import multiprocessing
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from multiprocessing.pool import AsyncResult
from types import SimpleNamespace

import psycopg2
from sqlalchemy import text

from core.extensions import db
from epcis.capture.store import EVENT_COLUMNS
from gs1.event_hash import event_hash
from trace.models import EventKind, LineRole
from trace.services.chain import EPCIS_CONTEXT_URL, HASH_VERSION, link_hash

COLUMNS: dict[str, list[str]] = {
    "organizations": [
        "id",
        "kind",
        "name",
        "short_name",
        "registration_code",
        "admin_unit_id",
        "sector",
        "status",
        "member_count",
        "search_text",
        "created_at",
        "updated_at",
    ],
    "users": [
        "id",
        "email",
        "full_name",
        "password_hash",
        "role",
        "organization_id",
        "active",
        "created_at",
    ],
    "member_households": [
        "id",
        "organization_id",
        "head_name",
        "admin_unit_id",
        "village",
        "member_type",
        "joined_on",
        "search_text",
        "created_at",
    ],
    "products": [
        "id",
        "organization_id",
        "name",
        "category",
        "gtin",
        "unit",
        "is_agricultural",
        "no_standard_declared",
        "active",
        "created_at",
    ],
    "sites": [
        "id",
        "organization_id",
        "kind",
        "name",
        "code",
        "admin_unit_id",
        "area_ha",
        "created_at",
    ],
    "site_households": ["site_id", "member_id"],
    "batches": [
        "id",
        "organization_id",
        "product_id",
        "lot_code",
        "public_code",
        "quantity",
        "unit",
        "harvest_date",
        "production_date",
        "expiry_date",
        "status",
        "created_by_id",
        "created_at",
    ],
    "batch_sites": ["batch_id", "site_id"],
    "batch_households": ["batch_id", "member_id", "quantity"],
    "trace_events": ["id", *EVENT_COLUMNS],
    "event_lines": ["id", "event_id", "batch_id", "role", "quantity", "kind"],
    "batch_links": ["id", "parent_id", "child_id", "event_id", "parent_quantity", "child_quantity"],
}
# Parents before children: a flush copies every buffer in this order.
FLUSH_ORDER = tuple(COLUMNS)
SERIAL_TABLES = (
    "organizations",
    "users",
    "member_households",
    "products",
    "sites",
    "batches",
    "trace_events",
    "event_lines",
    "batch_links",
)
MILLI = Decimal("0.001")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def qty(value) -> Decimal:
    """A quantity as the database gives it back (three decimals), so chain hashes match."""
    return Decimal(value).quantize(MILLI)


@dataclass
class PendingEvent:
    """An event waiting for its hash and chain place; ``lines`` are (batch_id, role, quantity)."""

    id: int
    organization_id: int
    kind: EventKind
    event_type: str
    event_time: datetime
    time_zone_offset: str
    location_code: str
    epcis: dict
    recorded_by_id: int | None
    site_id: int | None = None
    source_org_id: int | None = None
    destination_org_id: int | None = None
    reference_type: str | None = None
    reference: str | None = None
    lines: list[tuple[int, LineRole, Decimal | None]] = field(default_factory=list)
    links: list[tuple[int, int, Decimal | None, Decimal | None]] = field(default_factory=list)


def _hash_one(args: tuple[dict, list]) -> str:
    epcis, context = args
    return event_hash(epcis, context)


class Hasher:
    """CBV 2.0 event hashes in a pool of processes (one per CPU), computed in the background.

    Create it before the app opens database connections: the pool forks.
    """

    def __init__(self, processes: int | None = None):
        self._pool = multiprocessing.get_context("fork").Pool(processes)

    def start(self, epcis_list: list[dict], context: list) -> AsyncResult:
        """Start hashing; ``.get()`` on the answer gives each event's hash, in order."""
        chunk = max(1, len(epcis_list) // 64)
        pairs = [(epcis, context) for epcis in epcis_list]
        return self._pool.map_async(_hash_one, pairs, chunksize=chunk)

    def close(self) -> None:
        """Stop the worker processes."""
        self._pool.terminate()
        self._pool.join()


def _json(value) -> str:
    return _escape(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _escape(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_ESCAPES)
    return value


# COPY text format, by exact type: the common cases without an isinstance chain.
_FORMATS = {
    int: str,
    str: _escape,
    Decimal: str,
    float: repr,
    bool: lambda value: "t" if value else "f",
    type(None): lambda _value: "\\N",
    datetime: datetime.isoformat,
    date: date.isoformat,
    dict: _json,
    list: _json,
}


def _text(value) -> str:
    format_ = _FORMATS.get(type(value))
    return format_(value) if format_ else _escape(str(value))


class Loader:
    """Buffers rows per table and COPYs them in chunks inside the app's database session.

    Each chunk of events is hashed in the background while the next is generated.
    """

    def __init__(self, hasher: Hasher, namespace: dict[str, str], chunk_rows: int = 20_000):
        self.hasher, self.namespace, self.chunk_rows = hasher, namespace, chunk_rows
        self.context = [EPCIS_CONTEXT_URL, namespace]
        self.buffers: dict[str, list[tuple]] = {table: [] for table in COLUMNS}
        self.pending: list[PendingEvent] = []
        self.hashing: tuple[list[PendingEvent], AsyncResult] | None = None
        self.chains: dict[int, tuple[int, str | None]] = {}
        self.counts: dict[str, int] = dict.fromkeys(COLUMNS, 0)
        self._next = {table: self._max_id(table) + 1 for table in SERIAL_TABLES}
        self.triggers_off: bool | None = None

    @staticmethod
    def _max_id(table: str) -> int:
        return db.session.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar()

    def new_id(self, table: str) -> int:
        """The id the next row of ``table`` will carry."""
        value = self._next[table]
        self._next[table] = value + 1
        return value

    def add(self, table: str, *row) -> None:
        """Buffer one row, in ``COLUMNS[table]`` order."""
        self.buffers[table].append(row)
        if len(self.buffers[table]) >= self.chunk_rows:
            self.flush()

    def add_event(self, event: PendingEvent) -> None:
        """Buffer an event with its lines and genealogy links."""
        self.pending.append(event)
        if len(self.pending) >= self.chunk_rows:
            self.flush()

    def flush(self, wait: bool = False) -> None:
        """Start hashing the pending events; COPY what is ready, parents first, and commit.

        Events hashed since the last flush are chained and copied now; with ``wait``,
        also those whose hashing starts now.
        """
        ready, self.hashing = self.hashing, None
        if self.pending:
            started = self.hasher.start([event.epcis for event in self.pending], self.context)
            self.hashing, self.pending = (self.pending, started), []
        if ready:
            self._settle(*ready)
        if wait and self.hashing:
            self._settle(*self.hashing)
            self.hashing = None
        self._copy_buffers()

    def _copy_buffers(self) -> None:
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        if self.triggers_off is not False:
            self._triggers_off(cursor)
        for table in FLUSH_ORDER:
            rows = self.buffers[table]
            if rows:
                _copy(cursor, table, COLUMNS[table], rows)
                self.counts[table] += len(rows)
                self.buffers[table] = []
        cursor.close()
        db.session.commit()

    def _triggers_off(self, cursor) -> None:
        """Skip foreign-key triggers for this transaction, where the role may (superuser).

        Checking each foreign key row by row triples the time of a COPY; ``finish``
        checks them all afterwards, by one anti-join per constraint.
        """
        cursor.execute("SAVEPOINT triggers_off")
        try:
            cursor.execute("SET LOCAL session_replication_role = replica")
        except psycopg2.Error:
            cursor.execute("ROLLBACK TO SAVEPOINT triggers_off")
            self.triggers_off = False
        else:
            self.triggers_off = True

    def finish(self) -> None:
        """Flush the rest, check foreign keys, move the id sequences past the ids used, VACUUM.

        VACUUM (ANALYZE) leaves the tables as autovacuum leaves them after a bulk load in
        production: statistics, hint bits and the visibility map that index-only scans need.
        """
        self.flush(wait=True)
        dangling = dangling_references()
        if dangling:
            raise RuntimeError(f"generated rows point to rows that do not exist: {dangling}")
        for table in SERIAL_TABLES:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                )
            )
        db.session.commit()
        connection = db.session.connection().connection.dbapi_connection
        autocommit, connection.autocommit = connection.autocommit, True
        try:
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE)")
        finally:
            connection.autocommit = autocommit

    def _settle(self, events: list[PendingEvent], hashing: AsyncResult) -> None:
        for event, digest in zip(events, hashing.get(), strict=True):
            self._event_rows(event, digest)

    def _event_rows(self, event: PendingEvent, digest: str) -> None:
        seq, previous = self.chains.get(event.organization_id, (0, None))
        seq += 1
        chained = _chain_view(event, digest, seq, previous, self.namespace)
        chain_hash = link_hash(chained)
        self.chains[event.organization_id] = (seq, chain_hash)
        self.buffers["trace_events"].append(
            (
                event.id,
                event.organization_id,
                event.kind.value,
                event.event_type,
                event.epcis.get("bizStep"),
                event.event_time,
                event.time_zone_offset,
                event.site_id,
                event.location_code,
                event.source_org_id,
                event.destination_org_id,
                event.reference_type,
                event.reference,
                event.epcis,
                self.namespace,
                digest,
                None,  # epcis_event_id: the loader's events are our own, the hash is their ID
                event.recorded_by_id,
                event.event_time,
                seq,
                previous,
                chain_hash,
                HASH_VERSION,
            )
        )
        kind = event.kind.value
        for batch_id, role, quantity in event.lines:
            row = (self.new_id("event_lines"), event.id, batch_id, role.value, quantity, kind)
            self.buffers["event_lines"].append(row)
        for parent, child, parent_qty, child_qty in event.links:
            row = (self.new_id("batch_links"), parent, child, event.id, parent_qty, child_qty)
            self.buffers["batch_links"].append(row)


def dangling_references() -> dict[str, int]:
    """Rows of the loaded tables whose foreign key names no row, per constraint."""
    constraints = db.session.execute(
        text(
            "SELECT c.conname, c.conrelid::regclass::text, a.attname,"
            " c.confrelid::regclass::text, fa.attname"
            " FROM pg_constraint c"
            " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]"
            " JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]"
            " WHERE c.contype = 'f' AND cardinality(c.conkey) = 1"
            " AND c.conrelid::regclass::text = ANY(:tables)"
        ),
        {"tables": list(COLUMNS)},
    ).all()
    found = {}
    for name, table, column, parent, parent_column in constraints:
        count = db.session.execute(
            text(
                f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS"
                f" (SELECT 1 FROM {parent} p WHERE p.{parent_column} = t.{column})"
            )
        ).scalar()
        if count:
            found[name] = count
    return found


def _chain_view(event: PendingEvent, digest: str, seq: int, previous: str | None, namespace: dict):
    """What ``link_hash`` reads of a TraceEvent, without building an ORM object.

    As the row is copied: recorded at its event time, ``hash_version`` the column default.
    """
    return SimpleNamespace(
        hash_version=HASH_VERSION,
        event_type=event.event_type,
        biz_step=event.epcis.get("bizStep"),
        time_zone_offset=event.time_zone_offset,
        epcis=event.epcis,
        epcis_context=namespace,
        recorded_by_id=event.recorded_by_id,
        recorded_at=event.event_time,
        chain_prev=previous,
        organization_id=event.organization_id,
        chain_seq=seq,
        event_hash=digest,
        kind=event.kind,
        event_time=event.event_time,
        location_code=event.location_code,
        site_id=event.site_id,
        source_org_id=event.source_org_id,
        destination_org_id=event.destination_org_id,
        reference_type=event.reference_type,
        reference=event.reference,
        corrects_event_id=None,
        correction_reason=None,
        lines=[SimpleNamespace(batch_id=b, role=r, quantity=q) for b, r, q in event.lines],
    )


def _copy(cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_text(value) for value in row))
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
