"""Data generators for the benchmarks: organizations, lots and their events, loaded by COPY.

Everything is valid for the app: every lot is made by a harvest or a
transformation, no organization uses or ships more of a lot than it holds,
receipts follow shipments, event hashes are real CBV 2.0 hashes and each
organization's events form a chain that ``trace.services.chain.verify_chain``
accepts. Three datasets are built:

- a listing stream: a big and a small cooperative plus background cooperatives,
  their harvest lots interleaved in id order (as they would be over time), part
  of them shipped to background enterprises;
- a genealogy DAG downstream of one root lot (``bench.graph``);
- lots shipped to one enterprise, for the EPCIS capture benchmark to receive.
"""

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace

import click

from bench.loader import Loader, PendingEvent, qty
from core.text import fold
from core.urls import base_url
from gs1.codes import CROCKFORD, location_uri
from registry.services.units import communes_of
from trace.models import EventKind, LineRole, QuantityUnit
from trace.services import epcis_build as build

VIETNAM = timezone(timedelta(hours=7))
NO_GTIN = SimpleNamespace(gtin=None)
SHIPPED_SHARE = 0.1  # of the listing lots, partly sold to a background enterprise
_PUBLIC_SALT = 0x5BD1E995
_PUBLIC_STEP = 0x9E3779B97F4A7C15  # odd: a bijection modulo 2**65, so codes never collide


@dataclass(frozen=True)
class Sizes:
    """How big each dataset is; the defaults finish the whole run in a few minutes."""

    trace_batches: int = 10_000
    trace_events: int = 20_000
    list_batches: int = 100_000
    list_small_batches: int = 100
    capture_events: int = 10_000
    background_coops: int = 20
    background_batches: int = 250
    big_lot_events: int = 20_000
    seed: int = 20261127


NATIONAL = Sizes(
    trace_batches=100_000,
    trace_events=200_000,
    list_batches=1_000_000,
    capture_events=50_000,
    background_coops=2_000,
    background_batches=500,
)


@dataclass
class Org:
    """A generated organization with what its events need: user, site, product, members."""

    id: int
    kind: str
    name: str
    user_id: int
    site_id: int
    site_code: str
    product_id: int
    member_ids: list[int]
    commune_code: str
    location: str

    @property
    def party(self):
        """What ``epcis_build.org_uri`` reads of an organization."""
        return SimpleNamespace(gln=None, id=self.id)


@dataclass
class Lot:
    """A generated batch: the fields ``epcis_build`` reads, plus its depth in a genealogy."""

    id: int
    organization_id: int
    lot_code: str
    public_code: str
    harvest_date: date | None = None
    expiry_date: date | None = None
    depth: int = 0
    # Class attributes, not fields: every generated product is sold by the kilogram, no GTIN.
    product = NO_GTIN
    unit = QuantityUnit.KG


@dataclass
class Clock:
    """Event times that advance by a fixed step, in Vietnam's offset."""

    now: datetime
    step: timedelta

    @classmethod
    def spanning(cls, days_ago: float, events: int) -> "Clock":
        """A clock starting ``days_ago`` that stays in the past for ``events`` ticks."""
        start = datetime.now(VIETNAM) - timedelta(days=days_ago)
        step = timedelta(days=days_ago * 0.9) / max(events, 1)
        return cls(start.replace(microsecond=0), step)

    def tick(self) -> datetime:
        """The next event time."""
        self.now += self.step
        return self.now.replace(microsecond=self.now.microsecond // 1000 * 1000)


@dataclass
class World:
    """Ids the benchmarks need, and what was generated."""

    sizes: Sizes
    listing: dict = field(default_factory=dict)
    trace: dict = field(default_factory=dict)
    capture: dict = field(default_factory=dict)
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0


class Factory:
    """Creates organizations, lots and events into a Loader."""

    def __init__(self, loader: Loader, rng: random.Random):
        self.loader, self.rng = loader, rng
        self.communes = [(unit.id, unit.code) for unit in communes_of(None)]
        self.created = datetime.now(UTC)
        self._invoices = itertools.count(1)

    def organization(self, kind: str, name: str, members: int = 1) -> Org:
        """An active organization with a user, a site, a product and (cooperatives) members."""
        loader, (unit_id, code) = self.loader, self.rng.choice(self.communes)
        org_id = loader.new_id("organizations")
        registration = f"BENCH-{org_id:06d}" if kind == "cooperative" else f"09{org_id:08d}"
        loader.add(
            "organizations",
            *(org_id, kind, name, None, registration, unit_id, "agricultural", "active"),
            *(members or None, fold(f"{name} {registration}"), self.created, self.created),
        )
        user_id = loader.new_id("users")
        role = "cooperative" if kind == "cooperative" else "enterprise"
        loader.add(
            "users",
            *(user_id, f"bench-{org_id}@example.vn", f"Người dùng {org_id}", "!", role, org_id),
            *(True, self.created),
        )
        member_ids = [self._member(org_id, unit_id, n) for n in range(members)]
        site_id, site_code = self._site(org_id, kind, unit_id, member_ids)
        product_id = self._product(org_id, kind)
        location = location_uri(base_url(), None, site_code)
        return Org(
            *(org_id, kind, name, user_id, site_id, site_code, product_id, member_ids, code),
            location,
        )

    def _member(self, org_id: int, unit_id: int, n: int) -> int:
        member_id = self.loader.new_id("member_households")
        name = f"Hộ Nguyễn Văn {org_id}-{n}"
        self.loader.add(
            "member_households",
            *(member_id, org_id, name, unit_id, "Làng Kon", "official", date(2020, 1, 1)),
            *(fold(name), self.created),
        )
        return member_id

    def _site(self, org_id: int, kind: str, unit_id: int, members: list[int]) -> tuple[int, str]:
        site_id = self.loader.new_id("sites")
        code = f"BS{site_id:08d}"
        site_kind = "growing_area" if kind == "cooperative" else "facility"
        self.loader.add(
            "sites",
            *(site_id, org_id, site_kind, f"Cơ sở {site_id}", code, unit_id, 12.5, self.created),
        )
        for member_id in members:
            self.loader.add("site_households", site_id, member_id)
        return site_id, code

    def _product(self, org_id: int, kind: str) -> int:
        product_id = self.loader.new_id("products")
        name = "Cà phê nhân xanh Robusta" if kind == "cooperative" else "Cà phê rang xay"
        self.loader.add(
            "products",
            *(product_id, org_id, name, "coffee", None, "kg", True, False, True, self.created),
        )
        return product_id

    def lot(self, org: Org, quantity: Decimal, when: datetime, harvested: bool) -> Lot:
        """A new active lot of the organization's product (harvest lot or transformation output)."""
        loader = self.loader
        lot_id = loader.new_id("batches")
        made = when.date()
        lot = Lot(lot_id, org.id, f"{made:%y%m%d}-{lot_id:08d}", public_code(lot_id))
        lot.harvest_date = made if harvested else None
        lot.expiry_date = made + timedelta(days=540)
        loader.add(
            "batches",
            *(lot_id, org.id, org.product_id, lot.lot_code, lot.public_code, quantity, "kg"),
            *(lot.harvest_date, None if harvested else made, lot.expiry_date, "active"),
            *(org.user_id, when),
        )
        if harvested:
            loader.add("batch_sites", lot_id, org.site_id)
            if org.member_ids:
                loader.add("batch_households", lot_id, org.member_ids[0], quantity)
        return lot

    def harvest(self, org: Org, quantity: Decimal, when: datetime) -> Lot:
        """A harvest lot and its harvest (commissioning) event."""
        lot = self.lot(org, quantity, when, harvested=True)
        ilmd = build.harvest_ilmd(lot, org.commune_code, len(org.member_ids))
        epcis = build.object_event(
            EventKind.HARVEST, when, "+07:00", org.location, [(lot, quantity)], {"ilmd": ilmd}
        )
        event = self._event(org, EventKind.HARVEST, "ObjectEvent", when, epcis)
        event.lines.append((lot.id, LineRole.OBJECT, quantity))
        self.loader.add_event(event)
        return lot

    def ship(
        self,
        source: Org,
        destination: Org,
        lot: Lot,
        quantity: Decimal,
        when: datetime,
        received: bool = True,
    ):
        """A shipment of part of a lot and (``received``) its receipt by the destination."""
        reference = f"HD-{next(self._invoices):08d}"
        steps = [(EventKind.SHIPPING, source, when)]
        if received:
            steps.append((EventKind.RECEIVING, destination, when + timedelta(hours=1)))
        for kind, actor, at in steps:
            extra = build.parties(source.party, destination.party)
            extra |= build.business_transaction("invoice", reference)
            epcis = build.object_event(kind, at, "+07:00", actor.location, [(lot, quantity)], extra)
            event = self._event(actor, kind, "ObjectEvent", at, epcis)
            event.source_org_id, event.destination_org_id = source.id, destination.id
            event.reference_type, event.reference = "invoice", reference
            event.lines.append((lot.id, LineRole.OBJECT, quantity))
            self.loader.add_event(event)

    def transform(self, org: Org, step: str, inputs, outputs, when: datetime) -> None:
        """A transformation: ``inputs`` and ``outputs`` are (Lot, quantity) pairs."""
        epcis = build.transformation_event(when, "+07:00", org.location, step, inputs, outputs, {})
        event = self._event(org, EventKind.TRANSFORMATION, "TransformationEvent", when, epcis)
        event.lines += [(lot.id, LineRole.INPUT, q) for lot, q in inputs]
        event.lines += [(lot.id, LineRole.OUTPUT, q) for lot, q in outputs]
        event.links = [(i.id, o.id, iq, oq) for i, iq in inputs for o, oq in outputs]
        self.loader.add_event(event)

    def inspect(self, org: Org, lot: Lot, quantity: Decimal, when: datetime) -> None:
        """An inspection of a lot the organization holds."""
        epcis = build.object_event(
            EventKind.INSPECTION,
            when,
            "+07:00",
            org.location,
            [(lot, quantity)],
            {"htx:result": "pass"},
        )
        event = self._event(org, EventKind.INSPECTION, "ObjectEvent", when, epcis)
        event.lines.append((lot.id, LineRole.OBJECT, quantity))
        self.loader.add_event(event)

    def _event(self, org: Org, kind, event_type: str, when: datetime, epcis: dict):
        return PendingEvent(
            id=self.loader.new_id("trace_events"),
            organization_id=org.id,
            kind=kind,
            event_type=event_type,
            event_time=when.astimezone(UTC),
            time_zone_offset="+07:00",
            location_code=org.location,
            epcis=epcis,
            recorded_by_id=org.user_id,
            site_id=org.site_id,
        )


def public_code(batch_id: int) -> str:
    """A 13-character Crockford code, distinct for every id (a bijection, not random)."""
    value = (batch_id * _PUBLIC_STEP + _PUBLIC_SALT) % (1 << 65)
    return "".join(CROCKFORD[(value >> shift) & 31] for shift in range(60, -5, -5))


def progressbar(length: int, label: str):
    """A click progress bar on stderr."""
    return click.progressbar(
        length=length, label=label.ljust(28), file=click.get_text_stream("stderr")
    )


def listing_stream(factory: Factory, sizes: Sizes) -> dict:
    """Harvest lots of a big, a small and the background cooperatives, interleaved in id order.

    A tenth of the lots are partly shipped to (and received by) a background enterprise.
    """
    rng = factory.rng
    big = factory.organization("cooperative", "HTX Cà phê Lớn (bench)", members=3)
    small = factory.organization("cooperative", "HTX Hồ tiêu Nhỏ (bench)", members=2)
    background = [
        factory.organization("cooperative", f"HTX nền {n} (bench)")
        for n in range(sizes.background_coops)
    ]
    buyers = [factory.organization("enterprise", f"Công ty thu mua {n} (bench)") for n in range(2)]
    owners = [big] * sizes.list_batches + [small] * sizes.list_small_batches
    owners += [org for org in background for _ in range(sizes.background_batches)]
    rng.shuffle(owners)
    clock = Clock.spanning(720, len(owners) * 2)
    with progressbar(len(owners), "listing: harvest lots") as bar:
        for owner in owners:
            quantity = qty(rng.randrange(200, 5_000))
            lot = factory.harvest(owner, quantity, clock.tick())
            if rng.random() < SHIPPED_SHARE:
                shipped = qty(quantity * Decimal(rng.randrange(20, 100)) / 100)
                factory.ship(owner, rng.choice(buyers), lot, shipped, clock.tick())
            bar.update(1)
    return {
        "big_org_id": big.id,
        "big_user_id": big.user_id,
        "small_org_id": small.id,
        "small_user_id": small.user_id,
    }


def capture_lots(factory: Factory, sizes: Sizes) -> dict:
    """Lots a supplier cooperative shipped to one enterprise, not yet received there.

    The enterprise records nothing itself: its receipts come by EPCIS capture. One
    set for the capture benchmark (two events per lot in its document: receiving
    and inspection) and a small one for its warm-up.
    """
    supplier = factory.organization("cooperative", "HTX cung ứng (bench)", members=2)
    buyer = factory.organization("enterprise", "Công ty xuất khẩu (bench)")
    sets = {"lots": max(1, sizes.capture_events // 2), "warmup_lots": 50}
    clock = Clock.spanning(60, 3 * sum(sets.values()))
    fixture = {
        "org_id": buyer.id,
        "user_id": buyer.user_id,
        "site_code": buyer.site_code,
        "supplier_id": supplier.id,
        "product_id": buyer.product_id,
    }
    with progressbar(sum(sets.values()), "capture: shipped lots") as bar:
        for key, count in sets.items():
            fixture[key] = []
            for _ in range(count):
                quantity = qty(factory.rng.randrange(500, 20_000))
                lot = factory.harvest(supplier, quantity, clock.tick())
                shipped_at = clock.tick()
                factory.ship(supplier, buyer, lot, quantity, shipped_at, received=False)
                fixture[key].append(
                    {"public_code": lot.public_code, "quantity": quantity, "shipped_at": shipped_at}
                )
                bar.update(1)
    return fixture
