"""Linkage demo data: contracts in every state under several forms, with deliveries of demo lots.

About 40% of the demo's active agricultural cooperatives end up linked today. The
cooperatives record their deliveries, but one that a buyer recorded waits for its
cooperative to confirm it (shown on that cooperative's home page).
"""

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from core.extensions import db
from core.text import fold
from linkage.inputs import DeliveryInput, DeliveryLineInput
from linkage.models import ContractState
from linkage.schemas import ContractInputSchema
from linkage.services import contracts, deliveries
from registry.models import Organization, OrgKind, OrgStatus, Role, Sector, User
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
CATEGORY_WORDS = {
    "coffee": "ca phe",
    "pepper": "tieu",
    "durian": "sau rieng",
    "passion_fruit": "chanh",
    "cashew": "dieu",
    "macadamia": "mac ca",
    "rice": "lua",
    "vegetables": "rau",
}


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


def _category(org: Organization) -> str:
    text = fold(org.main_products or org.name)
    return next((cat for cat, word in CATEGORY_WORDS.items() if word in text), "coffee")


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
    """Builds contracts between the demo's enterprises and cooperatives."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.today = date.today()
        self.counts = {"contracts": 0, "deliveries": 0}
        self.pending_made = False

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
        if not enterprises or not coops:
            return self.counts
        self.rng.shuffle(coops)
        # A cooperative with a login first: its active contract gets the delivery that
        # waits for it, which it sees on its home page.
        with_login = set(
            db.session.scalars(select(User.organization_id).where(User.role == Role.COOPERATIVE))
        )
        first = next((i for i, coop in enumerate(coops) if coop.id in with_login), 0)
        coops.insert(0, coops.pop(first))
        start = 0
        for outcome, share in PLAN:
            chosen = coops[start : start + max(1, round(share * len(coops)))]
            start += len(chosen)
            for n, coop in enumerate(chosen):
                self._contract(coop, enterprises[(start + n) % len(enterprises)], outcome, n)
        return self.counts

    def _contract(self, coop: Organization, buyer: Organization, outcome: str, n: int) -> None:
        lead, seller = _actor(buyer, Role.ENTERPRISE), _actor(coop, Role.COOPERATIVE)
        start = self.today - timedelta(days=400 if outcome == "expired" else 120)
        end = start + timedelta(days=365)
        values = {
            "number": f"{start.year}/HĐLK-{buyer.id:02d}-{coop.id:03d}",
            "linkage_form": FORMS[n % len(FORMS)],
            "lead_representative": f"Giám đốc {buyer.short_name or buyer.name}",
            "parties": [
                {
                    "organization_id": coop.id,
                    "representative": coop.representative or "Giám đốc HTX",
                    "households": self.rng.randint(15, 80),
                }
            ],
            "items": [
                {
                    "category": _category(coop),
                    "season": f"{start.year}/{str(end.year)[2:]}",
                    "due_from": start,
                    "due_to": end,
                    "quantity": Decimal(self.rng.randrange(5, 60) * 1000),
                    "unit": "kg",
                }
            ],
            "area_ha": float(self.rng.randint(10, 120)),
            "price_mechanism": "floor",
            "price_vnd": Decimal(self.rng.randrange(20, 120) * 1000),
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
        if outcome in ("active", "completed"):
            # The cooperative records its deliveries (confirmed at once); on one active
            # contract of a cooperative with a login the buyer recorded it instead, so that
            # cooperative's home page has a delivery to confirm.
            by_buyer = outcome == "active" and not self.pending_made and seller.id is not None
            made = self._deliver(lead if by_buyer else seller, contract, coop)
            self.pending_made = self.pending_made or (by_buyer and made)
        if outcome == "terminated":
            contracts.end(
                seller,
                contract.id,
                ContractState.TERMINATED,
                "Doanh nghiệp ngừng thu mua",
                self.today - timedelta(days=20),
            )
        elif outcome == "completed":
            contracts.end(
                lead,
                contract.id,
                ContractState.COMPLETED,
                "Đã giao đủ sản lượng cam kết",
                self.today - timedelta(days=2),
            )

    def _deliver(self, user: User, contract, coop: Organization) -> bool:
        category = contract.items[0].category
        lots = list(
            db.session.scalars(
                select(Batch)
                .join(Product, Product.id == Batch.product_id)
                .where(
                    Batch.organization_id == coop.id,
                    Batch.status == BatchStatus.ACTIVE,
                    Product.category == category,
                )
                .order_by(Batch.id.desc())
                .limit(2)
            )
        )
        held = held_quantities([lot.id for lot in lots], coop.id)
        lines = [
            DeliveryLineInput(lot.id, (held[lot.id] / 2).quantize(Decimal(1)))
            for lot in lots
            if held[lot.id] >= 2
        ]
        if not lines:
            return False
        delivery = DeliveryInput(
            delivered_on=self.today - timedelta(days=3),
            price_vnd=contract.price_vnd,
            lines=tuple(lines[:1] if self.rng.random() < 0.5 else lines),
        )
        deliveries.record_delivery(user, contract.id, delivery)
        self.counts["deliveries"] += 1
        return True


def create_linkage_demo(seed: int) -> dict[str, int]:
    """Create the linkage demo (after the registry's and trace's demos); returns counts."""
    return LinkageDemo(seed).run()
