"""The trace's part of the home pages: getting-started steps, and a cooperative's lots
that are not traced yet (registered with the registry's hooks, which cannot import us)."""

from flask import render_template
from markupsafe import Markup

from registry.views.home import add_home_panel, add_setup_steps
from trace.services import home
from trace.views.common import bp


@bp.record_once
def _register(state) -> None:
    add_setup_steps(state.app, home.setup_steps)
    add_home_panel(state.app, first_steps_panel, order=20)
    add_home_panel(state.app, untraced_panel)
    add_home_panel(state.app, unscanned_panel, order=60)
    add_home_panel(state.app, received_panel, order=60)


def unscanned_panel(user) -> Markup | str:
    """A cooperative's lots whose labels were printed and never scanned."""
    org = user.organization
    if org is None or user.is_department or not org.is_cooperative_kind:
        return ""
    total, lots = home.unscanned_labels(org.id)
    if not total:
        return ""
    return _panel("trace/_home_unscanned.html", total=total, lots=lots)


def received_panel(user) -> Markup | str:
    """The lots an organization received in the last seven days (enterprises above all)."""
    org = user.organization
    if org is None or user.is_department:
        return ""
    lots = home.received_this_week(org.id)
    if not lots:
        return ""
    return _panel("trace/_home_received.html", lots=lots)


def first_steps_panel(user) -> Markup | str:
    """A new cooperative's next steps, until it has households, products, areas and a lot."""
    org = user.organization
    if org is None or user.is_department or not org.is_cooperative_kind:
        return ""
    steps = home.first_steps(org.id)
    if all(step.done for step in steps):
        return ""
    return _panel("trace/_home_first_steps.html", steps=steps)


def untraced_panel(user) -> Markup | str:
    """A cooperative's lots that do not count as traced, each with what it lacks."""
    org = user.organization
    if org is None or user.is_department or not org.is_cooperative_kind:
        return ""
    total, lots = home.untraced_lots(org.id)
    if not total:
        return ""
    return _panel("trace/_home_untraced.html", total=total, lots=lots)


def _panel(template: str, **context) -> Markup:
    """A home panel rendered from its template."""
    return Markup(render_template(template, **context))  # noqa: S704 - Jinja escaped every value
