"""The department's home-page panel of the two targets (registered with the registry's
hook, which cannot import us), and the portal-sync problems beside it."""

from flask import render_template
from markupsafe import Markup

from indicators.services.home import targets_summary
from indicators.views.common import bp
from registry.views.home import add_home_panel


@bp.record_once
def _register(state) -> None:
    add_home_panel(state.app, targets_panel, order=30)


def targets_panel(user) -> Markup | str:
    """Both targets against the plan, with the weakest communes first (department only,
    once there is something to count)."""
    if not user.is_department:
        return ""
    summary = targets_summary()
    if not any(item.denominator for item in summary):
        return ""  # nothing to count yet: the getting-started steps come first
    html = render_template("indicators/_home_targets.html", summary=summary)
    return Markup(html)  # noqa: S704 - rendered by Jinja, which escaped every value
