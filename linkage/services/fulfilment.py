"""Fulfilment: what was delivered and accepted against what was committed, per season.

``fulfilment`` is the one place a contract's schedule is judged: the list, the contract
page, the dashboards, the export and the API all read ``behind`` from it, so a contract
is late in one of them exactly when it is late in all.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from core.clock import vn_today
from linkage.models import Contract
from linkage.services.deliveries import delivered_totals
from linkage.services.lifecycle import status_on

# A season is "behind" when accepted deliveries trail the share of the commitment
# that the elapsed part of its delivery window would call for, by more than this.
TOLERANCE = Decimal("0.10")


@dataclass
class SeasonFulfilment:
    """One committed item of a contract and how far its deliveries have come."""

    item_id: int
    season: str
    category: str
    committed: Decimal
    delivered: Decimal
    accepted: Decimal
    expected_by_now: Decimal
    unit: str
    in_force: bool = True

    @property
    def share(self) -> float:
        """Accepted quantity as a share of the commitment (0–1, can pass 1)."""
        return float(self.accepted / self.committed) if self.committed else 0.0

    @property
    def behind(self) -> bool:
        """True when the contract is in force and its accepted deliveries trail the expected
        pace by more than the tolerance. A draft, a contract not yet started, and one that
        has ended (expired, completed, terminated) are never late."""
        return self.in_force and self.accepted < self.expected_by_now * (1 - TOLERANCE)


def _elapsed_share(start: date, end: date, today: date) -> Decimal:
    if today <= start:
        return Decimal(0)
    if today >= end:
        return Decimal(1)
    return Decimal((today - start).days) / Decimal((end - start).days or 1)


def fulfilment(
    contracts: list[Contract], today: date | None = None
) -> dict[int, list[SeasonFulfilment]]:
    """Per contract id, the fulfilment of each committed item (one aggregate query)."""
    today = today or vn_today()
    totals = delivered_totals([c.id for c in contracts])
    result = {}
    for contract in contracts:
        in_force = status_on(contract, today) == "active"
        rows = []
        for item in contract.items:
            delivered, accepted = totals.get(item.id, (Decimal(0), Decimal(0)))
            expected = Decimal(item.quantity) * _elapsed_share(item.due_from, item.due_to, today)
            rows.append(
                SeasonFulfilment(
                    item.id,
                    item.season,
                    item.category.value,
                    Decimal(item.quantity),
                    delivered,
                    accepted,
                    # Whole units: a pace, not a weighing ("12.822 kg", not "12.821,918 kg").
                    expected.quantize(Decimal("1")),
                    item.unit.value,
                    in_force,
                )
            )
        result[contract.id] = rows
    return result


def is_behind(rows: list[SeasonFulfilment]) -> bool:
    """True when any season of the contract is behind schedule."""
    return any(row.behind for row in rows)
