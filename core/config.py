"""Configuration: the only module that reads the environment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _database_url(value: str | None) -> str | None:
    # SQLAlchemy 2.1 maps a bare postgresql:// to psycopg 3; we ship psycopg2.
    if value and value.startswith(("postgres://", "postgresql://")):
        return "postgresql+psycopg2://" + value.split("://", 1)[1]
    return value


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEFAULT_SECRET_KEY = "dev-only-change-me"  # noqa: S105 - refused in production, see the factory


class Config:
    """Settings for a laptop run; every value can be overridden from the environment."""

    SECRET_KEY = _env("SECRET_KEY", DEFAULT_SECRET_KEY)
    # How many proxies (nginx, a load balancer) stand in front: their X-Forwarded-* headers
    # are trusted so rate limits and logs see the real client, not the proxy.
    PROXY_COUNT = int(_env("PROXY_COUNT", "0"))
    INSTANCE_DIR = Path(_env("INSTANCE_DIR", str(BASE_DIR / "instance")))
    SQLALCHEMY_DATABASE_URI = (
        _database_url(_env("DATABASE_URL")) or f"sqlite:///{INSTANCE_DIR / 'htx.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    PROVINCE_CODE = _env("PROVINCE_CODE", "52")
    # GS1's EPCIS 2.0 JSON schema, used to validate captured documents. Not shipped in
    # the repository: point this at a copy of GS1's file (the default is the shared
    # standards folder beside a checkout).
    EPCIS_SCHEMA_PATH = _env(
        "EPCIS_SCHEMA_PATH",
        str(BASE_DIR.parent / "shared" / "standards" / "epcis" / "EPCIS-JSON-Schema.json"),
    )
    PUBLIC_BASE_URL = _env("PUBLIC_BASE_URL", "http://127.0.0.1:5000")

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "translations")
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = int(_env("MAX_CONTENT_LENGTH", str(10 * 1024 * 1024)))

    # werkzeug's scrypt: memory-hard and slow on purpose.
    PASSWORD_HASH_METHOD = _env("PASSWORD_HASH_METHOD", "scrypt")

    RATELIMIT_STORAGE_URI = _env("REDIS_URL", "memory://")
    # Off: proxies would cache X-RateLimit-* and Retry-After headers with public pages.
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute")

    API_TITLE = "HTX Trace API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/static/"
    API_SPEC_OPTIONS = {
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    }
    MAX_PAGE_SIZE = 200
    IDEMPOTENCY_TTL_HOURS = 24

    TESTING = False


class ProductionConfig(Config):
    """Settings for gunicorn behind nginx: secure cookies, a real secret required."""

    ENV_NAME = "production"
    PROXY_COUNT = int(_env("PROXY_COUNT", "1"))

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and a fast password hash."""

    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = _database_url(_env("TEST_DATABASE_URL")) or "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - fast hash for tests
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = True


def config_for_environment() -> type[Config]:
    """Pick the config class named by APP_ENV (development by default)."""
    return ProductionConfig if _env("APP_ENV") == "production" else Config


def test_database_url() -> str | None:
    """The PostgreSQL URL the test suite should use, when CI provides one."""
    return _database_url(_env("TEST_DATABASE_URL"))
