"""The demo dataset (``flask demo``) and the first-start command (``flask setup``)."""

import re

from flask_migrate import upgrade
from sqlalchemy import func, select

from core.config import TestConfig
from core.extensions import db, limiter
from core.factory import create_app
from registry import demo
from registry.demo import demo_plan
from registry.models import AdminUnit, MemberHousehold, Organization, OrgKind, OrgRating, User
from tests.conftest import csrf_token

# A line of the printed table: e-mail, role, organization (with spaces), password.
CREDENTIAL = re.compile(r"^(\S+@\S+)\s+(department_admin|cooperative|enterprise)\s+.+\s(\S+)$")


def _credentials(output: str) -> list[tuple[str, str, str]]:
    return [m.groups() for m in map(CREDENTIAL.match, output.splitlines()) if m]


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _snapshot(app) -> dict:
    """Everything the demo writes, in a form that shows any change."""
    with app.app_context():
        return {
            "organizations": _count(Organization),
            "households": _count(MemberHousehold),
            "ratings": _count(OrgRating),
            "users": sorted(db.session.execute(select(User.email, User.password_hash)).all()),
            "updated": db.session.scalar(select(func.max(Organization.updated_at))),
        }


def _gia_lai_unit_names() -> dict[str, str]:
    province = select(AdminUnit.id).where(AdminUnit.code == "52", AdminUnit.valid_to.is_(None))
    rows = db.session.execute(
        select(AdminUnit.code, AdminUnit.full_name).where(AdminUnit.parent_id.in_(province))
    )
    return dict(rows.all())


def _kind_count(kind: OrgKind) -> int:
    return _count(Organization, Organization.kind == kind)


def test_demo_creates_a_province_of_cooperatives(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _kind_count(OrgKind.COOPERATIVE) >= 30
        assert _kind_count(OrgKind.COOPERATIVE_GROUP) >= 1
        assert _kind_count(OrgKind.COOPERATIVE_UNION) >= 1
        assert _kind_count(OrgKind.ENTERPRISE) >= 8
        assert _kind_count(OrgKind.AGENCY) == 1
        communes = db.session.scalar(
            select(func.count(func.distinct(Organization.admin_unit_id))).where(
                Organization.kind == OrgKind.COOPERATIVE
            )
        )
        assert communes >= 4
        without_members = db.session.scalars(
            select(Organization.name).where(
                Organization.kind == OrgKind.COOPERATIVE,
                ~Organization.id.in_(select(MemberHousehold.organization_id)),
            )
        ).all()
        assert without_members == []
        statuses = set(db.session.scalars(select(Organization.status)))
        assert {s.value for s in statuses} == {"active", "suspended", "dissolved"}
        assert set(db.session.scalars(select(OrgRating.year))) == {2024, 2025}
        assert _count(MemberHousehold, MemberHousehold.left_on.is_not(None)) > 0
        used = select(Organization.admin_unit_id).union(select(MemberHousehold.admin_unit_id))
        codes = set(db.session.scalars(select(AdminUnit.code).where(AdminUnit.id.in_(used))))
        assert codes <= set(_gia_lai_unit_names())
        assert {"23677", "23941", "23575", "23611"} <= codes


def test_printed_passwords_log_in(app, runner):
    result = runner.invoke(args=["demo"])
    credentials = _credentials(result.output)
    assert {role for _email, role, _password in credentials} == {
        "department_admin",
        "cooperative",
        "enterprise",
    }
    with app.app_context():
        enterprises = _kind_count(OrgKind.ENTERPRISE)
    assert sum(role == "enterprise" for _e, role, _p in credentials) == enterprises
    for email, _role, password in credentials:
        limiter.reset()  # more logins than the per-minute limit allows, on purpose
        client = app.test_client()
        form = {"email": email, "password": password, "csrf_token": csrf_token(client)}
        assert client.post("/login", data=form).status_code == 302, email
    limiter.reset()
    client = app.test_client()
    form = {
        "email": credentials[0][0],
        "password": "not-the-password",
        "csrf_token": csrf_token(client),
    }
    assert client.post("/login", data=form).status_code == 401


def test_second_demo_refuses_and_changes_nothing(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    before = _snapshot(app)
    again = runner.invoke(args=["demo"])
    assert again.exit_code != 0
    assert "already" in again.output
    assert _credentials(again.output) == []
    assert _snapshot(app) == before


def test_features_add_their_part_in_the_same_transaction(app, runner, monkeypatch):
    seeds = []

    def failing_step(seed: int) -> dict[str, int]:
        seeds.append(seed)
        raise RuntimeError("the trace part broke")

    monkeypatch.setattr(demo, "_STEPS", {})
    demo.add_demo_step("trace", lambda seed: {"products": seeds.append(seed) or 3})
    result = runner.invoke(args=["demo", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "trace (" in result.output and "3 products" in result.output
    assert seeds == [5]

    demo.add_demo_step("trace", failing_step)
    with app.app_context():
        db.session.execute(db.delete(User))
        db.session.execute(db.delete(MemberHousehold))
        db.session.execute(db.delete(OrgRating))
        db.session.execute(db.delete(Organization))
        db.session.commit()
    assert runner.invoke(args=["demo"]).exit_code != 0
    with app.app_context():
        assert _count(Organization) == 0  # the registry's part was rolled back with it


def test_demo_content_follows_the_seed(app):
    with app.app_context():
        names = _gia_lai_unit_names()
    first, second = demo_plan(7, names), demo_plan(7, names)
    assert [p.values for p in first] == [p.values for p in second]
    assert [p.households for p in first] == [p.households for p in second]
    assert [p.values for p in demo_plan(8, names)] != [p.values for p in first]


def test_setup_adds_the_demo_once(app, runner):
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "already loaded" in first.output
    assert len(_credentials(first.output)) >= 10
    before = _snapshot(app)
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0, second.output
    assert _credentials(second.output) == []
    assert _snapshot(app) == before


def test_setup_leaves_an_existing_registry_alone(app, runner, make_org):
    make_org(name="HTX của người vận hành")
    result = runner.invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _count(Organization) == 1
        assert _count(User) == 0


def test_setup_loads_units_into_an_empty_database(tmp_path):
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    config["INSTANCE_DIR"] = tmp_path
    fresh = create_app(config)
    with fresh.app_context():
        upgrade()
    result = fresh.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "Administrative units loaded" in result.output
    with fresh.app_context():
        assert _count(AdminUnit) > 3000
        assert _kind_count(OrgKind.COOPERATIVE) >= 30
        db.session.remove()
        db.engine.dispose()
