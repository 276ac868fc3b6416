"""An organization's status: suspended, reactivated, dissolved (department only), by rule.

The rules are pure functions over the status and dates, testable without a database;
the services apply them to a stored organization. A dissolved organization is final.
"""

import enum
from datetime import date

from flask_babel import gettext as _

from core.clock import vn_today
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from registry.inputs import StatusChange
from registry.models import Organization, OrgStatus, User
from registry.services.organizations import get_organization
from registry.services.scoping import require_department


class StatusAction(enum.StrEnum):
    """What the department may do to an organization's status."""

    SUSPEND = "suspend"
    REACTIVATE = "reactivate"
    DISSOLVE = "dissolve"


# action -> (the statuses it starts from, the status it leads to)
_TRANSITIONS = {
    StatusAction.SUSPEND: ({OrgStatus.ACTIVE}, OrgStatus.SUSPENDED),
    StatusAction.REACTIVATE: ({OrgStatus.SUSPENDED}, OrgStatus.ACTIVE),
    StatusAction.DISSOLVE: ({OrgStatus.ACTIVE, OrgStatus.SUSPENDED}, OrgStatus.DISSOLVED),
}


def allowed_actions(status: OrgStatus) -> list[StatusAction]:
    """The actions the rules allow from ``status``, in the order a page offers them."""
    return [action for action, (sources, _target) in _TRANSITIONS.items() if status in sources]


def transition_refusal(status: OrgStatus, action: StatusAction) -> str | None:
    """Why ``action`` cannot be done from ``status`` (None when it can)."""
    if status in _TRANSITIONS[action][0]:
        return None
    if status == OrgStatus.DISSOLVED:
        return _("This organization is dissolved; its status no longer changes.")
    if action == StatusAction.SUSPEND:
        return _("This organization is already suspended.")
    return _("Only a suspended organization can be reactivated.")


def date_refusal(
    on: date, today: date, established_on: date | None, status_since: date | None
) -> str | None:
    """Why the status cannot change on ``on`` (None when it can)."""
    if on > today:
        return _("The date is in the future.")
    if established_on and on < established_on:
        return _("The date is before the organization was established.")
    if status_since and on < status_since:
        return _("The date is before the current status began.")
    return None


def change_status(
    user: User | None, org_id: int, action: StatusAction, change: StatusChange
) -> Organization:
    """Suspend, reactivate or dissolve an organization (department only), from ``change.on``.

    A transition the rules refuse is a 409; a date they refuse, a 422 on ``on``.
    """
    require_department(user)
    org = get_organization(user, org_id)
    refusal = transition_refusal(org.status, action)
    if refusal:
        raise Conflict.on_field("status", refusal)
    on = change.on or vn_today()
    refusal = date_refusal(on, vn_today(), org.established_on, org.status_since)
    if refusal:
        raise ValidationFailed.on_field("on", refusal)
    org.status, org.status_since = _TRANSITIONS[action][1], on
    db.session.flush()
    return org
