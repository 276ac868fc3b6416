"""Home page: what each role sees first after logging in, and what to do next."""

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
    panels = [html for panel in home_panels() if (html := panel(current_user))]
    if current_user.is_department:
        steps = dashboard.setup_steps() + [s for more in setup_steps() for s in more()]
        return render_template(
            "home/department.html",
            summary=dashboard.registry_summary(),
            steps=steps,
            started=all(step.done for step in steps),
            panels=panels,
        )
    org = current_user.organization
    return render_template(
        "home/organization.html",
        org=org,
        summary=dashboard.org_summary(org),
        panels=panels if org else [],
    )


def home_panels() -> list:
    """The panels features above the registry add to the home pages.

    The registry may not import those features (the layers run the other way), so each
    registers a callable here when its blueprint is registered (``add_home_panel``): it
    takes the signed-in user and returns the panel's HTML, or "" when it has nothing to
    show that user (each panel decides which roles it serves).
    """
    found = current_app.extensions.get("home_panels", [])
    return [panel for _order, _n, panel in sorted(found, key=lambda entry: entry[:2])]


def add_home_panel(app, panel, order: int = 50) -> None:
    """Add ``panel`` (user -> HTML) to the home pages of ``app``; lower ``order`` first
    (alerts such as recalls come before tasks, tasks before lists)."""
    found = app.extensions.setdefault("home_panels", [])
    found.append((order, len(found), panel))


def setup_steps() -> list:
    """Callables the features above the registry add to the department's getting-started
    list; each returns its ``dashboard.SetupStep`` rows (one query each, in order)."""
    return current_app.extensions.get("setup_steps", [])


def add_setup_steps(app, steps) -> None:
    """Add ``steps`` (() -> list of SetupStep) to the getting-started list of ``app``."""
    app.extensions.setdefault("setup_steps", []).append(steps)
