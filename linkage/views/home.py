"""Linkage's part of the home pages (registered with the registry's hook, which cannot
import us): a party's contracts to confirm, and the department's verification queue."""

from flask import render_template
from markupsafe import Markup

from linkage.services import home
from linkage.views.common import bp
from registry.views.home import add_home_panel


@bp.record_once
def _register(state) -> None:
    add_home_panel(state.app, contracts_panel, order=30)
    add_home_panel(state.app, deliveries_due_panel, order=35)


def deliveries_due_panel(user) -> Markup | str:
    """A party's commitments that are late or due in the coming week, with what is left."""
    if user.is_department or user.organization_id is None:
        return ""
    due = home.deliveries_due(user)
    if not due:
        return ""
    html = render_template("linkage/_home_deliveries_due.html", due=due)
    return Markup(html)  # noqa: S704 - rendered by Jinja, which escaped every value


def contracts_panel(user) -> Markup | str:
    """Contracts waiting for the user: to confirm (a party) or to verify and claims to
    decide (the department); nothing when none wait."""
    if user.is_department:
        queue = home.department_queue()
        if not any(queue.values()):
            return ""
        html = render_template("linkage/_home_department.html", queue=queue)
    else:
        org = user.organization
        waiting = home.contracts_to_confirm(org.id) if org else []
        if not waiting:
            return ""
        html = render_template("linkage/_home_to_confirm.html", contracts=waiting)
    return Markup(html)  # noqa: S704 - rendered by Jinja, which escaped every value
