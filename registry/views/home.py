"""Home page: what each role sees first after logging in."""

from flask import Blueprint, redirect, render_template, url_for
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
    return render_template("home/organization.html", org=org, summary=dashboard.org_summary(org))
