"""The event rules (``trace.services.rules``) on typed inputs and an in-memory ledger."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest

from core.errors import ValidationFailed
from trace.inputs import (
    HarvestInput,
    InputAppliedInput,
    InspectionInput,
    LineInput,
    OutputInput,
    ReceivingInput,
    ShippingInput,
    TransformationInput,
)
from trace.models import BatchStatus, EventKind, LineRole
from trace.services import rules
from trace.services.events import check_event_time

from .ledger import MemoryLedger

COOP, OTHER, BUYER = 1, 2, 3


@pytest.fixture(autouse=True)
def _clean_tables():
    """Overrides the suite's cleaning: these tests build no app and touch no database."""
    yield


NOW = datetime(2026, 6, 1, 8, tzinfo=UTC)


@pytest.fixture
def ledger():
    world = MemoryLedger()
    for org_id in (COOP, OTHER, BUYER):
        world.add_org(org_id)
    world.add_site(10, COOP)
    world.add_site(20, OTHER)
    world.add_lot(1, COOP, "100")
    world.add_lot(2, COOP, "50", status=BatchStatus.ACTIVE)
    world.add_lot(3, OTHER, "80", status=BatchStatus.ACTIVE)
    world.hold(COOP, 2, "50")
    return world


@pytest.fixture
def coop():
    return SimpleNamespace(id=7, organization_id=COOP)


def refused(check, user, values, ledger) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        check(user, values, ledger)
    return caught.value.errors


def lines(*pairs) -> tuple[LineInput, ...]:
    return tuple(
        LineInput(batch_id=i, quantity=None if q is None else Decimal(q)) for i, q in pairs
    )


# The lots of any event -----------------------------------------------------------------------


def test_lots_are_listed_once_exist_and_are_not_recalled(ledger, coop):
    ledger.add_lot(4, COOP, status=BatchStatus.RECALLED)

    def harvest(*pairs):
        return HarvestInput(event_time=NOW, site_id=10, lines=lines(*pairs))

    assert "at least one" in refused(rules.check_harvest, coop, harvest(), ledger)["lines"][0]
    twice = refused(rules.check_harvest, coop, harvest((1, "1"), (1, "2")), ledger)
    assert "twice" in twice["lines"][0]
    assert "99" in refused(rules.check_harvest, coop, harvest((99, "1")), ledger)["lines"][0]
    assert "LOT-4" in refused(rules.check_harvest, coop, harvest((4, "1")), ledger)["lines"][0]


# Harvest -------------------------------------------------------------------------------------


def test_harvest_takes_what_is_left_of_the_lot_and_activates_it(ledger, coop):
    ledger.made[1] = Decimal(30)
    checked = rules.check_harvest(
        coop, HarvestInput(event_time=NOW, site_id=10, lines=lines((1, None))), ledger
    )
    assert checked.kind == EventKind.HARVEST and checked.site.id == 10
    assert checked.of(LineRole.OBJECT) == [(ledger.lots_by_id[1], Decimal(70))]
    assert checked.activates == [ledger.lots_by_id[1]]
    rules.activate(checked)
    assert ledger.lots_by_id[1].status == BatchStatus.ACTIVE


def test_harvest_cannot_exceed_the_lot_and_needs_an_own_site_and_lot(ledger, coop):
    over = HarvestInput(event_time=NOW, site_id=10, lines=lines((1, "100.001")))
    message = refused(rules.check_harvest, coop, over, ledger)["lines"][0]
    assert "LOT-1" in message and "100 kg" in message  # the quantity left, in the lot's unit
    nowhere = HarvestInput(event_time=NOW, lines=lines((1, "5")))
    assert list(refused(rules.check_harvest, coop, nowhere, ledger)) == ["site_id"]
    elsewhere = HarvestInput(event_time=NOW, site_id=20, lines=lines((1, "5")))
    assert list(refused(rules.check_harvest, coop, elsewhere, ledger)) == ["site_id"]
    not_ours = HarvestInput(event_time=NOW, site_id=10, lines=lines((3, "5")))
    # Another organization's lot is not found, never named (issue 18 item 7).
    assert refused(rules.check_harvest, coop, not_ours, ledger)["lines"] == ["No such batch: 3."]


# Inputs applied ------------------------------------------------------------------------------


def test_an_input_names_what_was_applied_and_where(ledger, coop):
    unnamed = InputAppliedInput(event_time=NOW, site_id=10)
    assert list(refused(rules.check_input, coop, unnamed, ledger)) == ["input_name"]
    nowhere = InputAppliedInput(event_time=NOW, input_name="NPK")
    assert list(refused(rules.check_input, coop, nowhere, ledger)) == ["site_id"]
    on_area = rules.check_input(
        coop, InputAppliedInput(event_time=NOW, site_id=10, input_name="NPK"), ledger
    )
    assert on_area.kind == EventKind.INPUT_APPLIED and on_area.lines == []
    on_lot = InputAppliedInput(event_time=NOW, input_name="NPK", lines=lines((1, None)))
    assert rules.check_input(coop, on_lot, ledger).site is None


# Transformation ------------------------------------------------------------------------------


def test_transformation_consumes_what_is_held_and_makes_new_lots(ledger, coop):
    values = TransformationInput(
        event_time=NOW,
        inputs=lines((2, "40")),
        outputs=(OutputInput(product_id=5, quantity=Decimal(8), packing_date=date(2026, 5, 30)),),
    )
    checked = rules.check_transformation(coop, values, ledger)
    ((made, quantity),) = checked.of(LineRole.OUTPUT)
    assert quantity == Decimal(8) and checked.activates == [made]
    assert ledger.new_lots[0].product_id == 5 and ledger.new_lots[0].packing_date == date(
        2026, 5, 30
    )
    assert checked.of(LineRole.INPUT) == [(ledger.lots_by_id[2], Decimal(40))]


def test_transformation_refusals_name_their_field(ledger, coop):
    made = (OutputInput(product_id=5, quantity=Decimal(1)),)
    oversold = TransformationInput(event_time=NOW, inputs=lines((2, "50.5")), outputs=made)
    message = refused(rules.check_transformation, coop, oversold, ledger)["inputs"][0]
    assert "LOT-2" in message and "50 kg" in message
    unsaid = TransformationInput(event_time=NOW, inputs=lines((2, None)), outputs=made)
    assert "quantity" in refused(rules.check_transformation, coop, unsaid, ledger)["inputs"][0]
    nothing = TransformationInput(event_time=NOW, inputs=lines((2, "1")))
    assert list(refused(rules.check_transformation, coop, nothing, ledger)) == ["outputs"]
    active_output = TransformationInput(
        event_time=NOW,
        inputs=lines((2, "1")),
        outputs=(OutputInput(batch_id=2, quantity=Decimal(1)),),
    )
    assert "draft" in refused(rules.check_transformation, coop, active_output, ledger)["outputs"][0]


def test_an_existing_output_lot_must_have_dates_that_can_be(ledger, coop):
    ledger.add_lot(6, COOP, packing_date=date(2026, 5, 1), expiry_date=date(2026, 4, 1))
    values = TransformationInput(
        event_time=NOW,
        inputs=lines((2, "1")),
        outputs=(OutputInput(batch_id=6, quantity=Decimal(1)),),
    )
    assert list(refused(rules.check_transformation, coop, values, ledger)) == ["expiry_date"]


# Shipping and receiving ----------------------------------------------------------------------


def test_shipping_goes_to_another_known_organization_within_what_is_held(ledger, coop):
    def to(org, qty):
        return ShippingInput(event_time=NOW, destination_org_id=org, lines=lines((2, qty)))

    assert list(refused(rules.check_shipping, coop, to(None, "1"), ledger)) == [
        "destination_org_id"
    ]
    assert list(refused(rules.check_shipping, coop, to(99, "1"), ledger)) == ["destination_org_id"]
    assert list(refused(rules.check_shipping, coop, to(COOP, "1"), ledger)) == [
        "destination_org_id"
    ]
    assert "50 kg" in refused(rules.check_shipping, coop, to(BUYER, "50.001"), ledger)["lines"][0]
    checked = rules.check_shipping(coop, to(BUYER, "50"), ledger)
    assert (checked.source_org_id, checked.destination_org_id) == (COOP, BUYER)
    assert checked.destination is ledger.orgs[BUYER]


def test_one_document_cannot_oversell_a_lot_across_its_events(ledger, coop):
    ship = ShippingInput(event_time=NOW, destination_org_id=BUYER, lines=lines((2, "30")))
    first, second = rules.check_document(coop, [ship, ship], ledger)
    assert isinstance(first, rules.Checked)
    assert isinstance(second, ValidationFailed) and "20 kg" in second.errors["lines"][0]
    assert ledger.held_by[COOP][2] == Decimal(20)  # the refused one moved nothing


def test_a_document_harvest_then_ships_what_it_made(ledger, coop):
    harvest = HarvestInput(event_time=NOW, site_id=10, lines=lines((1, "60")))
    ship = ShippingInput(event_time=NOW, destination_org_id=BUYER, lines=lines((1, "60")))
    too_much = ShippingInput(event_time=NOW, destination_org_id=BUYER, lines=lines((1, "1")))
    verdicts = rules.check_document(coop, [harvest, None, ship, too_much], ledger)
    assert [type(v).__name__ for v in verdicts] == [
        "Checked",
        "NoneType",
        "Checked",
        "ValidationFailed",
    ]
    assert ledger.lots_by_id[1].status == BatchStatus.ACTIVE


def test_receiving_only_what_the_source_shipped_to_the_caller(ledger):
    buyer = SimpleNamespace(id=8, organization_id=BUYER)
    ledger.ship(COOP, BUYER, 2, "30")

    def got(src, qty):
        return ReceivingInput(event_time=NOW, source_org_id=src, lines=lines((2, qty)))

    assert list(refused(rules.check_receiving, buyer, got(None, "1"), ledger)) == ["source_org_id"]
    assert (
        "not shipped" in refused(rules.check_receiving, buyer, got(OTHER, "1"), ledger)["lines"][0]
    )
    assert "30 kg" in refused(rules.check_receiving, buyer, got(COOP, "31"), ledger)["lines"][0]
    checked = rules.check_receiving(buyer, got(COOP, None), ledger)
    assert (checked.source_org_id, checked.destination_org_id) == (COOP, BUYER)


# Inspection ----------------------------------------------------------------------------------


def test_inspection_of_lots_made_or_held(ledger, coop):
    theirs = InspectionInput(event_time=NOW, lines=lines((3, None)))
    assert refused(rules.check_inspection, coop, theirs, ledger)["lines"] == ["No such batch: 3."]
    ledger.hold(COOP, 3, "5")  # once received, the lot may be inspected
    assert rules.check_inspection(coop, theirs, ledger).kind == EventKind.INSPECTION
    elsewhere = InspectionInput(event_time=NOW, site_id=20, lines=lines((1, None)))
    assert list(refused(rules.check_inspection, coop, elsewhere, ledger)) == ["site_id"]


# Event time ----------------------------------------------------------------------------------


def test_an_event_time_is_neither_in_the_future_nor_before_2000():
    check_event_time(datetime.now(UTC) + timedelta(minutes=4))  # clock skew allowed
    for moment in (datetime.now(UTC) + timedelta(minutes=6), datetime(1999, 12, 31, tzinfo=UTC)):
        with pytest.raises(ValidationFailed) as caught:
            check_event_time(moment)
        assert list(caught.value.errors) == ["event_time"]
