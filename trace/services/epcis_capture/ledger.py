"""The rules' ledger for a whole captured document: read once, then kept in memory.

Quantities start from the same SQL as the API's checks (``trace.services.quantities``) and
move with each event the document adds, so event 500 sees what events 1-499 shipped. The
events are kept as plain records (``Entry``) until one bulk insert.
"""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from sqlalchemy import func, select

from core.extensions import db
from registry.models import Organization
from trace.models import Batch, EventKind, EventLine, LineRole, Site, TraceEvent
from trace.services.epcis_capture.identifiers import Resolver
from trace.services.quantities import held_quantities, not_erroneous, produced_quantities
from trace.services.rules import Ledger

ZERO = Decimal(0)


def held_change(event: TraceEvent, line: EventLine) -> int:
    """+1, -1 or 0: how a line of the holder's own event moves what it holds.

    The in-memory twin of the CASE in ``quantities.held_quantities`` for the holder's own
    events (a captured document only holds the caller's); a test checks the two agree.
    """
    if line.role == LineRole.OUTPUT or (
        event.kind == EventKind.HARVEST and line.role == LineRole.OBJECT
    ):
        return 1
    if event.kind == EventKind.SHIPPING or line.role == LineRole.INPUT:
        return -1
    return 0


def makes(event: TraceEvent, line: EventLine) -> bool:
    """True when the line is production of its batch (harvest or transformation output)."""
    return line.role == LineRole.OUTPUT or (
        event.kind == EventKind.HARVEST and line.role == LineRole.OBJECT
    )


class EntryLine:
    """A line of an ``Entry``: what ``EventLine`` holds, without the ORM's bookkeeping."""

    __slots__ = ("batch_id", "role", "quantity")

    def __init__(self, batch_id: int, role: LineRole, quantity: Decimal | None):
        self.batch_id, self.role, self.quantity = batch_id, role, quantity


class Entry:
    """A captured event before the bulk insert: the columns of ``TraceEvent`` as attributes."""

    id: int | None = None
    organization_id: int
    kind: EventKind
    event_type: str
    event_time: datetime
    biz_step = site_id = source_org_id = destination_org_id = None
    reference_type = reference = corrects_event_id = correction_reason = None
    epcis_context = recorded_by_id = recorded_at = chain_prev = None

    def __init__(self, **columns):
        self.lines: list[EntryLine] = []
        for name, value in columns.items():
            setattr(self, name, value)


class MemoryLedger(Ledger):
    """Batches and quantities of one organization's document, tracked as its events pass."""

    def __init__(self, org_id: int, resolver: Resolver):
        self.org_id, self.resolver = org_id, resolver
        self._batches = resolver.batches
        self._ids = sorted(self._batches)
        self._added: list[Entry] = []

    # Each figure is read from the database the first time a recorder asks for it (a
    # document of receipts never needs what was produced), then the events already
    # accepted are replayed onto it.
    @cached_property
    def _held(self) -> dict[int, Decimal]:
        held = defaultdict(Decimal, held_quantities(self._ids, self.org_id) if self._ids else {})
        for event in self._added:
            _move_held(held, event)
        return held

    @cached_property
    def _produced(self) -> dict[int, Decimal]:
        produced = defaultdict(Decimal, produced_quantities(self._ids) if self._ids else {})
        for event in self._added:
            _move_produced(produced, event)
        return produced

    @cached_property
    def _shipped(self) -> dict[int, dict[int, Decimal]]:
        return _shipped_to_org(self.org_id, self._ids)

    def batches(self, ids: list[int]) -> list[Batch]:
        """The batches among those read up front (already locked)."""
        return [self._batches[i] for i in sorted(ids) if i in self._batches]

    def held(self, batch_ids: list[int], org_id: int) -> dict[int, Decimal]:
        """What the organization holds now, this document's earlier events included."""
        if org_id != self.org_id:
            return super().held(batch_ids, org_id)
        return {batch_id: self._held[batch_id] for batch_id in batch_ids}

    def produced(self, batch_ids: list[int]) -> dict[int, Decimal]:
        """How much of each batch has been made, this document's events included."""
        return {batch_id: self._produced[batch_id] for batch_id in batch_ids}

    def shipped_to(self, org_id: int, source_id: int, batch_ids: list[int]) -> dict[int, Decimal]:
        """How much ``source_id`` shipped to the organization (from stored events)."""
        if org_id != self.org_id:
            return super().shipped_to(org_id, source_id, batch_ids)
        shipped = self._shipped.get(source_id, {})
        return {batch_id: shipped[batch_id] for batch_id in batch_ids if batch_id in shipped}

    def site(self, site_id: int) -> Site | None:
        """A site the document named (read up front), else from the database."""
        return self.resolver.sites_by_id.get(site_id) or super().site(site_id)

    def organization(self, org_id: int) -> Organization | None:
        """An organization the document named (read up front), else from the database."""
        return self.resolver.parties_by_id.get(org_id) or super().organization(org_id)

    def add(self, event: Entry) -> None:
        """Account for an accepted event of the organization's."""
        self._added.append(event)
        if "_held" in self.__dict__:
            _move_held(self._held, event)
        if "_produced" in self.__dict__:
            _move_produced(self._produced, event)


def _move_held(held: dict[int, Decimal], event: Entry) -> None:
    for line in event.lines:
        held[line.batch_id] += held_change(event, line) * (line.quantity or ZERO)


def _move_produced(produced: dict[int, Decimal], event: Entry) -> None:
    for line in event.lines:
        if makes(event, line):
            produced[line.batch_id] += line.quantity or ZERO


def _shipped_to_org(org_id: int, batch_ids: list[int]) -> dict[int, dict[int, Decimal]]:
    """{source organization: {batch: quantity}} of live shipments to ``org_id``."""
    shipped: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for start in range(0, len(batch_ids), 500):
        rows = db.session.execute(
            select(TraceEvent.organization_id, EventLine.batch_id, func.sum(EventLine.quantity))
            .join(TraceEvent, TraceEvent.id == EventLine.event_id)
            .where(
                EventLine.batch_id.in_(batch_ids[start : start + 500]),
                TraceEvent.kind == EventKind.SHIPPING,
                TraceEvent.destination_org_id == org_id,
                not_erroneous(),
            )
            .group_by(TraceEvent.organization_id, EventLine.batch_id)
        )
        for source_id, batch_id, total in rows:
            shipped[source_id][batch_id] = Decimal(total or 0)
    return shipped
