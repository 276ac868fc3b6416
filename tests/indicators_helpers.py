"""Fixtures for indicator tests: a small province counted by hand (see ``paper``)."""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from core.extensions import db
from linkage.models import Contract, ContractItem, ContractParty, ContractState, PartyRole
from registry.models import User
from trace.inputs import (
    BatchInput,
    Contribution,
    HarvestInput,
    LineInput,
    ProductInput,
    SiteInput,
)
from trace.services import batches, events, products, sites

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
C1, C2 = "23677", "23941"  # Xã Đak Đoa, Xã Chư Sê (Gia Lai, 52)
HANOI_WARD = "00004"  # Phường Ba Đình, Hà Nội: outside the province


class Builder:
    """Makes products, lots and contracts for one test through the trace services."""

    def __init__(self, make_org, make_user, make_member):
        self.make_org, self.make_user, self.make_member = make_org, make_user, make_member
        self.users, self.sites, self.members = {}, {}, {}

    def org(self, kind="cooperative", commune=C1, **values):
        org_id = self.make_org(kind, commune=commune, address="Thôn 1", **values)
        if kind != "enterprise":
            self.members[org_id] = self.make_member(org_id, "Hộ thành viên", commune=commune)
        self.users[org_id] = self.make_user(
            "enterprise" if kind == "enterprise" else "cooperative", org_id
        )
        return org_id

    def user(self, org_id) -> User:
        return db.session.get(User, self.users[org_id])

    def product(self, org_id, name, category, unit="kg", image=True, **values):
        product = products.create_product(
            self.user(org_id),
            ProductInput(name=name, category=category, unit=unit, no_standard_declared=True),
        )
        product.image_path = f"{name}.png" if image else None
        for key, value in values.items():
            setattr(product, key, value)
        db.session.flush()
        return product.id

    def site(self, org_id):
        if org_id not in self.sites:
            self.sites[org_id] = sites.create_site(
                self.user(org_id),
                SiteInput(kind="growing_area", name=f"Vùng trồng {org_id}", admin_unit=C1),
            ).id
        return self.sites[org_id]

    def batch(self, org_id, product_id, day, quantity=100, label=True, harvest=True):
        """A lot harvested on ``day``: traced when labelled (and its product complete)."""
        user = self.user(org_id)
        batch = batches.create_batch(
            user,
            BatchInput(
                product_id=product_id,
                quantity=quantity,
                harvest_date=day,
                site_ids=[self.site(org_id)],
                households=[Contribution(member_id=self.members[org_id], quantity=quantity)],
            ),
        )
        if harvest:
            moment = datetime.combine(day, time(8), VIETNAM)
            events.record_event(
                user,
                HarvestInput(
                    event_time=moment,
                    site_id=self.site(org_id),
                    lines=[LineInput(batch_id=batch.id)],
                ),
            )
        if label:
            batch.label_issued_at = datetime.now(UTC)
        db.session.flush()
        return batch.id

    def contract(
        self, lead_id, coop_id, start, end, both_signed=True, number="HĐ-1", category="coffee"
    ):
        contract = Contract(
            number=number,
            lead_org_id=lead_id,
            linkage_form=3,
            state=ContractState.SIGNED if both_signed else ContractState.DRAFT,
            signed_on=start if both_signed else None,
            effective_from=start,
            effective_to=end,
        )
        signed = datetime.now(UTC)
        contract.parties = [
            ContractParty(organization_id=lead_id, role=PartyRole.LEAD, confirmed_at=signed),
            ContractParty(
                organization_id=coop_id,
                role=PartyRole.COOPERATIVE,
                confirmed_at=signed if both_signed else None,
            ),
        ]
        contract.items = [
            ContractItem(
                category=category,
                season=str(start.year),
                due_from=start,
                due_to=end,
                quantity=Decimal(1000),
                unit="kg",
            )
        ]
        db.session.add(contract)
        db.session.flush()
        return contract.id


@pytest.fixture
def builder(make_org, make_user, make_member):
    return Builder(make_org, make_user, make_member)


@pytest.fixture
def paper(app, builder):
    """The province counted on paper (commune C1 = Đak Đoa, C2 = Chư Sê, X = Hà Nội).

    Organizations (agricultural unless said):
      E  enterprise (C1).
      A  cooperative, C1: contract with E signed by both, in force 2026-01-01..2026-12-31.
      B  cooperative, C1: contract with E signed by E only (a draft).
      C  cooperative, C2: contract with E signed by both, expired 2025-12-31
         (in force 2025-01-01..2025-12-31).
      D  cooperative, C2: suspended since 2026-03-01, no contract.
      F  cooperative, C2: no contract.
      G  cooperative group, C1: contract with E in force (counted beside, not in the rate).
      H  cooperative, C1, non-agricultural: never counted.
      X  cooperative, Hà Nội: no contract (outside the province).

    Linkage on 2026-06-15, province: counted A B C F (D suspended) = 4, linked A = 1 → 25%.
      C1: A B → 1/2; C2: C F → 0/2; groups in C1: 1, linked 1. Country: + X → 1/5.
    On 2025-06-30: A B C D F = 5, linked C = 1 → 20% (A's contract not yet in force).
    On 2026-02-15 in C2: C D F = 3, linked 0.

    Products (active, agricultural, with an image unless said) and lots (harvest dates):
      P1 A coffee kg : b1 2026-02-10 1000 kg traced, b2 2026-03-05 2000 kg traced → traced.
      P2 A pepper kg, NO IMAGE: b3 2026-03-20 500 kg (untraced: image) → not traced.
      P3 A durian: no lot at all → not traced.
      P4 B coffee kg : b4 2026-04-01 300 kg traced, b5 2026-04-15 200 kg NO LABEL,
         b6 2025-12-01 400 kg no label (outside the period) → not traced.
      P5 C coffee box: b7 2026-05-10 100 boxes traced → traced (not in kilograms).
      P6 D coffee: b10 2026-02-20 traced: D is suspended at the period's end → not counted.
      P7 F rice: b8 2026-02-01 left a draft (drafts are not lots yet) → not traced.
      P8 H (non-agricultural coop) coffee: not counted.
      P9 X coffee t : b9 2026-01-20 0.05 t = 50 kg traced (outside the province).
      P10 A coffee inactive, P11 A non-agricultural product: not counted.

    Traceability 2026-01-01..2026-06-30, province: products P1 P2 P3 P4 P5 P7 = 6,
      traced P1 P5 = 2 → 1/3; lots b1 b2 b3 b4 b5 b7 = 6, traced b1 b2 b4 b7 = 4;
      kg 1000+2000+500+300+200 = 4000, traced 1000+2000+300 = 3300.
      C1: 4 products, 1 traced; 5 lots, 3 traced; 4000 kg, 3300 traced.
      C2: 2 products (P5 P7), 1 traced; 1 lot, 1 traced; 0 kg.
      coffee: P1 P4 P5 → 2/3; pepper 0/1; durian 0/1; rice 0/1.
      By month (6 products each): 2026-02: b1 → 1 traced product, 1/1 lots;
      2026-03: b2 b3 → 1 (P1), 1/2 lots; 2026-04: b4 b5 → 0, 1/2 lots; 2026-05: b7 → 1, 1/1.
      Country: + P9 → 7 products, 3 traced; 7 lots, 5 traced; 4050 kg, 3350 traced.
    """
    b = builder
    with app.test_request_context():
        ids = SimpleNamespace()
        ids.E = b.org("enterprise", C1, name="Công ty E")
        ids.A = b.org(name="HTX A", phone="0905000001", main_products="Cà phê")
        ids.B = b.org(name="HTX B", phone="0905000002")
        ids.C = b.org(commune=C2, name="HTX C")
        ids.D = b.org(commune=C2, name="HTX D", status="suspended", status_since=date(2026, 3, 1))
        ids.F = b.org(commune=C2, name="HTX F")
        ids.G = b.org("cooperative_group", C1, name="THT G")
        ids.H = b.org(name="HTX H", sector="non_agricultural")
        ids.X = b.org(commune=HANOI_WARD, name="HTX X")
        b.contract(ids.E, ids.A, date(2026, 1, 1), date(2026, 12, 31), number="HĐ-A")
        b.contract(ids.E, ids.B, date(2026, 1, 1), date(2026, 12, 31), False, number="HĐ-B")
        b.contract(ids.E, ids.C, date(2025, 1, 1), date(2025, 12, 31), number="HĐ-C")
        b.contract(ids.E, ids.G, date(2026, 1, 1), date(2026, 12, 31), number="HĐ-G")

        ids.P1 = b.product(ids.A, "Cà phê A", "coffee")
        ids.P2 = b.product(ids.A, "Tiêu A", "pepper", image=False)
        ids.P3 = b.product(ids.A, "Sầu riêng A", "durian")
        ids.P4 = b.product(ids.B, "Cà phê B", "coffee")
        ids.P5 = b.product(ids.C, "Cà phê C", "coffee", unit="box")
        ids.P6 = b.product(ids.D, "Cà phê D", "coffee")
        ids.P7 = b.product(ids.F, "Gạo F", "rice")
        ids.P8 = b.product(ids.H, "Cà phê H", "coffee")
        ids.P9 = b.product(ids.X, "Cà phê X", "coffee", unit="t")
        ids.P10 = b.product(ids.A, "Cà phê cũ A", "coffee", active=False)
        ids.P11 = b.product(ids.A, "Phân bón A", "other", is_agricultural=False)

        ids.b1 = b.batch(ids.A, ids.P1, date(2026, 2, 10), 1000)
        ids.b2 = b.batch(ids.A, ids.P1, date(2026, 3, 5), 2000)
        ids.b3 = b.batch(ids.A, ids.P2, date(2026, 3, 20), 500)
        ids.b4 = b.batch(ids.B, ids.P4, date(2026, 4, 1), 300)
        ids.b5 = b.batch(ids.B, ids.P4, date(2026, 4, 15), 200, label=False)
        ids.b6 = b.batch(ids.B, ids.P4, date(2025, 12, 1), 400, label=False)
        ids.b7 = b.batch(ids.C, ids.P5, date(2026, 5, 10), 100)
        ids.b8 = b.batch(ids.F, ids.P7, date(2026, 2, 1), 100, label=False, harvest=False)
        ids.b9 = b.batch(ids.X, ids.P9, date(2026, 1, 20), Decimal("0.05"))
        ids.b10 = b.batch(ids.D, ids.P6, date(2026, 2, 20), 100)
        db.session.commit()
    ids.users = dict(b.users)
    return ids


# ==== "dash" block: the dashboard's scenario (web and browser tests of indicators/views) ====
# Appended by the dashboard's author; kept separate from the fixtures above.


@pytest.fixture
def dash_scenario(app, client, world, farm, linkage):
    """Cooperative A linked with enterprise X and one of its two products traced; cooperative
    B (another commune) not linked and without products; X bought both of A's lots.

    Made through the real API. Linkage 1/2; traceability 1/2 products, 1/2 batches.
    """
    import io

    from PIL import Image

    from registry.models import Organization

    with app.app_context():
        db.session.get(Organization, world["coop_a"]).address = "Thôn 3, xã Đak Đoa, Gia Lai"
        db.session.get(Organization, world["coop_b"]).phone = "0269 3820 111"
        db.session.commit()
    linkage.signed_contract()
    site = farm.site()
    traced_product = farm.product(name="Cà phê nhân xanh Robusta")
    image = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 80, 40)).save(image, "PNG")
    response = client.put(
        f"/api/v1/products/{traced_product['id']}/image",
        data={"image": (io.BytesIO(image.getvalue()), "anh.png")},
        headers=farm.headers,
    )
    assert response.status_code == 200, response.json
    traced = farm.batch(traced_product["id"], 500, site_ids=[site["id"]], expiry_date="2027-11-20")
    farm.harvest(traced["id"], site["id"])
    label = client.post(
        f"/api/v1/batches/{traced['id']}/label-prints",
        json={"layout": "roll-50x30"},
        headers=farm.headers,
    )
    assert label.status_code == 201, label.json
    untraced_product = farm.product(name="Hồ tiêu đen", category="pepper", standards=[])
    untraced = farm.batch(untraced_product["id"], 200, site_ids=[site["id"]])
    farm.harvest(untraced["id"], site["id"])
    farm.ship(traced["id"], 100, world["ent_x"], days_ago=1)
    farm.ship(untraced["id"], 50, world["ent_x"], days_ago=1)
    return {
        "traced_lot": traced["lot_code"],
        "untraced_lot": untraced["lot_code"],
        "traced_product": traced_product["id"],
        "untraced_product": untraced_product["id"],
    }


# ==== end of the "dash" block ====
