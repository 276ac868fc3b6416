"""The registry's rules and inputs without a database: status changes, household dates,
the PATCH sentinel, and the schemas that load PUT and PATCH bodies into typed inputs."""

from datetime import date

import pytest
from marshmallow import ValidationError

from core.inputs import UNSET, sent_fields
from registry.inputs import MemberInput, MemberPatch, NewOrganization, OrganizationPatch
from registry.models import MemberType, OrgKind, OrgStatus, Rating
from registry.schemas import (
    MemberPatchSchema,
    MemberPutSchema,
    OrganizationEditSchema,
    OrganizationInputSchema,
    OrganizationPatchSchema,
    OrganizationPutSchema,
)
from registry.services.members import check_member_values
from registry.services.statuses import (
    StatusAction,
    allowed_actions,
    date_refusal,
    transition_refusal,
)

TODAY = date(2026, 6, 1)
WHOLE = {
    "kind": "cooperative",
    "name": "HTX Cà phê Ia Grai",
    "registration_code": "5901000001",
    "admin_unit": "23677",
    "short_name": None,
    "tax_code": None,
    "address": "Thôn 3",
    "latitude": None,
    "longitude": None,
    "sector": "agricultural",
    "main_products": None,
    "representative": None,
    "phone": "0269 3822 123",
    "email": None,
    "gln": None,
    "established_on": "2019-03-15",
    "member_count": 42,
}


@pytest.fixture(autouse=True)
def _clean_tables():
    """These tests touch no database: nothing to clean (overrides conftest's fixture)."""
    yield


# The sentinel of PATCH ------------------------------------------------------------------


def test_unset_is_one_falsy_value():
    assert type(UNSET)() is UNSET
    assert not UNSET and repr(UNSET) == "UNSET"


def test_sent_fields_are_only_those_not_unset():
    patch = OrganizationPatch(address=None, phone="0269 3822 000")
    assert sent_fields(patch) == {"address": None, "phone": "0269 3822 000"}
    assert sent_fields(MemberPatch()) == {}


# Status changes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (OrgStatus.ACTIVE, [StatusAction.SUSPEND, StatusAction.DISSOLVE]),
        (OrgStatus.SUSPENDED, [StatusAction.REACTIVATE, StatusAction.DISSOLVE]),
        (OrgStatus.DISSOLVED, []),
    ],
)
def test_allowed_actions_follow_the_transitions(status, actions):
    assert allowed_actions(status) == actions
    for action in StatusAction:
        assert (transition_refusal(status, action) is None) == (action in actions)


def test_a_dissolved_organization_is_final():
    for action in StatusAction:
        assert "dissolved" in transition_refusal(OrgStatus.DISSOLVED, action)
    assert "already suspended" in transition_refusal(OrgStatus.SUSPENDED, StatusAction.SUSPEND)
    assert "suspended" in transition_refusal(OrgStatus.ACTIVE, StatusAction.REACTIVATE)


def test_the_date_of_a_change_is_checked():
    assert date_refusal(TODAY, TODAY, date(2019, 1, 1), None) is None
    assert "future" in date_refusal(date(2026, 6, 2), TODAY, None, None)
    assert "established" in date_refusal(date(2018, 1, 1), TODAY, date(2019, 1, 1), None)
    assert "current status" in date_refusal(date(2025, 1, 1), TODAY, None, date(2025, 2, 1))


# Household rules ----------------------------------------------------------------------------


def test_a_joining_date_in_the_future_is_refused():
    member = MemberInput(head_name="Hộ A", admin_unit="23677", joined_on=date(2026, 6, 2))
    assert list(check_member_values(member, TODAY)) == ["joined_on"]
    assert check_member_values(MemberInput("Hộ A", "23677", joined_on=TODAY), TODAY) == {}
    # An import's bad row: the fields that failed are UNSET, and not checked again.
    assert check_member_values(MemberPatch(head_name="Hộ A"), TODAY) == {}


# Schemas: POST, PUT and PATCH bodies into typed inputs ----------------------------------


def test_registration_loads_a_new_organization_with_its_status():
    data = OrganizationInputSchema().load(WHOLE | {"status": "suspended", "rating": "fair"})
    assert isinstance(data, NewOrganization)
    assert (data.kind, data.status, data.rating) == (
        OrgKind.COOPERATIVE,
        OrgStatus.SUSPENDED,
        Rating.FAIR,
    )
    assert data.established_on == date(2019, 3, 15)


def test_a_patch_holds_only_what_was_sent():
    patch = OrganizationPatchSchema().load({"phone": "0269 3822 999", "address": None})
    assert sent_fields(patch) == {"phone": "0269 3822 999", "address": None}
    member = MemberPatchSchema().load({"member_type": "associate"})
    assert sent_fields(member) == {"member_type": MemberType.ASSOCIATE}


def test_a_patch_still_checks_each_field_sent():
    with pytest.raises(ValidationError) as refused:
        OrganizationPatchSchema().load({"phone": "abc", "kind": None})
    assert set(refused.value.messages) == {"phone", "kind"}


@pytest.mark.parametrize("schema", [OrganizationPutSchema, OrganizationPatchSchema])
@pytest.mark.parametrize("field", ["status", "status_since"])
def test_the_status_is_written_by_no_put_or_patch(schema, field):
    with pytest.raises(ValidationError) as refused:
        schema().load(WHOLE | {field: "suspended" if field == "status" else "2026-01-01"})
    assert list(refused.value.messages) == [field]
    assert "/suspend" in str(refused.value.messages[field][0])


def test_a_put_missing_any_field_names_it():
    assert OrganizationPutSchema().load(WHOLE).address == "Thôn 3"
    for field in ("name", "address", "established_on"):
        body = {k: v for k, v in WHOLE.items() if k != field}
        with pytest.raises(ValidationError) as refused:
            OrganizationPutSchema().load(body)
        assert list(refused.value.messages) == [field]
    # A rating is an action, not part of the representation.
    assert OrganizationPutSchema().load(WHOLE).rating is None


def test_a_member_put_missing_a_field_names_it():
    whole = {
        "head_name": "Hộ A",
        "admin_unit": "23677",
        "village": None,
        "phone": None,
        "planted_area_ha": 1.5,
        "member_type": "official",
        "joined_on": None,
    }
    assert MemberPutSchema().load(whole) == MemberInput("Hộ A", "23677", planted_area_ha=1.5)
    with pytest.raises(ValidationError) as refused:
        MemberPutSchema().load({k: v for k, v in whole.items() if k != "planted_area_ha"})
    assert list(refused.value.messages) == ["planted_area_ha"]


def test_the_web_edit_form_loads_a_whole_input_where_blank_is_none():
    data = OrganizationEditSchema().load({"kind": "cooperative", "name": "HTX", **_ids()})
    assert data.address is None and data.sector.value == "agricultural"


def _ids() -> dict:
    return {"registration_code": "5901000001", "admin_unit": "23677"}
