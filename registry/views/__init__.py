"""HTML views of the registry: login, home pages, organizations, members, users, imports."""

from flask import Flask


def register(app: Flask) -> None:
    """Register the registry's blueprints and the login manager's loaders."""
    from registry.labels import template_labels
    from registry.views import auth, home, organizations

    auth.register_login_manager()
    app.context_processor(template_labels)
    for module in (auth, home, organizations):
        app.register_blueprint(module.bp)
