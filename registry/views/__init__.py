"""HTML views of the registry: login, home pages, organizations, members, users, imports."""

from flask import Flask


def register(app: Flask) -> None:
    """Register the registry's blueprints and the login manager's loaders."""
    from registry import tasks  # noqa: F401 - declares the worker's account-mail job
    from registry.names import template_labels

    # users and imports attach their routes to the ``registry`` blueprint of
    # organizations: importing them here, before it is registered, is what adds them.
    from registry.views import auth, home, imports, organizations, users  # noqa: F401

    auth.register_login_manager()
    app.context_processor(template_labels)
    for module in (auth, home, organizations):
        app.register_blueprint(module.bp)
