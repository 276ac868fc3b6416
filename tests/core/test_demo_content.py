"""The demo reads as real (issue #20 item 5): buyers paired with cooperatives of their crop,
contract quantities borne out by the deliveries made under them, whole area names, and a
drawn picture for every product."""

import io
from datetime import date
from decimal import Decimal

from PIL import Image, ImageStat
from sqlalchemy import func, select

from core.extensions import db
from files import store
from linkage.models import Contract, Delivery, DeliveryLine, DeliveryStatus, PartyRole
from linkage.services.fulfilment import fulfilment, is_behind
from linkage.services.lifecycle import status_on
from registry.models import MemberHousehold, Organization
from trace import demo_pictures
from trace.models import (
    Batch,
    EventKind,
    EventLine,
    Product,
    Site,
    SiteKind,
    TraceEvent,
    batch_sites,
)
from trace.services.products import SMALL_VARIANT

# What each demo enterprise buys, by its short name (registry/demo/data.py), written out here
# rather than read from the demo's own matching.
BUYS = {
    "Phố Núi Coffee": {"coffee"},
    "Đại Ngàn Coffee": {"coffee"},
    "Tiêu Chư Sê": {"pepper"},
    "Cao Nguyên Fruit": {"durian", "passion_fruit"},
    "Siêu thị Phố Biển": {"vegetables"},
    "Điều An Nhơn": {"cashew"},
    "Mắc ca Hàm Rồng": {"macadamia"},
    "Gạo Tây Sơn": {"rice"},
}
# What a growing area of each category grows, in full.
GROWN = {
    "coffee": "cà phê",
    "pepper": "hồ tiêu",
    "durian": "sầu riêng",
    "passion_fruit": "chanh leo",
    "cashew": "điều",
    "macadamia": "mắc ca",
    "rice": "lúa",
    "vegetables": "rau an toàn",
}


def _run_demo(runner) -> None:
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output


def _crops_by_org() -> dict[int, set[str]]:
    """The categories of the products each organization made."""
    found: dict[int, set[str]] = {}
    for org_id, category in db.session.execute(
        select(Product.organization_id, Product.category).distinct()
    ):
        found.setdefault(org_id, set()).add(category.value)
    return found


def _accepted() -> dict[int, Decimal]:
    """Accepted quantity of the confirmed deliveries, per contract, summed here."""
    rows = db.session.execute(
        select(Delivery.contract_id, func.sum(DeliveryLine.accepted_quantity))
        .join(DeliveryLine, DeliveryLine.delivery_id == Delivery.id)
        .where(Delivery.status == DeliveryStatus.CONFIRMED)
        .group_by(Delivery.contract_id)
    )
    return {contract_id: Decimal(total) for contract_id, total in rows}


def _lead(contract: Contract) -> Organization:
    return next(p.organization for p in contract.parties if p.role == PartyRole.LEAD)


def test_buyers_are_paired_with_cooperatives_of_their_crop(app, runner):
    _run_demo(runner)
    with app.app_context():
        grown = _crops_by_org()
        contracts = list(db.session.scalars(select(Contract)))
        assert len(contracts) >= 10
        for contract in contracts:
            buys = BUYS[_lead(contract).short_name]
            for party in contract.cooperative_parties:
                assert grown[party.organization_id] <= buys, contract.number
            assert {item.category.value for item in contract.items} <= buys, contract.number
        # Every lot shipped to an enterprise, under a contract or not, is of a crop it buys.
        shipped = db.session.execute(
            select(Organization.short_name, Product.category)
            .join(TraceEvent, TraceEvent.destination_org_id == Organization.id)
            .join(EventLine, EventLine.event_id == TraceEvent.id)
            .join(Batch, Batch.id == EventLine.batch_id)
            .join(Product, Product.id == Batch.product_id)
            .where(TraceEvent.kind == EventKind.SHIPPING)
            .distinct()
        ).all()
        assert len({buyer for buyer, _category in shipped}) >= 5
        for buyer, category in shipped:
            assert category.value in BUYS[buyer], (buyer, category)


def test_contract_quantities_match_the_deliveries_made_under_them(app, runner):
    _run_demo(runner)
    today = date.today()
    with app.app_context():
        contracts = list(
            db.session.scalars(select(Contract).where(Contract.superseded_at.is_(None)))
        )
        accepted = _accepted()
        progress = fulfilment(contracts, today)
        members = dict(
            db.session.execute(
                select(MemberHousehold.organization_id, func.count())
                .where(MemberHousehold.left_on.is_(None))
                .group_by(MemberHousehold.organization_id)
            ).all()
        )
        seen, late = set(), []
        for contract in contracts:
            status = status_on(contract, today)
            seen.add(status)
            committed = sum(Decimal(item.quantity) for item in contract.items)
            got = accepted.get(contract.id, Decimal(0))
            assert got == sum(row.accepted for row in progress[contract.id])
            if status == "completed":
                assert got == committed > 0, contract.number  # delivered in full
            elif status in ("active", "terminated"):
                assert 0 < got < committed, (contract.number, status, got, committed)
            else:
                assert got == 0, (contract.number, status)
            if is_behind(progress[contract.id]):
                late.append((contract, got / committed))
            for party in contract.cooperative_parties:
                assert 0 < party.households <= members[party.organization_id]
        assert {"active", "completed", "terminated", "expired", "draft"} <= seen
        for delivery in db.session.scalars(select(Delivery)):
            contract = delivery.contract
            assert contract.effective_from <= delivery.delivered_on <= today
            assert contract.ended_on is None or delivery.delivered_on <= contract.ended_on
        # Late by the one rule only where it is: a single active contract left well behind
        # the third of its window that has passed; the others are on pace.
        assert len(late) == 1
        (contract, share), item = late[0], late[0][0].items[0]
        assert status_on(contract, today) == "active"
        elapsed = (today - item.due_from).days / (item.due_to - item.due_from).days
        assert share < Decimal(str(elapsed)) - Decimal("0.1")


def test_area_names_are_whole_and_every_product_has_a_drawn_picture(app, runner):
    _run_demo(runner)
    with app.app_context():
        areas = db.session.execute(
            select(Site, Product.category)
            .join(batch_sites, batch_sites.c.site_id == Site.id)
            .join(Batch, Batch.id == batch_sites.c.batch_id)
            .join(Product, Product.id == Batch.product_id)
            .where(Site.kind == SiteKind.GROWING_AREA)
            .distinct()
        ).all()
        assert len(areas) >= 20
        for site, category in areas:
            assert site.name == f"Vùng trồng {GROWN[category.value]} {site.admin_unit.name}"
        products = list(db.session.scalars(select(Product)))
        assert len(products) >= 20
        pictures = {}
        for product in products:
            key = store.key_of(product.image_path)
            assert key is not None, product.name
            pictures.setdefault(key, product.name)
            assert store.variant(key, SMALL_VARIANT) is not None, product.name
        # One picture per kind of product (cherries, green and roasted beans, and the others).
        assert len(pictures) == len({(p.category, p.name) for p in products}) >= 10
        for key, name in pictures.items():
            image = Image.open(io.BytesIO(store.read(key)))
            image.load()
            assert image.width >= 480 and image.height >= 360, name
            _assert_not_blank(image.convert("RGB"), name)


def _assert_not_blank(image: Image.Image, name: str) -> None:
    """A drawing: many colours and a spread of tones, not one flat fill."""
    spread = ImageStat.Stat(image).stddev
    assert sum(spread) > 60, (name, spread)
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 500, name


def test_pictures_are_the_same_bytes_on_every_run():
    first = {name: demo_pictures.picture(name) for name in demo_pictures.PAINTERS}
    demo_pictures.picture.cache_clear()
    again = {name: demo_pictures.picture(name) for name in demo_pictures.PAINTERS}
    assert first == again
    assert len(set(first.values())) == len(first)  # each kind its own picture
    for name, data in first.items():
        image = Image.open(io.BytesIO(data))
        assert image.format == "PNG" and image.size == (640, 480), name


def test_the_english_page_names_the_demo_products_and_areas_in_english(app, runner, client):
    """Every demo product and growing area has an English name, and a lot's English page
    uses them (the Vietnamese page keeps the Vietnamese ones)."""
    _run_demo(runner)
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Product.name_en.is_(None))) == 0
        assert (
            db.session.scalar(
                select(func.count()).where(
                    Site.kind == SiteKind.GROWING_AREA, Site.name_en.is_(None)
                )
            )
            == 0
        )
        code, product, product_en, area_en = db.session.execute(
            select(Batch.public_code, Product.name, Product.name_en, Site.name_en)
            .join(Product, Product.id == Batch.product_id)
            .join(batch_sites, batch_sites.c.batch_id == Batch.id)
            .join(Site, Site.id == batch_sites.c.site_id)
            .where(Batch.public_code.is_not(None), Product.category == "pepper")
            .limit(1)
        ).one()
    english = client.get(f"/q/{code}?lang=en").get_data(as_text=True)
    assert product_en == "Black pepper" and "Black pepper" in english and area_en in english
    vietnamese = client.get(f"/q/{code}?lang=vi").get_data(as_text=True)
    assert product in vietnamese and "Black pepper" not in vietnamese
