"""Home page: what each role sees first after logging in."""

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user

from registry.services import dashboard

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    """The home page of the logged-in user's role; the login page for visitors."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return _role_home()


def _role_home():
    if current_user.is_department:
        return render_template("home/department.html", summary=dashboard.registry_summary())
    org = current_user.organization
    return render_template(
        "home/organization.html",
        org=org,
        summary=dashboard.org_summary(org),
        panels=[panel(org) for panel in home_panels()] if org else [],
    )


def home_panels() -> list:
    """The panels features above the registry add to an organization's home page.

    The registry may not import those features (the layers run the other way), so each
    registers a callable here when its blueprint is registered (``add_home_panel``): it
    takes the organization and returns the panel's HTML, or "" when it has nothing to show.
    """
    return current_app.extensions.get("home_panels", [])


def add_home_panel(app, panel) -> None:
    """Add ``panel`` (organization -> HTML) to the organization home page of ``app``."""
    app.extensions.setdefault("home_panels", []).append(panel)
