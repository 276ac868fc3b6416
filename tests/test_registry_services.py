"""Registry services called directly: folding, scoping, GS1 check digits, unit loading."""

import pytest
from sqlalchemy import select

from core.errors import Forbidden, NotFound
from core.extensions import db
from core.text import fold
from core.validation import gs1_check_digit_ok
from registry.models import AdminUnit, AdminUnitMapping, Organization, User
from registry.services import organizations, units
from registry.services.scoping import scope_to_caller


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
        organizations.create_organization(coop_b, {"kind": "cooperative"})


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
