"""Trace demo data: products, growing areas, harvests, a coffee processing chain, shipments.

Made through the trace services as each cooperative's user would make it, so
the demo shows complete and incomplete batches for real reasons.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.extensions import db
from core.text import fold
from registry.models import MemberHousehold, Organization, OrgKind, OrgStatus, Role, User
from trace import demo_pictures
from trace.inputs import (
    BatchInput,
    Contribution,
    HarvestInput,
    LineInput,
    OutputInput,
    ProductInput,
    ShippingInput,
    SiteInput,
    StandardInput,
    TransformationInput,
)
from trace.models import Batch
from trace.services import batches, events, products, sites

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# category: (keywords in an organization's main products, product name, unit, batch sizes,
# picture, what its growing area grows)
CROPS = {
    "coffee": (
        ("ca phe",),
        "Cà phê quả tươi Robusta",
        "kg",
        (4000, 12000),
        "coffee_cherries",
        "cà phê",
    ),
    "pepper": (("tieu",), "Hồ tiêu đen", "kg", (800, 3000), "pepper", "hồ tiêu"),
    "durian": (("sau rieng",), "Sầu riêng Ri6", "kg", (1500, 6000), "durian", "sầu riêng"),
    "passion_fruit": (
        ("chanh leo", "chanh day"),
        "Chanh leo tím",
        "kg",
        (1000, 5000),
        "passion_fruit",
        "chanh leo",
    ),
    "cashew": (("dieu",), "Hạt điều thô", "kg", (1000, 4000), "cashew", "điều"),
    "macadamia": (("mac ca",), "Hạt mắc ca", "kg", (500, 2000), "macadamia", "mắc ca"),
    "rice": (("lua", "gao"), "Lúa khô", "kg", (3000, 9000), "rice", "lúa"),
    "vegetables": (("rau",), "Rau an toàn", "kg", (200, 800), "vegetables", "rau an toàn"),
}
# The English page's names of the demo's products and of what their areas grow.
ENGLISH_NAMES = {
    "Cà phê quả tươi Robusta": "Fresh Robusta coffee cherries",
    "Cà phê nhân xanh Robusta": "Green Robusta coffee beans",
    "Cà phê rang xay nguyên chất": "Pure roasted ground coffee",
    "Hồ tiêu đen": "Black pepper",
    "Sầu riêng Ri6": "Ri6 durian",
    "Chanh leo tím": "Purple passion fruit",
    "Hạt điều thô": "Raw cashew nuts",
    "Hạt mắc ca": "Macadamia nuts",
    "Lúa khô": "Dried paddy rice",
    "Rau an toàn": "Safe vegetables",
}
GROWN_IN_ENGLISH = {
    "cà phê": "Coffee",
    "hồ tiêu": "Pepper",
    "sầu riêng": "Durian",
    "chanh leo": "Passion fruit",
    "điều": "Cashew",
    "mắc ca": "Macadamia",
    "lúa": "Rice",
    "rau an toàn": "Vegetable",
}
GTIN_BASE = "095201234"  # GS1's prefix 952 is reserved for examples


def gtin_for(item: int) -> str:
    """A valid example GTIN-14 under GS1's demonstration prefix 952."""
    body = f"{GTIN_BASE}{item:04d}"
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def crops_of(org: Organization) -> list[str]:
    """The demo categories an organization grows or buys, read from its main products (a
    cooperative has one; a fruit exporter buys durian and passion fruit)."""
    text = fold(org.main_products or org.name)
    return [
        category
        for category, (keywords, *_rest) in CROPS.items()
        if any(word in text for word in keywords)
    ]


def crop_of(org: Organization) -> str | None:
    """A cooperative's crop: the first demo category of its main products, if any."""
    return next(iter(crops_of(org)), None)


def buyers_of(crop: str | None, enterprises: list[Organization]) -> list[Organization]:
    """The enterprises that buy ``crop``: a coffee exporter buys from coffee cooperatives."""
    return [org for org in enterprises if crop in crops_of(org)]


def demo_actor(org: Organization) -> User:
    """The organization's first user, or an unsaved stand-in of it, to act in the demo."""
    user = db.session.scalar(select(User).where(User.organization_id == org.id).limit(1))
    return user or User(
        role=Role.COOPERATIVE,
        organization_id=org.id,
        organization=org,
        email="demo",
        full_name="demo",
        password_hash="",
    )


def _moment(day: date, hour: int = 8) -> datetime:
    return datetime.combine(day, time(hour), VIETNAM)


class TraceDemo:
    """Builds the trace demo for the registry's demo cooperatives."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.today = date.today()
        self.gtin_item = 0
        self.enterprises = list(
            db.session.scalars(
                select(Organization)
                .where(Organization.kind == OrgKind.ENTERPRISE)
                .order_by(Organization.id)
            )
        )
        self.counts = {"products": 0, "batches": 0, "events": 0}
        self.pictures: dict[str, str] = {}  # picture's name: the stored image's name

    def run(self) -> dict[str, int]:
        """Create the data for every active cooperative whose crop is known."""
        coops = db.session.scalars(
            select(Organization)
            .where(
                Organization.kind == OrgKind.COOPERATIVE, Organization.status == OrgStatus.ACTIVE
            )
            .order_by(Organization.id)
        ).all()
        first_coffee = True
        for org in coops:
            crop = crop_of(org)
            if crop is None:
                continue
            lots = self._harvests(org, crop)
            if crop == "coffee" and first_coffee and lots:
                self._coffee_chain(org, lots[0])
                first_coffee = False
            elif lots and self.enterprises:
                self._ship(org, lots[-1], Decimal(lots[-1].quantity) / 2)
        return self.counts

    def _product(
        self,
        user: User,
        category: str,
        name: str,
        unit: str,
        picture: str,
        *,
        shelf_life=None,
    ) -> int:
        self.gtin_item += 1
        values = ProductInput(
            name=name,
            name_en=ENGLISH_NAMES.get(name),
            category=category,
            unit=unit,
            is_agricultural=True,
            gtin=gtin_for(self.gtin_item) if self.gtin_item % 2 else None,
            shelf_life_days=shelf_life,
            standards=(
                StandardInput(
                    kind="vietgap",
                    certificate_number=f"VG-52-{self.gtin_item:04d}",
                    issuer="Trung tâm Kiểm nghiệm và Chứng nhận Gia Lai",
                    issued_on=self.today - timedelta(days=400),
                    expires_on=self.today + timedelta(days=700),
                ),
            ),
        )
        product = products.create_product(user, values)
        if picture in self.pictures:
            # The store keeps one copy of equal bytes: a later product of the kind names the
            # stored drawing as save_image would, without encoding it again.
            product.image_path = self.pictures[picture]
        else:
            stored = products.save_image(user, product.id, demo_pictures.picture(picture))
            self.pictures[picture] = stored.image_path
        self.counts["products"] += 1
        return product.id

    def _harvests(self, org: Organization, crop: str) -> list[Batch]:
        user = demo_actor(org)
        _keywords, name, unit, sizes, picture, grown = CROPS[crop]
        members = _current_members(org)
        if not members:
            return []
        product_id = self._product(user, crop, name, unit, picture)
        site = sites.create_site(
            user,
            SiteInput(
                name=f"Vùng trồng {grown} {org.admin_unit.name}",
                name_en=f"{GROWN_IN_ENGLISH[grown]} growing area, {org.admin_unit.name}",
                planting_area_code=f"VN-52-{crop[:2].upper()}-{org.id:04d}",
                admin_unit=org.admin_unit.code,
                area_ha=float(self.rng.randint(8, 60)),
                household_ids=[m.id for m in members[:6]],
            ),
        )
        lots = [self._harvest_lot(user, product_id, site.id, members, sizes, n) for n in range(3)]
        return lots

    def _harvest_lot(self, user, product_id, site_id, members, sizes, n) -> Batch:
        quantity = self.rng.randrange(sizes[0], sizes[1], 50)
        harvested = self.today - timedelta(days=60 - n * 15)
        chosen = self.rng.sample(members, min(len(members), self.rng.randint(2, 4)))
        shares = _split(quantity, len(chosen))
        batch = batches.create_batch(
            user,
            BatchInput(
                product_id=product_id,
                quantity=Decimal(quantity),
                harvest_date=harvested,
                site_ids=[site_id],
                households=[
                    Contribution(member_id=m.id, quantity=Decimal(q))
                    for m, q in zip(chosen, shares, strict=True)
                ],
            ),
        )
        events.record_event(
            user,
            HarvestInput(
                event_time=_moment(harvested, 7),
                site_id=site_id,
                lines=[LineInput(batch_id=batch.id)],
            ),
        )
        self.counts["batches"] += 1
        self.counts["events"] += 1
        return batch

    def _coffee_chain(self, org: Organization, cherries: Batch) -> None:
        """Cherries → green coffee → roasted coffee in two lots, one shipped under a contract."""
        user = demo_actor(org)
        green = self._product(user, "coffee", "Cà phê nhân xanh Robusta", "kg", "green_coffee")
        roasted = self._product(
            user, "coffee", "Cà phê rang xay nguyên chất", "kg", "roasted_coffee", shelf_life=365
        )
        day = cherries.harvest_date + timedelta(days=10)
        green_qty = (Decimal(cherries.quantity) / 5).quantize(Decimal(1))
        made = events.record_event(
            user,
            TransformationInput(
                transformation="processing",
                process_step="hulling",
                event_time=_moment(day),
                inputs=[LineInput(batch_id=cherries.id, quantity=Decimal(cherries.quantity))],
                outputs=[OutputInput(product_id=green, quantity=green_qty, production_date=day)],
            ),
        )
        green_lot = next(line.batch for line in made.lines if line.role.value == "output")
        roast_day = day + timedelta(days=7)
        roast_qty = (green_qty * Decimal("0.4")).quantize(Decimal(1))
        expiry = roast_day + timedelta(days=365)
        events.record_event(
            user,
            TransformationInput(
                transformation="processing",
                process_step="roasting",
                event_time=_moment(roast_day),
                inputs=[LineInput(batch_id=green_lot.id, quantity=green_qty)],
                outputs=[
                    OutputInput(
                        product_id=roasted,
                        quantity=roast_qty,
                        production_date=roast_day,
                        packing_date=roast_day,
                        expiry_date=expiry,
                    )
                    for _ in range(2)
                ],
            ),
        )
        self.counts["batches"] += 3
        self.counts["events"] += 2
        # The roasted lots are sold under a linkage contract by the linkage demo.

    def _ship(self, org, batch: Batch, quantity: Decimal, days_after=None) -> None:
        buyers = buyers_of(crop_of(org), self.enterprises)
        if not buyers:
            return
        buyer = buyers[org.id % len(buyers)]
        day = (days_after or batch.harvest_date or self.today - timedelta(days=5)) + timedelta(
            days=3
        )
        day = min(day, self.today)
        values = ShippingInput(
            event_time=_moment(day, 14),
            destination_org_id=buyer.id,
            lines=[LineInput(batch_id=batch.id, quantity=quantity.quantize(Decimal(1)))],
        )
        events.record_event(demo_actor(org), values)
        self.counts["events"] += 1


def _current_members(org: Organization) -> list[MemberHousehold]:
    return list(
        db.session.scalars(
            select(MemberHousehold)
            .where(MemberHousehold.organization_id == org.id, MemberHousehold.left_on.is_(None))
            .order_by(MemberHousehold.id)
        )
    )


def _split(total: int, parts: int) -> list[int]:
    base = total // parts
    shares = [base] * parts
    shares[-1] += total - base * parts
    return shares


def create_trace_demo(seed: int) -> dict[str, int]:
    """Create the trace demo data (call after the registry's demo); returns counts."""
    return TraceDemo(seed).run()
