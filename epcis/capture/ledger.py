"""The rules' ledger for a whole captured document: read once, then kept in memory.

Lots (locked), sites and organizations come read up front; quantities start from the same SQL
as the API's checks (``trace.services.quantities``), read once for every lot, and move with
each event the document adds, so event 500 sees what events 1-499 shipped. The events are
kept as plain records (``Entry``) until one bulk insert.
"""

from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select

from core.errors import ValidationFailed
from core.extensions import db
from registry.models import Organization
from trace.models import Batch, EventKind, EventLine, LineRole, Site, TraceEvent
from trace.services.quantities import (
    held_quantities,
    not_erroneous,
    owed_receipt_counts,
    produced_quantities,
)
from trace.services.rules import Checked, Ledger, check_lots


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
    epcis_context = recorded_by_id = recorded_at = chain_prev = epcis_event_id = None

    def __init__(self, **columns):
        self.lines: list[EntryLine] = []
        for name, value in columns.items():
            setattr(self, name, value)


def held_change(kind: EventKind, role: LineRole) -> int:
    """+1, -1 or 0: how a line of the holder's own event moves what it holds.

    The Python twin of the CASE in ``quantities.held_quantities`` for the holder's own events
    (a ``DocumentLedger`` only moves the organization's own); a test checks the two agree.
    """
    if role == LineRole.OUTPUT or (kind == EventKind.HARVEST and role == LineRole.OBJECT):
        return 1
    if kind == EventKind.SHIPPING or role == LineRole.INPUT:
        return -1
    return 0


class DocumentLedger(Ledger):
    """One organization's ledger over a whole document, read once and then kept in Python.

    The lots (already read and locked, in id order), sites and organizations come in; each
    distinct list of lots is checked once; held and produced quantities are read for every
    lot at the first need, in one query each, and then moved by each accepted event (``add``),
    so event 500 sees what events 1-499 shipped. No query runs per event.
    """

    def __init__(self, org_id: int, batches: dict[int, Batch], sites: dict, organizations: dict):
        self.org_id, self._batches = org_id, batches
        self._sites, self._organizations = sites, organizations
        self._verdicts: dict[tuple, dict[int, Batch] | ValidationFailed] = {}
        self._added: list[Checked] = []
        self._held: dict[int, Decimal] | None = None
        self._produced: dict[int, Decimal] | None = None
        self._shipped: dict[int, dict[int, Decimal]] | None = None
        self._received: set[int] | None = None
        self._owed: Counter | None = None

    def lots(self, ids: list[int], field: str, org_id: int | None = None) -> dict[int, Batch]:
        """The batches, checked once per distinct list (recalls do not change mid-document)."""
        key = (tuple(ids), field, org_id)
        verdict = self._verdicts.get(key)
        if verdict is None:
            try:
                verdict = check_lots(ids, field, self, org_id)
            except ValidationFailed as refusal:
                verdict = refusal
            self._verdicts[key] = verdict
        if isinstance(verdict, ValidationFailed):
            raise ValidationFailed(verdict.message, verdict.errors)
        return verdict

    def batches(self, ids: list[int]) -> list[Batch]:
        """The batches among those read (and locked) up front, in id order as the database's."""
        return [self._batches[i] for i in sorted(ids) if i in self._batches]

    def held(self, batch_ids: list[int], org_id: int) -> dict[int, Decimal]:
        """What the organization holds now, this document's earlier events included."""
        if org_id != self.org_id:
            return super().held(batch_ids, org_id)
        if self._held is None:
            self._held = self._replayed(held_quantities(sorted(self._batches), org_id), 1, -1)
        return {batch_id: self._held[batch_id] for batch_id in batch_ids}

    def produced(self, batch_ids: list[int]) -> dict[int, Decimal]:
        """How much of each batch has been made, this document's events included."""
        if self._produced is None:
            self._produced = self._replayed(produced_quantities(sorted(self._batches)), 1, 0)
        return {batch_id: self._produced[batch_id] for batch_id in batch_ids}

    def shipped_to(self, org_id: int, source_id: int, batch_ids: list[int]) -> dict[int, Decimal]:
        """How much ``source_id`` shipped to the organization (stored shipments, all sources
        read in one query: the document's own events are never shipments to itself)."""
        if org_id != self.org_id:
            return super().shipped_to(org_id, source_id, batch_ids)
        if self._shipped is None:
            self._shipped = _shipped_by_source(org_id, sorted(self._batches))
        shipped = self._shipped.get(source_id, {})
        return {batch_id: shipped[batch_id] for batch_id in batch_ids if batch_id in shipped}

    def received(self, org_id: int, batch_ids: list[int]) -> set[int]:
        """Those of these batches ever shipped to the organization: read for every lot of the
        document in one query at the first need."""
        if org_id != self.org_id:
            return super().received(org_id, batch_ids)
        if self._received is None:
            self._received = super().received(org_id, sorted(self._batches))
        return self._received & set(batch_ids)

    def receipts_owed(self, org_id: int, source_id: int, batch_ids: list[int]) -> set[int]:
        """Those of these batches whose shipment from ``source_id`` awaits its receipt: read
        for every lot of the document at the first need, then closed by the document's own
        receipts (``add``)."""
        if org_id != self.org_id:
            return super().receipts_owed(org_id, source_id, batch_ids)
        if self._owed is None:
            ids = sorted(self._batches)
            self._owed = Counter()
            for start in range(0, len(ids), 500):
                self._owed.update(owed_receipt_counts(org_id, ids[start : start + 500]))
            for checked in self._added:
                _close_receipts(self._owed, checked)
        return {batch_id for batch_id in batch_ids if self._owed[(batch_id, source_id)] > 0}

    def site(self, site_id: int) -> Site | None:
        """A site read up front, else from the database."""
        return self._sites.get(site_id) or super().site(site_id)

    def organization(self, org_id: int) -> Organization | None:
        """An organization read up front, else from the database."""
        return self._organizations.get(org_id) or super().organization(org_id)

    def add(self, checked: Checked) -> None:
        """Account for an accepted event of the organization's."""
        self._added.append(checked)
        for figures, gain, loss in ((self._held, 1, -1), (self._produced, 1, 0)):
            if figures is not None:
                _move(figures, checked, gain, loss)
        if self._owed is not None:
            _close_receipts(self._owed, checked)

    def _replayed(self, stored: dict[int, Decimal], gain: int, loss: int) -> dict:
        figures = defaultdict(Decimal, stored)
        for checked in self._added:
            _move(figures, checked, gain, loss)
        return figures


def _close_receipts(owed: Counter, checked: Checked) -> None:
    """A receipt of the document closes one owed receipt of each of its lots."""
    if checked.kind != EventKind.RECEIVING:
        return
    for _role, batch, _quantity in checked.lines:
        owed[(batch.id, checked.source_org_id)] -= 1


def _move(figures: dict[int, Decimal], checked: Checked, gain: int, loss: int) -> None:
    """Add an event's lines to held (gain 1, loss -1) or produced (gain 1, loss 0) figures."""
    for role, batch, quantity in checked.lines:
        change = held_change(checked.kind, role)
        factor = gain if change > 0 else loss if change < 0 else 0
        if factor and quantity:
            figures[batch.id] += factor * quantity


def _shipped_by_source(org_id: int, batch_ids: list[int]) -> dict[int, dict[int, Decimal]]:
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
