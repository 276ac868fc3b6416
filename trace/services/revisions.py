"""Tamper evidence for lots: every change to a lot's master data is a chained revision.

After each ORM flush that changed a lot's master data (``MASTER_COLUMNS``), the lot's row
is read back as stored and written to ``batch_revisions``, chained per organization like
the events (``trace.services.chain``). Bulk UPDATEs of lots, which the flush does not see,
call ``record_revisions`` themselves (``recall.services.recalls``); a long run of flushes in
one transaction (a season import) writes one revision per lot at its end
(``deferred_revisions``). ``verify_revisions``
checks a chain; ``lots_off_record`` finds lots that no longer match their last revision.

A change made with a reason (a correction of a lot whose labels are printed) keeps it in the
revision's data as ``reason``, under the chain hash like the rest; the services put it in
``session.info["lot_reasons"]`` (lot id → reason) before they flush. Who made the change (the
signed-in user of the web request or the API token's user) is kept as ``by``, a user id; a
change made by a command or the worker has none.
"""

import hashlib
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from flask import g, has_request_context
from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import Session

from core.db import utcnow
from core.extensions import db
from registry.models import Organization
from trace.chain_models import BatchRevision
from trace.models import Batch, BatchHousehold, batch_sites
from trace.services.chain import canonical_json

# The lot's own data; not the statistics kept from it (traced, counted_on, quantity_kg).
# Its sites and households' contributions are in each revision too (``snapshot``).
MASTER_COLUMNS = (
    "organization_id",
    "product_id",
    "lot_code",
    "public_code",
    "quantity",
    "unit",
    "harvest_date",
    "production_date",
    "packing_date",
    "expiry_date",
    "status",
    "label_issued_at",
    "created_by_id",
    "created_at",
)


def _plain(value):
    """A column value as JSON that reads the same from SQLite and PostgreSQL."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if hasattr(value, "value"):  # an enum
        return value.value
    return value


def snapshot(row, site_ids=(), households=()) -> dict:
    """The master data of a lot row (anything with the ``MASTER_COLUMNS`` as attributes),
    with its sites' ids and its households' contributions ((member id, quantity) pairs)."""
    data = {name: _plain(getattr(row, name)) for name in MASTER_COLUMNS}
    data["site_ids"] = sorted(site_ids)
    data["households"] = sorted([member, _plain(quantity)] for member, quantity in households)
    return data


def _sites_and_households(connection, lot_ids):
    """Each lot's site ids and (member id, quantity) pairs: two queries over ``lot_ids`` (a list
    or a select of ids), grouped by lot."""
    sites, households = {}, {}
    for batch_id, site_id in connection.execute(
        select(batch_sites.c.batch_id, batch_sites.c.site_id).where(
            batch_sites.c.batch_id.in_(lot_ids)
        )
    ):
        sites.setdefault(batch_id, []).append(site_id)
    for batch_id, member_id, quantity in connection.execute(
        select(BatchHousehold.batch_id, BatchHousehold.member_id, BatchHousehold.quantity).where(
            BatchHousehold.batch_id.in_(lot_ids)
        )
    ):
        households.setdefault(batch_id, []).append((member_id, quantity))
    return sites, households


def revision_hash(revision) -> str:
    """SHA-256 over the previous link and everything stored in a revision."""
    parts = [
        revision.chain_prev or "",
        str(revision.organization_id),
        str(revision.chain_seq),
        str(revision.batch_id),
        _plain(revision.recorded_at),
        canonical_json(revision.data),
    ]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def record_revisions(batch_ids, connection=None, reasons=None) -> int:
    """Write a revision of each of these lots, as stored now; return how many. ``reasons``
    (lot id → text) says why some of them changed.

    Three statements whatever the number of lots: the lots read, their organizations'
    rows locked with their chains' last links, and one INSERT.
    """
    ids = sorted(set(batch_ids))
    if not ids:
        return 0
    connection = connection or db.session.connection()
    columns = [getattr(Batch, name) for name in MASTER_COLUMNS]
    lots = connection.execute(select(Batch.id, *columns).where(Batch.id.in_(ids))).all()
    sites, households = _sites_and_households(connection, ids)
    org_ids = sorted({lot.organization_id for lot in lots})
    # The same lock as the event chain's: two writers of one organization take turns.
    connection.execute(
        select(Organization.id)
        .where(Organization.id.in_(org_ids))
        .order_by(Organization.id)
        .with_for_update(key_share=True)
    )
    heads = {
        row.organization_id: (row.chain_seq, row.chain_hash) for row in _heads(connection, org_ids)
    }
    recorded, by = utcnow(), acting_user_id()
    rows = []
    for lot in lots:
        seq, previous = heads.get(lot.organization_id, (0, None))
        data = snapshot(lot, sites.get(lot.id, ()), households.get(lot.id, ()))
        if reasons and reasons.get(lot.id):
            data["reason"] = reasons[lot.id]
        if by is not None:
            data["by"] = by
        revision = BatchRevision(
            organization_id=lot.organization_id,
            batch_id=lot.id,
            data=data,
            recorded_at=recorded,
            chain_seq=seq + 1,
            chain_prev=previous,
        )
        revision.chain_hash = revision_hash(revision)
        heads[lot.organization_id] = (revision.chain_seq, revision.chain_hash)
        rows.append(
            {
                column: getattr(revision, column)
                for column in (
                    "organization_id",
                    "batch_id",
                    "data",
                    "recorded_at",
                    "chain_seq",
                    "chain_prev",
                    "chain_hash",
                )
            }
        )
    connection.execute(insert(BatchRevision.__table__), rows)
    return len(rows)


def acting_user_id() -> int | None:
    """The id of the user a request acts for: the API token's, else the signed-in one."""
    if not has_request_context():
        return None
    # g._login_user is Flask-Login's user once loaded: reading it never queries (this runs
    # inside a flush), and a request that writes has always loaded its user first.
    user = getattr(g, "api_user", None) or g.get("_login_user")
    return getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None


def _heads(connection, org_ids):
    last = (
        select(BatchRevision.organization_id, func.max(BatchRevision.chain_seq).label("seq"))
        .where(BatchRevision.organization_id.in_(org_ids))
        .group_by(BatchRevision.organization_id)
        .subquery()
    )
    return connection.execute(
        select(
            BatchRevision.organization_id, BatchRevision.chain_seq, BatchRevision.chain_hash
        ).join(
            last,
            (last.c.organization_id == BatchRevision.organization_id)
            & (last.c.seq == BatchRevision.chain_seq),
        )
    )


@dataclass
class BrokenRevision:
    """The first revision of a chain, or the lot, that no longer matches what is stored."""

    organization_id: int
    batch_id: int
    revision_id: int | None
    chain_seq: int | None
    problem: str


def verify_revisions(organization_id: int) -> BrokenRevision | None:
    """Recompute one organization's chain of lot revisions; return the first broken one."""
    rows = db.session.scalars(
        select(BatchRevision)
        .where(BatchRevision.organization_id == organization_id)
        .order_by(BatchRevision.chain_seq)
        .execution_options(yield_per=1000)
    )
    previous, expected = None, 1
    for revision in rows:
        problem = None
        if revision.chain_seq != expected:
            problem = (
                f"sequence {revision.chain_seq} where {expected} was expected"
                " (a revision is missing)"
            )
        elif revision.chain_prev != previous:
            problem = "does not point to the previous revision's hash"
        elif revision_hash(revision) != revision.chain_hash:
            problem = "the revision's data no longer matches its chain hash"
        if problem:
            rows.close()
            return BrokenRevision(
                organization_id, revision.batch_id, revision.id, revision.chain_seq, problem
            )
        previous, expected = revision.chain_hash, expected + 1
    return None


def lots_off_record(org_ids=None) -> list[BrokenRevision]:
    """Lots whose stored master data is not their latest revision's (the first per organization).

    One streamed pass over the lots joined to their latest revisions; a lot with no revision
    was written around the services, and a revision whose lot is gone names a deleted lot.
    """
    latest = (
        select(func.max(BatchRevision.id).label("id")).group_by(BatchRevision.batch_id).subquery()
    )
    revision = (
        select(BatchRevision).join(latest, latest.c.id == BatchRevision.id).subquery("revision")
    )
    columns = [getattr(Batch, name) for name in MASTER_COLUMNS]
    lots = (
        select(
            Batch.id,
            *columns,
            revision.c.id.label("revision_id"),
            revision.c.organization_id.label("revision_org"),
            revision.c.chain_seq,
            revision.c.data,
        )
        .outerjoin(revision, revision.c.batch_id == Batch.id)
        .order_by(Batch.id)
    )
    gone = (
        select(revision.c.id, revision.c.batch_id, revision.c.organization_id, revision.c.chain_seq)
        .outerjoin(Batch, Batch.id == revision.c.batch_id)
        .where(Batch.id.is_(None))
        .order_by(revision.c.batch_id)
    )
    if org_ids:
        lots = lots.where(
            (Batch.organization_id.in_(org_ids)) | (revision.c.organization_id.in_(org_ids))
        )
        gone = gone.where(revision.c.organization_id.in_(org_ids))
    # The lots' sites and households, streamed in lot order beside the lots.
    sites = select(batch_sites.c.batch_id, batch_sites.c.site_id).order_by(batch_sites.c.batch_id)
    households = select(
        BatchHousehold.batch_id, BatchHousehold.member_id, BatchHousehold.quantity
    ).order_by(BatchHousehold.batch_id)
    if org_ids:
        lot_ids = select(lots.subquery().c.id)
        sites = sites.where(batch_sites.c.batch_id.in_(lot_ids))
        households = households.where(BatchHousehold.batch_id.in_(lot_ids))
    sites, households = _Merged(sites), _Merged(households)
    found: dict[int, BrokenRevision] = {}
    for lot in db.session.execute(lots.execution_options(yield_per=1000)):
        stored = snapshot(lot, [row[0] for row in sites.take(lot.id)], households.take(lot.id))
        if lot.revision_id is None:
            problem = "the lot has no recorded revision (written around the services)"
        else:
            changed = [name for name, value in stored.items() if lot.data.get(name) != value]
            if not changed:
                continue
            problem = "changed without a revision: " + ", ".join(changed)
        org = lot.revision_org or lot.organization_id
        found.setdefault(org, BrokenRevision(org, lot.id, lot.revision_id, lot.chain_seq, problem))
    for row in db.session.execute(gone):
        found.setdefault(
            row.organization_id,
            BrokenRevision(
                row.organization_id,
                row.batch_id,
                row.id,
                row.chain_seq,
                "the lot was deleted without a revision",
            ),
        )
    return [found[org] for org in sorted(found)]


class _Merged:
    """Rows ``(batch_id, values…)`` of a query ordered by lot, taken one lot at a time."""

    def __init__(self, query):
        rows = db.session.execute(query.execution_options(yield_per=1000))
        self._groups = itertools.groupby(rows, key=lambda row: row[0])
        self._next = next(self._groups, None)

    def take(self, batch_id: int) -> list[tuple]:
        """The values of this lot's rows (none if it has none); lots must come in order."""
        while self._next is not None and self._next[0] < batch_id:
            self._next = next(self._groups, None)
        if self._next is None or self._next[0] != batch_id:
            return []
        values = [tuple(row[1:]) for row in self._next[1]]
        self._next = next(self._groups, None)
        return values


_LOT_RELATIONS = ("sites", "households")


def _changed_lot(obj) -> bool:
    state = inspect(obj)
    return any(
        state.attrs[name].history.has_changes() for name in (*MASTER_COLUMNS, *_LOT_RELATIONS)
    )


@event.listens_for(Session, "after_flush")
def _collect_changed_lots(session, _flush_context) -> None:
    # History is still there in after_flush; the rows are written in after_flush_postexec.
    changed = [
        obj.id
        for obj in (*session.new, *session.dirty)
        if isinstance(obj, Batch) and _changed_lot(obj)
    ]
    changed += [
        obj.batch_id
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, BatchHousehold)
    ]
    if changed:
        session.info.setdefault("lots_revised", set()).update(changed)


@contextmanager
def deferred_revisions(chunk: int = 2000) -> Iterator[None]:
    """Within: flushes note the lots they change instead of writing a revision after each;
    on a normal exit one revision of each lot is written, as it stands then.

    For thousands of flushes in one transaction (a season import): the states a lot passes
    through inside it are never committed, so the one it ends in is the one to chain.
    """
    session = db.session()
    session.info["revisions_deferred"] = pending = set()
    try:
        yield
    finally:
        session.info.pop("revisions_deferred", None)
    ids = sorted(pending)
    for start in range(0, len(ids), chunk):
        record_revisions(ids[start : start + chunk], reasons=session.info.get("lot_reasons"))


@event.listens_for(Session, "after_flush_postexec")
def _write_revisions(session, _flush_context) -> None:
    ids = session.info.pop("lots_revised", None)
    deferred = session.info.get("revisions_deferred")
    if ids and deferred is not None:
        deferred.update(ids)
    elif ids:
        reasons = session.info.get("lot_reasons")
        record_revisions(ids, connection=session.connection(), reasons=reasons)
