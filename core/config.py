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
    # SQLite: how long a transaction waits for another process's write lock before it is
    # answered 409 (core.db takes the lock at the start of every writing transaction).
    SQLITE_BUSY_TIMEOUT_S = float(_env("SQLITE_BUSY_TIMEOUT_S", "15"))
    # PostgreSQL's planner cost of a random page read (core.factory): 1.1 for SSDs.
    PG_RANDOM_PAGE_COST = float(_env("PG_RANDOM_PAGE_COST", "1.1"))

    PROVINCE_CODE = _env("PROVINCE_CODE", "52")
    # Indicator targets (DESIGN.md section 8): linkage 50% (target e), traceability 100% (đ).
    INDICATOR_TARGET_LINKAGE = float(_env("INDICATOR_TARGET_LINKAGE", "0.5"))
    INDICATOR_TARGET_TRACEABILITY = float(_env("INDICATOR_TARGET_TRACEABILITY", "1.0"))
    # Captured EPCIS documents are always checked by the project's own EPCIS 2.0 rules
    # (epcis.capture.validation). Point this at a copy of GS1's
    # EPCIS-JSON-Schema.json to apply GS1's schema as well; unset by default. A path that
    # is set but cannot be read makes capture answer 503.
    EPCIS_SCHEMA_PATH = _env("EPCIS_SCHEMA_PATH")
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
    # EPCIS documents from other systems (API and upload page) may be larger; then 413.
    EPCIS_CAPTURE_MAX_BYTES = int(_env("EPCIS_CAPTURE_MAX_BYTES", str(20 * 1024 * 1024)))

    # werkzeug's scrypt: memory-hard and slow on purpose.
    PASSWORD_HASH_METHOD = _env("PASSWORD_HASH_METHOD", "scrypt")

    # Rate-limit counts, shared by every worker: Redis, else (None) a file of the host's
    # in INSTANCE_DIR (core.local_store), set by the factory.
    RATELIMIT_STORAGE_URI = _env("REDIS_URL")
    # Rendered consumer pages and their versions (consumer.page_cache), shared by
    # the workers: Redis when there is one, else (None) the same file of the host's.
    PUBLIC_PAGE_CACHE_URL = _env("PUBLIC_PAGE_CACHE_URL", _env("REDIS_URL"))
    PUBLIC_PAGE_CACHE_SECONDS = int(_env("PUBLIC_PAGE_CACHE_SECONDS", "600"))
    PUBLIC_PAGE_CACHE_SIZE = int(_env("PUBLIC_PAGE_CACHE_SIZE", "2000"))
    # Rendered pages are also kept in the database (consumer.stored_pages), written
    # this many seconds later by a background thread of each worker (0: at once).
    PUBLIC_PAGE_WRITE_SECONDS = float(_env("PUBLIC_PAGE_WRITE_SECONDS", "1"))
    # After a lot changes, the worker renders its pages (and those of the lots made from
    # it) into the database, so that their next first view reads one row (consumer.keeping).
    PUBLIC_PAGE_KEEP_AHEAD = _env("PUBLIC_PAGE_KEEP_AHEAD", "1") not in ("0", "false", "no")
    # Repeat views of a lot's cached page answered before Flask (consumer.front).
    PUBLIC_PAGE_FRONT = _env("PUBLIC_PAGE_FRONT", "1") not in ("0", "false", "no")
    # Scans of lot codes written in batches by each worker (consumer.scans); 0: at once.
    SCAN_BUFFER_SIZE = int(_env("SCAN_BUFFER_SIZE", "200"))
    SCAN_BUFFER_SECONDS = float(_env("SCAN_BUFFER_SECONDS", "2"))
    # Off: proxies would cache X-RateLimit-* and Retry-After headers with public pages.
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute")
    # Failed logins one account may have (from any address) before every attempt is refused
    # until the window, begun at the first failure, ends (registry.services.login_limit).
    LOGIN_ACCOUNT_LIMIT = _env("LOGIN_ACCOUNT_LIMIT", "5 per 15 minutes")
    # Invitation links (a new user chooses a password) and "forgot password" links, each
    # usable once (registry.services.accounts); reset requests a client address may make.
    ACCOUNT_INVITATION_DAYS = int(_env("ACCOUNT_INVITATION_DAYS", "7"))
    PASSWORD_RESET_HOURS = int(_env("PASSWORD_RESET_HOURS", "24"))
    PASSWORD_RESET_RATE_LIMIT = _env("PASSWORD_RESET_RATE_LIMIT", "5 per 15 minutes")
    # Public pages a client address may open a minute (consumer.limit): a shopper
    # opens a few; a script opening two a second is stopped. Behind a proxy the app must
    # see the client's address (PROXY_COUNT).
    PUBLIC_RATE_LIMIT = int(_env("PUBLIC_RATE_LIMIT", "120"))

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

    # Sharing with the national portal (portal/): the worker sends the outbox here every
    # PORTAL_SYNC_MINUTES (`flask portal sync` does it at once).
    PORTAL_ENDPOINT = _env("PORTAL_ENDPOINT")
    PORTAL_TOKEN = _env("PORTAL_TOKEN")
    PORTAL_ADAPTER = _env("PORTAL_ADAPTER", "epcis")  # epcis | national
    PORTAL_BATCH_SIZE = int(_env("PORTAL_BATCH_SIZE", "100"))
    PORTAL_TIMEOUT_S = float(_env("PORTAL_TIMEOUT_S", "30"))
    PORTAL_MAX_ATTEMPTS = int(_env("PORTAL_MAX_ATTEMPTS", "8"))
    PORTAL_BACKOFF_BASE_S = float(_env("PORTAL_BACKOFF_BASE_S", "30"))
    PORTAL_BACKOFF_MAX_S = float(_env("PORTAL_BACKOFF_MAX_S", "3600"))

    # Background jobs (jobs/): recall notices, portal sync, housekeeping, run by `flask worker`.
    # The queue is in Redis when JOBS_URL (or REDIS_URL) names one, else in SQLite at
    # INSTANCE_DIR/jobs.sqlite3 (JOBS_URL=sqlite:///path to put it elsewhere).
    JOBS_URL = _env("JOBS_URL", _env("REDIS_URL"))
    JOBS_IMMEDIATE = _env_bool("JOBS_IMMEDIATE", False)  # run jobs where they are queued
    JOBS_WORKERS = int(_env("JOBS_WORKERS", "2"))  # threads of `flask worker`
    JOBS_POLL_SECONDS = float(_env("JOBS_POLL_SECONDS", "1"))  # longest wait on SQLite
    JOBS_SHUTDOWN_SECONDS = float(_env("JOBS_SHUTDOWN_SECONDS", "20"))  # on SIGTERM
    # No heartbeat for this long (it beats every minute): pages say the worker is not running.
    JOBS_STALE_SECONDS = int(_env("JOBS_STALE_SECONDS", "300"))
    PORTAL_SYNC_MINUTES = int(_env("PORTAL_SYNC_MINUTES", "5"))  # with PORTAL_ENDPOINT set

    # Recall notices go out by SMTP; with no SMTP_HOST they wait in the outbox (pending).
    SMTP_HOST = _env("SMTP_HOST")
    SMTP_PORT = int(_env("SMTP_PORT", "25"))
    SMTP_USER = _env("SMTP_USER")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = float(_env("SMTP_TIMEOUT", "10"))
    MAIL_FROM = _env("MAIL_FROM", "thuhoi@htx.invalid")
    RECALL_DEADLINE_HOURS = int(_env("RECALL_DEADLINE_HOURS", "24"))
    RECALL_NOTICE_MAX_ATTEMPTS = int(_env("RECALL_NOTICE_MAX_ATTEMPTS", "5"))
    # A failed notice waits this long, doubled after each further failure, before a retry
    # (the worker's job retries with this back-off; every minute it also sends what is due).
    RECALL_NOTICE_RETRY_SECONDS = int(_env("RECALL_NOTICE_RETRY_SECONDS", "60"))
    RECALL_ACK_LINK_DAYS = int(_env("RECALL_ACK_LINK_DAYS", "60"))

    # A plot walked with a phone's GPS is refused when any corner was fixed less accurately.
    EUDR_WALK_MAX_ACCURACY_M = float(_env("EUDR_WALK_MAX_ACCURACY_M", "10"))

    # The file store (files/): unset or "db" keeps uploaded files in the database;
    # s3://bucket/prefix in S3-compatible object storage (credentials the usual AWS way).
    FILES_URL = _env("FILES_URL", "db")
    FILES_S3_ENDPOINT_URL = _env("FILES_S3_ENDPOINT_URL", _env("AWS_ENDPOINT_URL"))
    FILES_S3_REGION = _env("FILES_S3_REGION", _env("AWS_DEFAULT_REGION"))

    # The export file the worker appends each day's chain-head anchor to (trace.services.
    # anchors), besides the database: put it on storage kept apart from the database host
    # (a mounted backup volume). Unset: INSTANCE_DIR/anchors/chain-heads.jsonl, except in
    # production, where the anchors are then in the database only.
    ANCHORS_FILE = _env("ANCHORS_FILE")

    TESTING = False


class ProductionConfig(Config):
    """Settings for gunicorn behind nginx: secure cookies, a real secret required."""

    ENV_NAME = "production"
    DEBUG = False

    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class TestConfig(Config):
    """Settings for the test suite: a throwaway database and a fast password hash."""

    TESTING = True
    SECRET_KEY = "test-secret"  # noqa: S105 - tests only
    SQLALCHEMY_DATABASE_URI = _database_url(_env("TEST_DATABASE_URL")) or "sqlite://"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105 - fast hash for tests
    RATELIMIT_STORAGE_URI = "memory://"
    PUBLIC_PAGE_CACHE_URL = "memory://"  # this process; a test may use a file or Redis
    SCAN_BUFFER_SIZE = 0  # scans written at once, so a test reads them right after a GET
    PUBLIC_PAGE_WRITE_SECONDS = 0  # pages kept in the database at once, likewise
    PUBLIC_PAGE_KEEP_AHEAD = False  # jobs run at once here: no rendering after each change
    WTF_CSRF_ENABLED = True
    # A job runs in the request that queues it; a test may queue for real (tests/jobs_helpers).
    JOBS_URL = None
    JOBS_IMMEDIATE = True


def config_for_environment() -> type[Config]:
    """Pick the config class named by APP_ENV (development by default)."""
    return ProductionConfig if _env("APP_ENV") == "production" else Config


def test_database_url() -> str | None:
    """The PostgreSQL URL the test suite should use, when CI provides one."""
    return _database_url(_env("TEST_DATABASE_URL"))
