"""Typed inputs of products, sites and lots: what the schemas load, and the rules that need no
database (dates, households' shares, status changes, what a PUT or PATCH changes)."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from core.clock import vn_today
from core.errors import ValidationFailed
from core.inputs import UNSET, sent_fields
from trace.event_schemas import EventInputSchema
from trace.inputs import (
    BatchInput,
    BatchPatch,
    Contribution,
    LineInput,
    ProductInput,
    ReferenceInput,
    ShippingInput,
    SiteInput,
    SitePatch,
    StandardInput,
    TransformationInput,
    changed_fields,
    event_input,
)
from trace.models import BatchStatus, ProductCategory, QuantityUnit, SiteKind, StandardKind
from trace.schemas import (
    BatchInputSchema,
    BatchPatchSchema,
    BatchPutSchema,
    ProductInputSchema,
    ProductPatchSchema,
    ProductPutSchema,
    SitePatchSchema,
)
from trace.services.batches import allowed_transitions, check_dates, check_shares, status_refusal

TODAY = vn_today()


@pytest.fixture(autouse=True)
def _clean_tables():
    """Overrides the suite's cleaning: these tests build no app and touch no database."""
    yield


def errors_of(schema, data) -> dict:
    with pytest.raises(ValidationError) as caught:
        schema.load(data)
    return caught.value.messages


# Products ------------------------------------------------------------------------------------


def test_a_product_loads_as_a_typed_input_with_its_defaults():
    product = ProductInputSchema().load(
        {
            "name": " Cà phê ",
            "category": "coffee",
            "gtin": "8934588012341",
            "standards": [{"kind": "vietgap", "issued_on": "2026-01-05"}],
        }
    )
    assert isinstance(product, ProductInput)
    assert (product.name, product.category, product.unit) == (
        "Cà phê",
        ProductCategory.COFFEE,
        QuantityUnit.KG,
    )
    assert product.gtin14 == "08934588012341"
    assert product.standards == (
        StandardInput(kind=StandardKind.VIETGAP, issued_on=date(2026, 1, 5)),
    )


def test_put_needs_the_whole_product_and_names_what_is_missing():
    missing = errors_of(ProductPutSchema(), {"name": "Cà phê", "category": "coffee"})
    assert set(missing) == {
        "name_en",
        "gtin",
        "unit",
        "description",
        "is_agricultural",
        "no_standard_declared",
        "shelf_life_days",
        "standards",
    }
    whole = {
        "name": "Cà phê",
        "name_en": None,
        "category": "coffee",
        "gtin": None,
        "unit": "kg",
        "description": None,
        "is_agricultural": True,
        "no_standard_declared": True,
        "shelf_life_days": None,
        "standards": [],
    }
    assert ProductPutSchema().load(whole) == ProductInput(
        name="Cà phê", category="coffee", no_standard_declared=True
    )


def test_patch_loads_only_the_fields_sent_and_keeps_the_others():
    patch = ProductPatchSchema().load({"description": "Rang mộc"})
    assert sent_fields(patch) == {"description": "Rang mộc"}
    assert patch.name is UNSET and not patch.name
    current = ProductInput(name="Cà phê", category="coffee", unit="t", shelf_life_days=90)
    assert current.patched(patch) == ProductInput(
        name="Cà phê", category="coffee", unit="t", shelf_life_days=90, description="Rang mộc"
    )
    # Sent null clears; a required field cannot be null.
    assert (
        current.patched(ProductPatchSchema().load({"shelf_life_days": None})).shelf_life_days
        is None
    )
    assert "name" in errors_of(ProductPatchSchema(), {"name": None})


def test_patch_still_wants_each_nested_item_whole():
    assert "kind" in errors_of(ProductPatchSchema(), {"standards": [{"stars": 4}]})["standards"][0]
    shares = errors_of(BatchPatchSchema(), {"households": [{"member_id": 1}]})
    assert "quantity" in shares["households"][0]


# Sites ---------------------------------------------------------------------------------------


def test_site_patch_changes_the_fields_sent():
    current = SiteInput(name="Vùng 1", admin_unit="23677", household_ids=[3, 4], latitude=14.1)
    patch = SitePatchSchema().load({"kind": "facility", "household_ids": []})
    assert patch == SitePatch(kind="facility", household_ids=())
    changed = current.patched(patch)
    assert (changed.kind, changed.household_ids, changed.latitude) == (SiteKind.FACILITY, (), 14.1)
    assert changed_fields(current, changed) == ["kind", "household_ids"]


# Lots ----------------------------------------------------------------------------------------


def lot(**values) -> BatchInput:
    return BatchInput(product_id=1, quantity=Decimal(100), **values)


def test_a_lot_loads_with_its_shares_as_dataclasses():
    loaded = BatchInputSchema().load(
        {"product_id": 1, "quantity": 10, "households": [{"member_id": 5, "quantity": 10}]}
    )
    assert loaded == BatchInput(
        product_id=1, quantity=Decimal(10), households=(Contribution(member_id=5, quantity=10),)
    )


def test_status_is_not_written_through_the_lot_but_its_own_endpoints():
    for schema in (BatchInputSchema(), BatchPutSchema(), BatchPatchSchema()):
        message = errors_of(schema, {"status": "closed"})["status"][0]
        assert "/activate" in str(message) and "/close" in str(message)


def test_changed_fields_ignores_order_and_decimal_places():
    shares = (
        Contribution(member_id=1, quantity=Decimal(60)),
        Contribution(member_id=2, quantity=Decimal(40)),
    )
    current = lot(site_ids=(1, 2), households=shares, harvest_date=TODAY)
    same = lot(site_ids=[2, 1], households=tuple(reversed(shares)), harvest_date=TODAY)
    assert (
        changed_fields(current, BatchInput(**{**same.__dict__, "quantity": Decimal("100.000")}))
        == []
    )
    moved = current.patched(BatchPatch(harvest_date=None, site_ids=[1]))
    assert changed_fields(current, moved) == ["harvest_date", "site_ids"]


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        # The day after tomorrow: tomorrow here may already be today in Vietnam (check_dates).
        ({"harvest_date": TODAY + timedelta(days=2)}, "harvest_date"),
        ({"production_date": date(1999, 12, 31)}, "production_date"),
        ({"harvest_date": TODAY, "packing_date": TODAY - timedelta(days=1)}, "packing_date"),
        ({"packing_date": TODAY, "expiry_date": TODAY - timedelta(days=1)}, "expiry_date"),
    ],
)
def test_lot_dates_that_cannot_be_are_refused_by_name(dates, field):
    with pytest.raises(ValidationFailed) as caught:
        check_dates(lot(**dates))
    assert list(caught.value.errors) == [field]


def test_lot_dates_in_order_pass():
    check_dates(lot(harvest_date=TODAY - timedelta(days=3), packing_date=TODAY, expiry_date=TODAY))


def test_households_shares_are_each_once_and_add_up_to_the_lot():
    check_shares(
        (Contribution(member_id=1, quantity=60), Contribution(member_id=2, quantity=40)), 100
    )
    for shares in (
        (Contribution(member_id=1, quantity=50), Contribution(member_id=1, quantity=50)),
        (Contribution(member_id=1, quantity=60), Contribution(member_id=2, quantity=39)),
    ):
        with pytest.raises(ValidationFailed) as caught:
            check_shares(shares, Decimal(100))
        assert list(caught.value.errors) == ["households"]


def test_the_status_changes_a_lot_may_make():
    draft, active, closed = BatchStatus.DRAFT, BatchStatus.ACTIVE, BatchStatus.CLOSED
    assert allowed_transitions(draft, produced=True) == [active]
    assert allowed_transitions(draft, produced=False) == []
    assert "harvest" in status_refusal(draft, active, produced=False)
    assert allowed_transitions(active, produced=True) == [closed]
    assert allowed_transitions(closed, produced=True) == []
    assert allowed_transitions(BatchStatus.RECALLED, produced=True) == []
    assert status_refusal(active, BatchStatus.RECALLED, produced=True)


# Events --------------------------------------------------------------------------------------


def test_an_event_loads_as_its_kinds_input_without_other_kinds_fields():
    moment = datetime(2026, 5, 1, 9, tzinfo=UTC)
    loaded = EventInputSchema().load(
        {
            "kind": "shipping",
            "event_time": moment.isoformat(),
            "destination_org_id": 3,
            "lines": [{"batch_id": 2, "quantity": 5}],
            "reference": {"type": "contract", "id": "HĐ-1"},
            "input_name": "ignored: not a shipping field",
        }
    )
    assert loaded == ShippingInput(
        event_time=moment,
        destination_org_id=3,
        lines=(LineInput(batch_id=2, quantity=Decimal(5)),),
        reference=ReferenceInput(type="contract", id="HĐ-1"),
    )


def test_event_input_builds_nested_inputs_from_plain_mappings():
    made = event_input(
        {
            "kind": "transformation",
            "event_time": datetime(2026, 5, 1, tzinfo=UTC),
            "inputs": [{"batch_id": 1, "quantity": Decimal(3)}],
            "outputs": [{"batch_id": 9, "quantity": Decimal(1)}],
        }
    )
    assert isinstance(made, TransformationInput) and made.transformation == "processing"
    assert made.outputs[0].batch_id == 9 and made.inputs == (LineInput(batch_id=1, quantity=3),)
