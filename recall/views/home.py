"""Recalls on the home pages (registered with the registry's hook, which cannot import
us): open recalls with their 24-hour clocks, for those who must act on them."""

from flask import render_template
from markupsafe import Markup

from recall.services import home
from recall.views.common import bp
from registry.views.home import add_home_panel


@bp.record_once
def _register(state) -> None:
    add_home_panel(state.app, recalls_panel, order=10)


def recalls_panel(user) -> Markup | str:
    """Open recalls the user must act on: all (department), its own, those to acknowledge."""
    found = home.open_recalls(user)
    if not found:
        return ""
    html = render_template("recall/_home_open.html", found=found)
    return Markup(html)  # noqa: S704 - rendered by Jinja, which escaped every value
