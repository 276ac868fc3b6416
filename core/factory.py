"""The application factory: the composition root that wires every feature together."""

from pathlib import Path

from flask import Flask, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix

from core import local_store
from core.config import DEFAULT_SECRET_KEY, Config, config_for_environment
from core.errors import register_error_handlers
from core.extensions import babel, csrf, db, limiter, login_manager, migrate
from core.i18n import install_template_ngettext, select_locale, template_helpers
from core.json import NumberJSONProvider
from core.security import IdConverter, register_security

PROJECT_DIR = Path(__file__).resolve().parent.parent


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """Build the app; ``config`` is a Config class, a mapping of overrides, or None."""
    app = Flask(
        __name__,
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
        instance_path=str(PROJECT_DIR / "instance"),
    )
    app.json = NumberJSONProvider(app)
    app.url_map.converters["int"] = IdConverter  # before any route is added
    _load_config(app, config)
    _refuse_default_secret(app)
    Path(app.config["INSTANCE_DIR"]).mkdir(parents=True, exist_ok=True)
    _register_extensions(app)
    _register_features(app)
    register_error_handlers(app)
    register_security(app)
    _register_icons(app)
    if app.config.get("PROXY_COUNT"):  # outermost, so every layer sees the client's address
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    return app


def _register_icons(app: Flask) -> None:
    # Browsers ask for /favicon.ico at the site's root whatever the page links to.
    folder = PROJECT_DIR / "static" / "img"

    def favicon():
        return send_from_directory(folder, "favicon.ico", max_age=7 * 86400)

    app.add_url_rule("/favicon.ico", endpoint="favicon", view_func=favicon)


def _refuse_default_secret(app: Flask) -> None:
    # Sessions signed with a published key can be forged: production must set its own.
    production = app.config.get("ENV_NAME") == "production" and not app.testing
    if production and app.config["SECRET_KEY"] in (None, "", DEFAULT_SECRET_KEY):
        raise RuntimeError("Set SECRET_KEY in the environment before running in production.")


def _load_config(app: Flask, config) -> None:
    if config is None:
        app.config.from_object(config_for_environment())
    elif isinstance(config, dict):
        app.config.from_object(Config)
        app.config.update(config)
    else:
        app.config.from_object(config)
    if not app.config.get("RATELIMIT_STORAGE_URI"):  # no Redis: the host's shared file
        shared = local_store.default_path(app.config["INSTANCE_DIR"])
        app.config["RATELIMIT_STORAGE_URI"] = f"htx-local://{shared}"
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"timeout": app.config["SQLITE_BUSY_TIMEOUT_S"]})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        # JIT compilation costs more than it saves on our short OLTP queries. The random
        # page cost is that of SSDs (PostgreSQL's default, 4, is for spinning disks): with
        # 4 the planner hashes every lot of a period instead of reading the covering index
        # in product order, three times slower for the traceability rate.
        settings = f"-c jit=off -c random_page_cost={app.config['PG_RANDOM_PAGE_COST']}"
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options.setdefault("connect_args", {"options": settings})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(PROJECT_DIR / "migrations"), render_as_batch=True, compare_type=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_ngettext(app)
    limiter.init_app(app)
    app.context_processor(template_helpers)


def _register_features(app: Flask) -> None:
    # Imported here, not at module top: the factory is the one core module allowed to
    # know the features, and importing them registers their models with the metadata.
    import core.idempotency  # noqa: F401
    import eudr
    import field
    import files
    import indicators
    import jobs
    import linkage.models  # noqa: F401
    import portal
    import recall
    import trace.chain_models  # noqa: F401
    import trace.models  # noqa: F401
    from api import register_api
    from consumer import cli as consumer_cli
    from consumer import front as consumer_front
    from consumer import scan_views
    from consumer import tasks as consumer_tasks  # noqa: F401 - declares its job
    from consumer import views as consumer_views
    from core import backup
    from epcis import views as epcis_views
    from jobs import cli as jobs_cli
    from labels import cli as labels_cli
    from labels import views as labels_views
    from linkage import cli as linkage_cli
    from linkage import views as linkage_views
    from registry import cli as registry_cli
    from registry import views as registry_views
    from trace import cli as trace_cli
    from trace import views as trace_views

    files.register(app)  # first: features declare the columns that name files
    registry_views.register(app)
    app.register_blueprint(consumer_views.bp)
    app.register_blueprint(scan_views.bp)
    consumer_front.install(app)
    app.register_blueprint(trace_views.bp)
    app.register_blueprint(labels_views.bp)
    app.register_blueprint(epcis_views.bp)
    app.register_blueprint(linkage_views.bp)
    backup.register(app)
    registry_cli.register(app)
    trace_cli.register(app)
    consumer_cli.register(app)
    labels_cli.register(app)
    linkage_cli.register(app)
    recall.register(app)
    eudr.register(app)
    field.register(app)
    portal.register(app)
    indicators.register(app)
    register_api(app)
    # Last: the features' tasks modules have declared their jobs by now.
    jobs.init_app(app)
    jobs_cli.register(app)
