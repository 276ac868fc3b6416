"""Fixtures: the app on a migrated database (SQLite, or PostgreSQL when TEST_DATABASE_URL is set),
clients logged in per role, and factories for organizations, users and members."""

import itertools
import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from consumer import limit
from core.config import TestConfig
from core.extensions import db, limiter
from core.factory import create_app
from registry.models import MemberHousehold, OrgKind, Role, User
from registry.schemas import MemberInputSchema, OrganizationInputSchema
from registry.services import accounts, members, organizations, units

pytest_plugins = [
    "tests.trace_helpers",
    "tests.linkage_helpers",
    "tests.browser_helpers",
    "tests.indicators_helpers",
    "tests.recall_helpers",
    "tests.portal_helpers",
    "tests.consumer_helpers",
    "tests.jobs_helpers",
]

# Loaded once per session (units) or by the migrations (Decree 98's support rows).
REFERENCE_TABLES = {"admin_units", "admin_unit_mappings", "alembic_version", "support_policies"}
PASSWORD = "correct horse battery"
GIA_LAI_COMMUNES = ("23677", "23941", "23575", "23611")  # Đak Đoa, Chư Sê, Pleiku, Gào


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app for the session on a freshly migrated database with the units loaded."""
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    if not os.environ.get("TEST_DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        )
    config["INSTANCE_DIR"] = tmp_path_factory.mktemp("instance")
    app = create_app(config)
    with app.app_context():
        upgrade()
        units.load_units()
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(app):
    """Every test starts with only the reference data; rows it made are deleted after."""
    yield
    with app.app_context():
        db.session.rollback()
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in REFERENCE_TABLES:
                db.session.execute(table.delete())
        db.session.execute(
            text("DELETE FROM support_policies WHERE legal_basis NOT LIKE 'Nghị định 98/2018%'")
        )
        db.session.commit()
        limiter.reset()
        # The public pages' cache and rate-limit counts live in the app's store.
        app.extensions.pop("htx_public_cache", None)
        app.extensions.pop("htx_login_limit", None)  # per-account login counts


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.test_request_context():
        yield
        db.session.rollback()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


_counter = itertools.count(1)


@pytest.fixture
def make_org(app):
    """Factory: register an organization and return its id."""

    def make(kind: str = "cooperative", commune: str = GIA_LAI_COMMUNES[0], **values) -> int:
        n = next(_counter)
        data = {
            "kind": kind,
            "name": values.pop("name", f"HTX thử nghiệm {n}"),
            "registration_code": values.pop("registration_code", f"5900{n:06d}"),
            "admin_unit": commune,
            "sector": "agricultural",
            "status": "active",
        }
        data.update(values)
        with app.test_request_context():
            admin = User(role=Role.DEPARTMENT_ADMIN, email="x", full_name="x", password_hash="x")
            org = organizations.create_organization(admin, OrganizationInputSchema().load(data))
            db.session.commit()
            return org.id

    return make


@pytest.fixture
def make_user(app):
    """Factory: create a user with the shared test password and return its id."""

    def make(role: str, org_id: int | None = None, email: str | None = None) -> int:
        n = next(_counter)
        with app.test_request_context():
            org_code = None
            if org_id is not None:
                org_code = db.session.get(organizations.Organization, org_id).registration_code
            user = accounts.create_user(
                None,
                {
                    "email": email or f"user{n}@example.vn",
                    "full_name": f"Người dùng {n}",
                    "password": PASSWORD,
                    "role": role,
                    "organization": org_code,
                },
            )
            db.session.commit()
            return user.id

    return make


@pytest.fixture
def make_member(app):
    """Factory: add a member household to a cooperative and return its id."""

    def make(
        org_id: int, head_name: str = "Nguyễn Văn A", commune: str = GIA_LAI_COMMUNES[0], **values
    ) -> int:
        with app.test_request_context():
            admin = User(role=Role.DEPARTMENT_ADMIN, email="x", full_name="x", password_hash="x")
            data = MemberInputSchema().load(
                {"head_name": head_name, "admin_unit": commune, **values}
            )
            member = members.add_member(admin, org_id, data)
            db.session.commit()
            return member.id

    return make


@pytest.fixture
def world(make_org, make_user, make_member):
    """The tenancy cast: department, cooperatives A and B, enterprises X and Y, a user each."""
    coop_a = make_org("cooperative", name="HTX Cà phê Đăk Đoa", registration_code="HTX-A-001")
    coop_b = make_org(
        "cooperative",
        name="HTX Hồ tiêu Chư Sê",
        registration_code="HTX-B-002",
        commune=GIA_LAI_COMMUNES[1],
    )
    ent_x = make_org("enterprise", name="Công ty TNHH X", registration_code="0101234567")
    ent_y = make_org("enterprise", name="Công ty CP Y", registration_code="0107654321")
    return {
        "coop_a": coop_a,
        "coop_b": coop_b,
        "ent_x": ent_x,
        "ent_y": ent_y,
        "member_a": make_member(coop_a, "Nguyễn Văn An", phone="0905123456"),
        "member_b": make_member(coop_b, "Trần Thị Bình", phone="0905654321"),
        "users": {
            "department": make_user("department_admin", email="so@nnmt.gialai.gov.vn"),
            "coop_a": make_user("cooperative", coop_a, email="a@htx.vn"),
            "coop_b": make_user("cooperative", coop_b, email="b@htx.vn"),
            "ent_x": make_user("enterprise", ent_x, email="x@dn.vn"),
            "ent_y": make_user("enterprise", ent_y, email="y@dn.vn"),
        },
    }


@pytest.fixture
def token_for(app):
    """Factory: an Authorization header with a fresh API token for a user id."""

    def make(user_id: int) -> dict[str, str]:
        with app.test_request_context():
            _token, secret = accounts.issue_token(db.session.get(User, user_id), "test")
            db.session.commit()
        return {"Authorization": f"Bearer {secret}"}

    return make


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of a form page, as a browser would read it."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


@pytest.fixture
def login(app):
    """Factory: a test client logged in through the real login form as the given user."""

    def make(user_id: int):
        client = app.test_client()
        with app.app_context():
            email = db.session.get(User, user_id).email
        response = client.post(
            "/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return make


def row_count(model) -> int:
    """How many rows a table has (used to prove a refused request wrote nothing)."""
    return db.session.scalar(text(f"SELECT count(*) FROM {model.__tablename__}"))


__all__ = ["GIA_LAI_COMMUNES", "MemberHousehold", "OrgKind", "PASSWORD", "csrf_token", "row_count"]


@pytest.fixture
def one_limit_window(monkeypatch):
    """The public pages' rate-limit window does not roll over during the test (a test that
    counts up to the limit would otherwise fail when it runs across a minute's end)."""
    window = limit.current_window()
    monkeypatch.setattr(limit, "current_window", lambda: window)
