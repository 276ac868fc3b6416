"""Registry services called directly: folding, scoping, GS1 check digits, unit loading."""

import dataclasses

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from core.text import fold
from gs1.codes import gs1_check_digit_ok
from registry.inputs import NewOrganization, OrganizationPatch
from registry.models import AdminUnit, AdminUnitMapping, Organization, OrgKind, Role, User
from registry.services import organizations, units
from registry.services.scoping import scope_to_caller
from tests.conftest import GIA_LAI_COMMUNES


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Xã Đak Đoa", "xa dak doa"),
        ("  HỢP TÁC XÃ   Cà phê ", "hop tac xa ca phe"),
        ("Ia Mơ", "ia mo"),
        ("Chư Sê", "chu se"),
        ("", ""),
        (None, ""),
    ],
)
def test_fold_strips_vietnamese_diacritics(text, folded):
    assert fold(text) == folded


def test_fold_handles_decomposed_input():
    decomposed = "Đa\u0306k Đoa"  # "ă" typed as a + combining breve (as cp1258 files do)
    assert fold(decomposed) == "dak doa"


@pytest.mark.parametrize(
    ("digits", "ok"),
    [
        ("8934567890120", True),
        ("8934567890124", False),
        ("09506000134352", True),
        ("0950600013435A", False),
        ("1", False),
    ],
)
def test_gs1_check_digit(digits, ok):
    assert gs1_check_digit_ok(digits) is ok


def test_scope_hides_everything_from_a_user_without_organization(ctx, world):
    orphan = User(role="cooperative", email="o@x", full_name="o", password_hash="x")
    stmt = scope_to_caller(select(Organization), orphan, Organization.id)
    assert list(db.session.scalars(stmt)) == []
    assert (
        list(db.session.scalars(scope_to_caller(select(Organization), None, Organization.id))) == []
    )


def test_services_refuse_across_tenants(ctx, world):
    coop_b = db.session.get(User, world["users"]["coop_b"])
    with pytest.raises(NotFound):
        organizations.get_organization(coop_b, world["coop_a"])
    with pytest.raises(Forbidden):
        organizations.create_organization(
            coop_b, NewOrganization(OrgKind.COOPERATIVE, "HTX", "5902000099", "23677")
        )


def test_unit_loading_is_idempotent_and_maps_old_communes(ctx):
    before = db.session.scalar(select(db.func.count()).select_from(AdminUnit))
    counts = units.load_units()
    assert counts == {"current_units": 3355, "legacy_units": 236, "mappings": 378}
    assert db.session.scalar(select(db.func.count()).select_from(AdminUnit)) == before
    ia_mo = db.session.scalar(
        select(AdminUnit).where(AdminUnit.full_name == "Xã Ia Mơ", AdminUnit.valid_to.is_(None))
    )
    mapped = db.session.scalars(
        select(AdminUnitMapping).where(AdminUnitMapping.new_unit_id == ia_mo.id)
    ).all()
    assert mapped, "the commune whose code differs between the two files is still mapped"
    legacy_commune = db.session.scalar(
        select(AdminUnitMapping).where(
            AdminUnitMapping.old_province_code == "64", AdminUnitMapping.old_unit_id.is_not(None)
        )
    )
    assert legacy_commune.old_unit.parent.level.value == "district"
    assert legacy_commune.old_unit.parent.parent.code == "64"


def test_every_gia_lai_unit_has_a_mapping_row(ctx):
    gia_lai = db.session.scalar(select(AdminUnit).where(AdminUnit.code == "52"))
    unmapped = db.session.scalars(
        select(AdminUnit.full_name).where(
            AdminUnit.parent_id == gia_lai.id,
            ~AdminUnit.id.in_(select(AdminUnitMapping.new_unit_id)),
        )
    ).all()
    assert unmapped == []


CODE_EXPECTED = "A commune's or ward's code (5 digits) is expected."


@pytest.fixture
def english(ctx):
    """Messages in English, whatever the catalogues say, for tests that read them."""
    with force_locale("en"):
        yield


def test_current_communes_finds_or_refuses_every_code(english):
    dak_doa = GIA_LAI_COMMUNES[0]
    communes, refused = units.current_communes({dak_doa, "52", "622", "99999"})
    assert set(communes) == {dak_doa} and communes[dak_doa].full_name == "Xã Đak Đoa"
    assert refused == {
        "52": "Tỉnh Gia Lai is not a commune or ward.",
        "622": f"Unknown administrative unit: 622. {CODE_EXPECTED}",  # a pre-2025 district
        "99999": f"Unknown administrative unit: 99999. {CODE_EXPECTED}",
    }
    assert units.current_communes(set()) == ({}, {})
    assert units.current_commune(dak_doa) is communes[dak_doa]
    with pytest.raises(ValidationFailed) as refusal:
        units.current_commune("52", "site_unit")
    assert refusal.value.errors == {"site_unit": [refused["52"]]}


def test_find_conflicts_checks_the_registry_and_the_batch(english, make_org):
    org_id = make_org(name="HTX đã có", registration_code="5902000001", gln="8930000000019")
    coop, enterprise = OrgKind.COOPERATIVE, OrgKind.ENTERPRISE
    rows = {
        2: OrganizationPatch(kind=coop, registration_code="5902000001"),
        3: OrganizationPatch(kind=enterprise, registration_code="5902000001"),  # another kind
        4: OrganizationPatch(kind=coop, registration_code="5902000002", gln="8930000000026"),
        5: OrganizationPatch(kind=coop, registration_code="5902000002", gln="8930000000026"),
        # kind failed its check
        6: OrganizationPatch(registration_code="5902000002", gln="8930000000019"),
    }
    assert organizations.find_conflicts(rows) == {
        2: {
            "registration_code": [
                f"Registration code 5902000001 is already used by HTX đã có (id {org_id})."
            ]
        },
        5: {
            "registration_code": ["Registration code 5902000002 also appears in row 4."],
            "gln": ["GLN 8930000000026 also appears in row 4."],
        },
        6: {"gln": ["GLN 8930000000019 is already used by HTX đã có."]},
    }
    mine = dataclasses.replace(rows[2], gln="8930000000019")
    assert organizations.find_conflicts({0: mine}, org_id) == {}


def test_a_409_names_the_first_clash_only(ctx, make_org):
    make_org(name="HTX đã có", registration_code="5902000011", gln="8930000000033")
    admin = User(role=Role.DEPARTMENT_ADMIN, email="x", full_name="x", password_hash="x")
    data = NewOrganization(
        kind=OrgKind.COOPERATIVE,
        name="HTX mới",
        registration_code="5902000011",
        admin_unit="99999",
        gln="8930000000033",
    )
    with pytest.raises(Conflict) as clash:
        organizations.create_organization(admin, data)
    assert list(clash.value.errors) == ["registration_code"]
    assert clash.value.message == clash.value.errors["registration_code"][0]
    with pytest.raises(Conflict) as clash:
        organizations.create_organization(
            admin, dataclasses.replace(data, registration_code="5902000012")
        )
    assert list(clash.value.errors) == ["gln"]
    with pytest.raises(ValidationFailed) as refusal:
        organizations.create_organization(
            admin, dataclasses.replace(data, registration_code="5902000012", gln=None)
        )
    assert list(refusal.value.errors) == ["admin_unit"]
