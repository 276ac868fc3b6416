"""Linkage demo data: contracts in every state under several forms, with deliveries of demo lots.

About 40% of the demo's active agricultural cooperatives end up linked today, each with an
enterprise that buys its crop (a coffee exporter from coffee cooperatives, the rice miller
from rice ones). A contract's quantity follows from the deliveries made under it: a
completed one was delivered in full, an active one part-way and on pace (one is left
behind, so the home pages have a late contract to show), a terminated one part-way when it
stopped. The cooperatives record their deliveries, but one that a buyer recorded waits for
its cooperative to confirm it (shown on that cooperative's home page).
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from core.extensions import db
from linkage.inputs import DeliveryInput, DeliveryLineInput
from linkage.models import ContractState
from linkage.schemas import ContractInputSchema
from linkage.services import contracts, deliveries
from registry.models import MemberHousehold, Organization, OrgKind, OrgStatus, Role, Sector, User
from trace.demo import buyers_of, crop_of
from trace.models import Batch, BatchStatus, Product
from trace.services.quantities import held_quantities

# (share of cooperatives, outcome); the rest have no contract.
PLAN = [
    ("active", 0.40),
    ("draft", 0.06),
    ("expired", 0.04),
    ("terminated", 0.04),
    ("completed", 0.03),
]
FORMS = (3, 5, 1, 4, 2)
# Farm-gate price per kg, in thousands of VND (Gia Lai, 2025): fresh coffee cherries, dry
# black pepper, durian, passion fruit, raw cashew, macadamia in shell, dry paddy, greens.
PRICES = {
    "coffee": (20, 26),
    "pepper": (135, 155),
    "durian": (50, 80),
    "passion_fruit": (12, 22),
    "cashew": (29, 35),
    "macadamia": (40, 60),
    "rice": (7, 9),
    "vegetables": (8, 20),
}
TERMINATED_DAYS_AGO = 20


def _actor(org: Organization, role: Role) -> User:
    user = db.session.scalar(select(User).where(User.organization_id == org.id).limit(1))
    return user or User(
        role=role,
        organization=org,
        organization_id=org.id,
        email="demo",
        full_name="demo",
        password_hash="",
    )


def _terms(org: Organization) -> dict:
    return {
        "quality_standard": "Theo TCVN và tiêu chuẩn VietGAP của sản phẩm",
        "delivery_terms": f"Giao tại kho của {org.short_name or org.name}, theo lịch hằng tuần",
        "payment_terms": "Chuyển khoản trong 7 ngày sau mỗi lần giao",
        "input_advances": "Doanh nghiệp ứng phân bón đầu vụ, trừ dần vào tiền hàng",
        "rights_obligations": "Theo Điều 5 và Điều 6 của hợp đồng",
        "risk_sharing": "Hai bên chia sẻ thiệt hại khi mất mùa do thời tiết",
        "force_majeure": "Thiên tai, dịch bệnh được công bố",
        "breach_liability": "Bồi thường thiệt hại và phạt 8% giá trị phần vi phạm",
        "dispute_resolution": "Thương lượng; không thành thì Tòa án nhân dân tỉnh Gia Lai",
        "amendment_termination": "Sửa đổi bằng phụ lục; chấm dứt báo trước 30 ngày",
    }


class LinkageDemo:
    """Builds contracts between the demo's enterprises and the cooperatives of their crops."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.today = date.today()
        self.counts = {"contracts": 0, "deliveries": 0}
        self.pending_made = False
        self.late_made = False
        self.members: dict[int, tuple[int, float]] = {}

    def run(self) -> dict[str, int]:
        """Create the contracts and deliveries; returns counts."""
        enterprises = list(
            db.session.scalars(
                select(Organization)
                .where(Organization.kind == OrgKind.ENTERPRISE)
                .order_by(Organization.id)
            )
        )
        coops = list(
            db.session.scalars(
                select(Organization)
                .where(
                    Organization.kind == OrgKind.COOPERATIVE,
                    Organization.status == OrgStatus.ACTIVE,
                    Organization.sector == Sector.AGRICULTURAL,
                )
                .order_by(Organization.id)
            )
        )
        # Only cooperatives whose crop some enterprise buys: no fruit exporter buys coffee.
        coops = [coop for coop in coops if buyers_of(crop_of(coop), enterprises)]
        if not coops:
            return self.counts
        self.members = _membership([coop.id for coop in coops])
        self.rng.shuffle(coops)
        # A cooperative with a login first: its active contract gets the delivery that
        # waits for it, which it sees on its home page.
        with_login = set(
            db.session.scalars(select(User.organization_id).where(User.role == Role.COOPERATIVE))
        )
        first = next((i for i, coop in enumerate(coops) if coop.id in with_login), 0)
        coops.insert(0, coops.pop(first))
        start, turns = 0, {}
        for outcome, share in PLAN:
            chosen = coops[start : start + max(1, round(share * len(coops)))]
            start += len(chosen)
            for n, coop in enumerate(chosen):
                crop = crop_of(coop)
                buyers = buyers_of(crop, enterprises)
                # Each crop's buyers take turns (two coffee companies share the coffee).
                turns[crop] = turns.get(crop, -1) + 1
                self._contract(coop, buyers[turns[crop] % len(buyers)], outcome, n)
        return self.counts

    def _contract(self, coop: Organization, buyer: Organization, outcome: str, n: int) -> None:
        lead, seller = _actor(buyer, Role.ENTERPRISE), _actor(coop, Role.COOPERATIVE)
        crop = crop_of(coop)
        start = self.today - timedelta(days=400 if outcome == "expired" else 120)
        end = start + timedelta(days=365)
        stock = _lots(coop, crop)
        planned = self._deliveries(stock, outcome, start)
        households, area = self._households(coop)
        values = {
            "number": f"{start.year}/HĐLK-{buyer.id:02d}-{coop.id:03d}",
            "linkage_form": FORMS[n % len(FORMS)],
            "lead_representative": f"Giám đốc {buyer.short_name or buyer.name}",
            "parties": [
                {
                    "organization_id": coop.id,
                    "representative": coop.representative or "Giám đốc HTX",
                    "households": households,
                }
            ],
            "items": [
                {
                    "category": crop,
                    "season": f"{start.year}/{str(end.year)[2:]}",
                    "due_from": start,
                    "due_to": end,
                    "quantity": self._quantity(outcome, planned, stock),
                    "unit": "kg",
                }
            ],
            "area_ha": area,
            "price_mechanism": "floor",
            "price_vnd": Decimal(self.rng.randint(*PRICES[crop]) * 1000),
            "price_formula": "Giá sàn hoặc giá thị trường tại thời điểm giao nếu cao hơn",
            "signed_on": start,
            "effective_from": start,
            "effective_to": end,
            **_terms(coop),
        }
        contract = contracts.create_contract(lead, ContractInputSchema().load(values))
        self.counts["contracts"] += 1
        contracts.confirm(lead, contract.id)
        if outcome == "draft":
            return  # signed by the enterprise only: does not count as linked
        contracts.confirm(seller, contract.id)
        for day, lines in planned:
            self._deliver(seller, contract, day, lines)
        if outcome == "active" and not self.pending_made and seller.id is not None:
            # The buyer records one more, which waits for the cooperative (its home page).
            self.pending_made = self._pending(lead, contract, stock, planned)
        if outcome == "terminated":
            contracts.end(
                seller,
                contract.id,
                ContractState.TERMINATED,
                "Doanh nghiệp ngừng thu mua",
                self.today - timedelta(days=TERMINATED_DAYS_AGO),
            )
        elif outcome == "completed":
            contracts.end(
                lead,
                contract.id,
                ContractState.COMPLETED,
                "Đã giao đủ sản lượng cam kết",
                self.today - timedelta(days=2),
            )

    def _deliveries(self, stock: list[tuple[Batch, Decimal]], outcome: str, start: date):
        """(day, [(lot, quantity)]) of each delivery to record: most of each lot the
        cooperative holds, a few days after the lot was made, before the contract ended; the
        later lots go together, so a contract has two deliveries at most."""
        if outcome in ("draft", "expired"):
            return []
        last = self.today - timedelta(
            days=TERMINATED_DAYS_AGO + 1 if outcome == "terminated" else 3
        )
        planned = []
        for lot, held in stock:
            made = lot.harvest_date or lot.production_date or start
            day = max(made + timedelta(days=self.rng.randint(2, 6)), start)
            quantity = _round_down(held * Decimal(str(self.rng.uniform(0.5, 0.85))), 50)
            if day <= last and quantity > 0:
                planned.append((day, [(lot, quantity)]))
        planned.sort(key=lambda entry: entry[0])
        if len(planned) > 2:
            rest = planned[1:]
            planned = [planned[0], (rest[-1][0], [line for _day, lines in rest for line in lines])]
        return planned

    def _quantity(self, outcome: str, planned, stock) -> Decimal:
        """The committed quantity that the deliveries bear out.

        Completed: exactly what was delivered. Active: part-way, ahead of the pace the rule
        of lateness asks (a third of the window has passed), except one contract left
        genuinely behind. Terminated: part-way when it stopped. Others: a few harvests' worth.
        """
        delivered = sum((q for _day, lines in planned for _lot, q in lines), Decimal(0))
        if outcome == "completed" and delivered:
            return delivered
        if outcome == "active" and delivered:
            share = self.rng.uniform(0.45, 0.65)
            if not self.late_made and self.pending_made:
                share, self.late_made = self.rng.uniform(0.12, 0.2), True
            return _round_up(delivered / Decimal(str(share)))
        if outcome == "terminated" and delivered:
            return _round_up(delivered / Decimal(str(self.rng.uniform(0.25, 0.4))))
        held = sum((held for _lot, held in stock), Decimal(0)) or Decimal(5000)
        return _round_up(held * Decimal(str(self.rng.uniform(1.5, 3))))

    def _pending(self, lead: User, contract, stock, planned) -> bool:
        """A delivery the buyer records from what is left of the newest lot (stays below
        the commitment once confirmed); True when there was something left."""
        if not stock:
            return False
        lot, held = stock[-1]
        used = sum((q for _d, lines in planned for x, q in lines if x.id == lot.id), Decimal(0))
        committed = Decimal(contract.items[0].quantity)
        delivered = sum((q for _d, lines in planned for _x, q in lines), Decimal(0))
        quantity = _round_down(min(held - used, (committed - delivered) / 2), 50)
        if quantity <= 0:
            return False
        self._deliver(lead, contract, self.today - timedelta(days=1), [(lot, quantity)])
        return True

    def _deliver(self, user: User, contract, day: date, lines) -> None:
        delivery = DeliveryInput(
            delivered_on=day,
            price_vnd=contract.price_vnd,
            lines=tuple(DeliveryLineInput(lot.id, quantity) for lot, quantity in lines),
        )
        deliveries.record_delivery(user, contract.id, delivery)
        self.counts["deliveries"] += 1

    def _households(self, coop: Organization) -> tuple[int, float]:
        """How many of the cooperative's households the contract covers, and their area."""
        count, area = self.members.get(coop.id, (0, 0.0))
        if not count:
            return 0, 0.0
        taking_part = self.rng.randint(max(1, count // 2), count)
        return taking_part, round(area * taking_part / count, 1)


def _lots(coop: Organization, crop: str) -> list[tuple[Batch, Decimal]]:
    """The cooperative's active lots of ``crop`` with what it still holds of each, oldest first."""
    lots = list(
        db.session.scalars(
            select(Batch)
            .join(Product, Product.id == Batch.product_id)
            .where(
                Batch.organization_id == coop.id,
                Batch.status == BatchStatus.ACTIVE,
                Product.category == crop,
            )
            .order_by(Batch.id)
        )
    )
    held = held_quantities([lot.id for lot in lots], coop.id)
    return [(lot, held[lot.id]) for lot in lots if held[lot.id] >= 100]


def _membership(org_ids: list[int]) -> dict[int, tuple[int, float]]:
    """Per cooperative: its current member households and their planted area (one query)."""
    rows = db.session.execute(
        select(
            MemberHousehold.organization_id,
            func.count(),
            func.coalesce(func.sum(MemberHousehold.planted_area_ha), 0),
        )
        .where(MemberHousehold.organization_id.in_(org_ids), MemberHousehold.left_on.is_(None))
        .group_by(MemberHousehold.organization_id)
    )
    return {org_id: (count, float(area)) for org_id, count, area in rows}


def _round_down(quantity: Decimal, step: int) -> Decimal:
    return Decimal(int(quantity // step) * step)


def _round_up(quantity: Decimal) -> Decimal:
    """Up to a round figure, as a contract names it: 100 kg, 500 kg or a tonne."""
    step = 1000 if quantity > 10_000 else 500 if quantity > 2_000 else 100
    return Decimal(-int(-quantity // step) * step)


def create_linkage_demo(seed: int) -> dict[str, int]:
    """Create the linkage demo (after the registry's and trace's demos); returns counts."""
    return LinkageDemo(seed).run()
