"""An in-memory ``rules.Ledger``: lots, sites, organizations and quantities held in dicts.

The rules read everything through the ledger, so with this one they run on plain objects
(transient ORM instances, never added to a session). ``add`` moves the quantities an accepted
event moves, as EPCIS capture's ``DocumentLedger`` does, so a sequence of events can be
checked with ``rules.check_document``.
"""

from collections import defaultdict
from decimal import Decimal
from itertools import count

from registry.models import Organization
from trace.inputs import BatchInput
from trace.models import Batch, BatchStatus, EventKind, LineRole, QuantityUnit, Site
from trace.services.rules import Checked, Ledger


class MemoryLedger(Ledger):
    """One world of lots, sites and organizations, and who holds how much of each lot."""

    def __init__(self):
        self.lots_by_id: dict[int, Batch] = {}
        self.sites: dict[int, Site] = {}
        self.orgs: dict[int, Organization] = {}
        self.held_by: dict[int, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        self.made: dict[int, Decimal] = defaultdict(Decimal)
        self.shipments: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
        self.new_lots: list[BatchInput] = []
        self._ids = count(1000)

    # Building the world ---------------------------------------------------------------------

    def add_org(self, org_id: int, name: str = "") -> Organization:
        self.orgs[org_id] = Organization(id=org_id, name=name or f"HTX {org_id}")
        return self.orgs[org_id]

    def add_site(self, site_id: int, org_id: int) -> Site:
        self.sites[site_id] = Site(id=site_id, organization_id=org_id, code=f"S{site_id}")
        return self.sites[site_id]

    def add_lot(
        self,
        batch_id: int,
        org_id: int,
        quantity: str = "100",
        status: BatchStatus = BatchStatus.DRAFT,
        **dates,
    ) -> Batch:
        self.lots_by_id[batch_id] = Batch(
            id=batch_id,
            organization_id=org_id,
            lot_code=f"LOT-{batch_id}",
            quantity=Decimal(quantity),
            unit=QuantityUnit.KG,
            status=status,
            **dates,
        )
        return self.lots_by_id[batch_id]

    def hold(self, org_id: int, batch_id: int, quantity: str) -> None:
        self.held_by[org_id][batch_id] = Decimal(quantity)

    def ship(self, source_id: int, org_id: int, batch_id: int, quantity: str) -> None:
        self.shipments[(org_id, source_id, batch_id)] += Decimal(quantity)

    # The Ledger interface -------------------------------------------------------------------

    def batches(self, ids: list[int]) -> list[Batch]:
        return [self.lots_by_id[i] for i in sorted(ids) if i in self.lots_by_id]

    def held(self, batch_ids: list[int], org_id: int) -> dict[int, Decimal]:
        return {i: self.held_by[org_id][i] for i in batch_ids}

    def produced(self, batch_ids: list[int]) -> dict[int, Decimal]:
        return {i: self.made[i] for i in batch_ids}

    def shipped_to(self, org_id: int, source_id: int, batch_ids: list[int]) -> dict[int, Decimal]:
        return {i: self.shipments[(org_id, source_id, i)] for i in batch_ids}

    def receipts_owed(self, org_id: int, source_id: int, batch_ids: list[int]) -> set[int]:
        return {i for i in batch_ids if self.shipments[(org_id, source_id, i)] > 0}

    def received(self, org_id: int, batch_ids: list[int]) -> set[int]:
        shipped = {batch for (to, _source, batch), qty in self.shipments.items() if to == org_id}
        held = {batch for batch, qty in self.held_by[org_id].items() if qty > 0}
        return {i for i in batch_ids if i in shipped | held}

    def site(self, site_id: int) -> Site | None:
        return self.sites.get(site_id)

    def organization(self, org_id: int) -> Organization | None:
        return self.orgs.get(org_id)

    def new_lot(self, user, values: BatchInput) -> Batch:
        self.new_lots.append(values)
        return self.add_lot(next(self._ids), user.organization_id, str(values.quantity))

    def add(self, checked: Checked) -> None:
        """Move what the event moves for the organization that recorded it."""
        for role, batch, quantity in checked.lines:
            holder = checked.source_org_id or batch.organization_id
            if checked.kind == EventKind.HARVEST or role == LineRole.OUTPUT:
                self.made[batch.id] += quantity
                self.held_by[batch.organization_id][batch.id] += quantity
            elif checked.kind == EventKind.SHIPPING:
                self.held_by[holder][batch.id] -= quantity
                self.ship(holder, checked.destination_org_id, batch.id, str(quantity))
            elif role == LineRole.INPUT:
                self.held_by[batch.organization_id][batch.id] -= quantity
