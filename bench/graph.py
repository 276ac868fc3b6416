"""The genealogy dataset: one harvest lot and the DAG of lots made from it.

A cooperative harvests the root lot; it and three enterprises then split,
merge (the cooperative also blends in lots of its own harvested on the side),
process and ship what they hold to one another, each receipt recorded by the
receiver, until the root's downstream graph has the requested number of lots.
Events are kept near the requested number by choosing a shipment (two events)
or a transformation (one event, 1–4 new lots) by the running ratio, then
topped up with inspections. Quantities are conserved, so no step uses or ships
more than its organization holds.
"""

import random
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from bench.generate import Clock, Factory, Lot, Org, progressbar
from bench.loader import MILLI, qty

MIN_HOLDING = Decimal(1)
ROOT_KG_PER_LOT = 200


@dataclass(eq=False)
class Holding:
    """How much of a lot one organization holds."""

    lot: Lot
    org: Org
    quantity: Decimal
    index: int = -1


class Holdings:
    """The positive holdings, with O(1) random pick and removal."""

    def __init__(self, rng: random.Random):
        self.items: list[Holding] = []
        self.rng = rng

    def add(self, lot: Lot, org: Org, quantity: Decimal) -> None:
        """Hold ``quantity`` of ``lot`` at ``org``, if it is worth using."""
        if quantity >= MIN_HOLDING:
            holding = Holding(lot, org, quantity, len(self.items))
            self.items.append(holding)

    def remove(self, holding: Holding) -> None:
        """Forget a holding that was used up."""
        last = self.items.pop()
        if last is not holding:
            self.items[holding.index] = last
            last.index = holding.index

    def pick(self) -> Holding:
        """A holding at random."""
        return self.items[self.rng.randrange(len(self.items))]

    def same_org(self, holding: Holding, wanted: int) -> list[Holding]:
        """Up to ``wanted`` holdings of other lots at the same organization, found by sampling."""
        found: list[Holding] = []
        for _ in range(wanted * 6):
            other = self.pick()
            lots = [holding.lot, *(f.lot for f in found)]
            if other.org is holding.org and all(other.lot is not lot for lot in lots):
                found.append(other)
                if len(found) == wanted:
                    break
        return found


class GraphBuilder:
    """Grows the downstream DAG of a root lot."""

    def __init__(self, factory: Factory, coop: Org, others: list[Org], target_events: int):
        self.factory, self.coop, self.others = factory, coop, others
        self.rng = factory.rng
        self.holdings = Holdings(self.rng)
        self.clock = Clock.spanning(400, int(target_events * 1.2) + 10)
        self.lots = 0
        self.events = 0
        self.deepest: Lot | None = None

    def root(self, target_lots: int) -> Lot:
        """Harvest the root lot and hold it."""
        quantity = qty(ROOT_KG_PER_LOT * target_lots)
        lot = self.factory.harvest(self.coop, quantity, self.clock.tick())
        self.holdings.add(lot, self.coop, quantity)
        self.lots, self.events, self.deepest = 1, 1, lot
        return lot

    def step(self, ratio: float, lots_left: int) -> int:
        """One shipment or transformation; returns the number of new lots."""
        holding = self.holdings.pick()
        if self.events < ratio * self.lots:
            self.ship(holding)
            return 0
        choice = self.rng.random()
        if choice < 0.5 and holding.quantity >= 2 * MIN_HOLDING and lots_left > 1:
            return self.split(holding, min(self.rng.randint(2, 4), lots_left))
        if choice < 0.75:
            return self.merge(holding)
        return self.process(holding)

    def ship(self, holding: Holding) -> None:
        """Ship part (or all) of a holding to another organization of the graph."""
        destination = self.rng.choice([o for o in self.parties if o is not holding.org])
        quantity = _part(holding.quantity, self.rng.uniform(0.3, 0.9))
        if holding.quantity - quantity < MIN_HOLDING:
            quantity = holding.quantity
        self.factory.ship(holding.org, destination, holding.lot, quantity, self.clock.tick())
        self._use(holding, quantity)
        self.holdings.add(holding.lot, destination, quantity)
        self.events += 2

    def split(self, holding: Holding, parts: int) -> int:
        """Split a holding into ``parts`` new lots."""
        share = _part(holding.quantity / parts, 1)
        return self._transform(
            holding.org, "splitting", [(holding, holding.quantity)], [share] * parts
        )

    def merge(self, holding: Holding) -> int:
        """Merge a holding with up to two others of its organization (and a side lot)."""
        inputs = [holding, *self.holdings.same_org(holding, self.rng.randint(1, 2))]
        if holding.org is self.coop and self.rng.random() < 0.5:
            inputs.append(self._side_lot())
        pairs = [(h, h.quantity) for h in inputs]
        total = sum((h.quantity for h in inputs), Decimal(0))
        return self._transform(holding.org, "merging", pairs, [total])

    def process(self, holding: Holding) -> int:
        """Process (dry, roast) a holding into one new lot with a 10 % loss."""
        out = _part(holding.quantity, 0.9)
        return self._transform(holding.org, "processing", [(holding, holding.quantity)], [out])

    def inspect(self) -> None:
        """Inspect a random holding (its holder records it)."""
        holding = self.holdings.pick()
        self.factory.inspect(holding.org, holding.lot, holding.quantity, self.clock.tick())
        self.events += 1

    @property
    def parties(self) -> list[Org]:
        """Every organization of the graph."""
        return [self.coop, *self.others]

    def _side_lot(self) -> Holding:
        """A lot the cooperative harvested on the side, used whole by a merge (index -1)."""
        quantity = qty(self.rng.randrange(500, 3_000))
        lot = self.factory.harvest(self.coop, quantity, self.clock.tick())
        return Holding(lot, self.coop, quantity)

    def _transform(self, org: Org, how: str, inputs, output_quantities) -> int:
        when = self.clock.tick()
        depth = 1 + max(h.lot.depth for h, _q in inputs)
        outputs = []
        for quantity in output_quantities:
            lot = self.factory.lot(org, quantity, when, harvested=False)
            lot.depth = depth
            outputs.append((lot, quantity))
        self.factory.transform(org, how, [(h.lot, q) for h, q in inputs], outputs, when)
        for holding, quantity in inputs:
            self._use(holding, quantity)
        for lot, quantity in outputs:
            self.holdings.add(lot, org, quantity)
        if depth > self.deepest.depth:
            self.deepest = outputs[0][0]
        self.events += 1
        self.lots += len(outputs)
        return len(outputs)

    def _use(self, holding: Holding, quantity: Decimal) -> None:
        holding.quantity -= quantity
        if holding.quantity < MIN_HOLDING and holding.index >= 0:
            self.holdings.remove(holding)
            holding.index = -1


def _part(quantity: Decimal, fraction: float) -> Decimal:
    return (quantity * Decimal(str(round(fraction, 3)))).quantize(MILLI, rounding=ROUND_DOWN)


def trace_graph(factory: Factory, lots: int, events: int) -> dict:
    """Build the DAG downstream of one root lot; return the ids the trace benchmark needs."""
    coop = factory.organization("cooperative", "HTX Cà phê Đăk Đoa (bench gốc)", members=3)
    others = [factory.organization("enterprise", f"Công ty chế biến {n} (bench)") for n in range(3)]
    builder = GraphBuilder(factory, coop, others, events)
    root = builder.root(lots)
    ratio = events / lots
    with progressbar(lots, "trace: genealogy DAG") as bar:
        while builder.lots < lots:
            bar.update(builder.step(ratio, lots - builder.lots))
        while builder.events < events:
            builder.inspect()
    leaf = builder.deepest
    owners = {org.id: org for org in builder.parties}
    return {
        "root_id": root.id,
        "root_user_id": coop.user_id,
        "leaf_id": leaf.id,
        "leaf_user_id": owners[leaf.organization_id].user_id,
        "leaf_depth": leaf.depth,
        "generated_lots": builder.lots,
        "generated_events": builder.events,
    }
