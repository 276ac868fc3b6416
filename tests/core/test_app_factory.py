"""The app factory, configuration, database wiring and migrations."""

import io

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from PIL import Image
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from core.config import Config, ProductionConfig, _database_url
from core.extensions import db
from core.factory import create_app
from registry.models import MemberHousehold


def test_factory_accepts_overrides(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_DIR": tmp_path, "PROVINCE_CODE": "66"}
    )
    assert app.config["PROVINCE_CODE"] == "66"
    assert "sqlalchemy" in app.extensions and "migrate" in app.extensions


def test_production_cookies_are_secure():
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert Config.SESSION_COOKIE_HTTPONLY is True
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert Config.PASSWORD_HASH_METHOD == "scrypt"


def test_postgres_urls_use_psycopg2():
    assert _database_url("postgresql://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert _database_url("postgres://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert _database_url("sqlite:///x") == "sqlite:///x"


def test_models_and_migrations_agree(app):
    """No pending autogenerate diff: the migrations build exactly the models' schema."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_foreign_keys_are_enforced(app, make_org):
    with app.app_context():
        db.session.add(MemberHousehold(organization_id=999_999, head_name="X", admin_unit_id=1))
        try:
            db.session.flush()
            raise AssertionError("a member of a missing organization was accepted")
        except IntegrityError:
            db.session.rollback()


def test_constraint_names_follow_the_convention(app):
    with app.app_context():
        names = {c.name for t in db.metadata.sorted_tables for c in t.constraints}
    assert "uq_organizations_kind_registration_code" in names
    assert "fk_member_households_organization_id_organizations" in names


def test_units_are_loaded(app):
    with app.app_context():
        counts = db.session.execute(
            text(
                "SELECT count(*) FILTER (WHERE valid_to IS NULL),"
                " count(*) FILTER (WHERE valid_to IS NOT NULL) FROM admin_units"
            )
        ).one()
    assert tuple(counts) == (3355, 236)


def test_production_refuses_the_default_secret_key(tmp_path):
    from core.config import DEFAULT_SECRET_KEY

    settings = {
        key: getattr(ProductionConfig, key) for key in dir(ProductionConfig) if key.isupper()
    }
    settings.update(
        SQLALCHEMY_DATABASE_URI="sqlite://", INSTANCE_DIR=tmp_path, SECRET_KEY=DEFAULT_SECRET_KEY
    )
    try:
        create_app(settings)
        raise AssertionError("production started with the published secret key")
    except RuntimeError as exc:
        assert "SECRET_KEY" in str(exc)
    settings["SECRET_KEY"] = "a-long-random-secret-from-the-environment"
    app = create_app(settings)
    # No proxy is trusted unless the deployment says one stands in front (deploy/htx.env.example).
    assert app.config["PROXY_COUNT"] == 0


def test_proxy_headers_give_the_real_client_address(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "INSTANCE_DIR": tmp_path, "PROXY_COUNT": 1}
    )

    @app.get("/_whoami")
    def whoami():
        from flask import request

        return request.remote_addr

    client = app.test_client()
    seen = client.get(
        "/_whoami",
        headers={"X-Forwarded-For": "203.0.113.7"},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    assert seen.get_data(as_text=True) == "203.0.113.7"


def test_the_favicon_is_an_icon(client):
    response = client.get("/favicon.ico")
    data = response.data
    response.close()
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    with Image.open(io.BytesIO(data)) as icon:
        assert icon.format == "ICO" and icon.size[0] >= 16
    assert "max-age" in response.headers["Cache-Control"]
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)
