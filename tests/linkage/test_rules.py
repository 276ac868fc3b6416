"""Contract rules without a database: the input's dates, parties and items, the price its
mechanism needs, the state transitions, and the schemas of POST, PUT and PATCH bodies."""

import dataclasses
from datetime import date, timedelta
from decimal import Decimal

import pytest
from marshmallow import ValidationError

from core.inputs import sent_fields
from linkage import rules
from linkage.inputs import ContractInput, ContractItemInput, ContractPatch, PartyInput
from linkage.models import Contract, ContractItem, ContractParty, ContractState, PriceMechanism
from linkage.schemas import ContractInputSchema, ContractPatchSchema, ContractPutSchema
from linkage.services.lifecycle import missing_terms
from registry.models import OrgKind
from tests.linkage_helpers import contract_body
from trace.models import ProductCategory, QuantityUnit

TODAY = date(2026, 6, 1)
LEAD = 1
ITEM = ContractItemInput(
    category=ProductCategory.COFFEE,
    season="2026/27",
    due_from=date(2026, 10, 1),
    due_to=date(2027, 1, 31),
    quantity=Decimal(20000),
)
DRAFT = ContractInput(
    number="HĐLK-01",
    linkage_form=3,
    parties=(PartyInput(2, "Bà H'Lan", 40),),
    items=(ITEM,),
    effective_from=date(2026, 1, 1),
    effective_to=date(2026, 12, 31),
)


@pytest.fixture(autouse=True)
def _clean_tables():
    """These tests touch no database: nothing to clean (overrides conftest's fixture)."""
    yield


def _errors(**changes) -> dict:
    return rules.contract_errors(dataclasses.replace(DRAFT, **changes), LEAD, TODAY)


def test_a_sound_draft_breaks_no_rule():
    assert rules.contract_errors(DRAFT, LEAD, TODAY) == {}


def test_dates_of_the_contract():
    assert list(_errors(signed_on=TODAY + timedelta(days=1))) == ["signed_on"]
    assert _errors(signed_on=TODAY) == {}
    assert list(_errors(effective_to=date(2025, 12, 31))) == ["effective_to"]
    # An open end (not named yet) is for the confirmation's checklist, not a broken rule.
    assert _errors(effective_to=None) == {}


def test_parties_are_listed_once_without_the_lead():
    assert list(_errors(parties=())) == ["parties"]
    assert list(_errors(parties=(PartyInput(LEAD),))) == ["parties"]
    assert list(_errors(parties=(PartyInput(2), PartyInput(2)))) == ["parties"]
    assert _errors(parties=(PartyInput(2), PartyInput(3))) == {}


def test_a_delivery_period_ends_after_it_starts():
    backwards = dataclasses.replace(ITEM, due_to=ITEM.due_from - timedelta(days=1))
    assert list(_errors(items=(ITEM, backwards))) == ["items"]
    # Several rules broken at once are all reported.
    assert set(_errors(items=(backwards,), parties=())) == {"items", "parties"}


def test_party_kinds():
    coop, enterprise, agency = OrgKind.COOPERATIVE, OrgKind.ENTERPRISE, OrgKind.AGENCY
    assert rules.party_kinds_refusal(enterprise, {2: coop}, [2]) is None
    assert "3" in rules.party_kinds_refusal(enterprise, {2: coop}, [2, 3])  # no such org
    assert "3" in rules.party_kinds_refusal(enterprise, {3: agency}, [3])
    assert "cooperative" in rules.party_kinds_refusal(enterprise, {4: enterprise}, [4])
    # A cooperative leading a chain may sign with an enterprise alone.
    assert rules.party_kinds_refusal(coop, {4: enterprise}, [4]) is None


@pytest.mark.parametrize(
    ("mechanism", "price", "formula", "named"),
    [
        (None, Decimal(95000), "giá sàn", False),
        (PriceMechanism.FIXED, Decimal(95000), None, True),
        (PriceMechanism.FIXED, None, "giá thị trường", False),
        (PriceMechanism.FLOOR, Decimal(95000), None, True),
        (PriceMechanism.FLOOR, None, None, False),
        (PriceMechanism.MARKET_FORMULA, None, "giá Buôn Ma Thuột - 2%", True),
        (PriceMechanism.MARKET_FORMULA, Decimal(95000), None, False),
    ],
)
def test_the_price_a_mechanism_needs(mechanism, price, formula, named):
    assert rules.price_named(mechanism, price, formula) is named
    contract = Contract(price_mechanism=mechanism, price_vnd=price, price_formula=formula)
    assert ("price_mechanism" not in dict(missing_terms(contract))) is named


def test_missing_terms_of_an_unsaved_contract():
    contract = Contract(
        parties=[ContractParty(representative="A"), ContractParty(representative=None)],
        items=[ContractItem(unit=QuantityUnit.KG)],
        quality_standard="Loại 1",
    )
    missing = dict(missing_terms(contract))
    assert "items" not in missing and "quality_standard" not in missing
    assert {"representatives", "payment_terms", "effective_from"} <= set(missing)


@pytest.mark.parametrize("state", list(ContractState))
def test_state_transitions(state):
    assert rules.may_edit(state) is (state == ContractState.DRAFT)
    assert rules.may_confirm(state, False) is (state == ContractState.DRAFT)
    assert rules.may_end(state, False) is (state == ContractState.SIGNED)
    assert rules.may_amend(state, False) is (state == ContractState.SIGNED)
    # A superseded version is neither confirmed, ended nor amended.
    assert not rules.may_confirm(state, True) and not rules.may_end(state, True)


def test_the_end_date_of_a_contract():
    start = date(2026, 1, 1)
    assert rules.end_date_refusal(TODAY, TODAY, start) is None
    assert rules.end_date_refusal(TODAY + timedelta(days=1), TODAY, start)
    assert rules.end_date_refusal(start - timedelta(days=1), TODAY, start)


# Schemas ------------------------------------------------------------------------------------


def test_a_contract_body_loads_into_typed_rows():
    data = ContractInputSchema().load(contract_body(2))
    assert isinstance(data, ContractInput)
    assert data.parties == (PartyInput(2, "Bà Rơ Châm H'Lan", 40),)
    assert data.items[0].category == ProductCategory.COFFEE
    assert data.items[0].unit == QuantityUnit.KG
    assert data.price_mechanism == PriceMechanism.FLOOR


def test_a_patch_is_partial_at_the_top_but_rows_are_whole():
    patch = ContractPatchSchema().load({"price_vnd": 97000})
    assert isinstance(patch, ContractPatch)
    assert sent_fields(patch) == {"price_vnd": Decimal(97000)}
    with pytest.raises(ValidationError) as refused:
        ContractPatchSchema().load({"parties": [{"representative": "Ông A"}]})
    assert "organization_id" in refused.value.messages["parties"][0]


@pytest.mark.parametrize("schema", [ContractPutSchema, ContractPatchSchema])
@pytest.mark.parametrize("field", ["state", "status"])
def test_the_state_is_written_by_no_put_or_patch(schema, field):
    with pytest.raises(ValidationError) as refused:
        schema().load(contract_body(2) | {field: "signed"})
    assert list(refused.value.messages) == [field]
    assert "/confirm" in str(refused.value.messages[field][0])


def test_a_put_missing_a_term_names_it():
    assert ContractPutSchema().load(contract_body(2)).signed_on is None
    body = {k: v for k, v in contract_body(2).items() if k != "risk_sharing"}
    with pytest.raises(ValidationError) as refused:
        ContractPutSchema().load(body)
    assert list(refused.value.messages) == ["risk_sharing"]
