"""The one place where queries are narrowed to what the caller may see (DESIGN.md section 9).

Every service that lists or fetches organization-owned records goes through
``scope_to_caller``; a view never filters by organization itself.
"""

from flask_babel import gettext as _
from sqlalchemy import Select, false
from sqlalchemy.orm import InstrumentedAttribute

from core.errors import Forbidden, NotFound
from registry.models import Role, User


def sees_everything(user: User | None) -> bool:
    """Department staff see every organization's records."""
    return user is not None and user.role == Role.DEPARTMENT_ADMIN


def scope_to_caller(stmt: Select, user: User | None, org_column: InstrumentedAttribute) -> Select:
    """Restrict ``stmt`` to rows whose ``org_column`` is the caller's organization.

    Anonymous callers and users without an organization see nothing.
    """
    if sees_everything(user):
        return stmt
    if user is None or user.organization_id is None:
        return stmt.where(false())
    return stmt.where(org_column == user.organization_id)


def may_see_org(user: User | None, organization_id: int) -> bool:
    """True when the caller may read records owned by this organization."""
    return sees_everything(user) or (user is not None and user.organization_id == organization_id)


def ensure_visible(user: User | None, organization_id: int, what: str | None = None) -> None:
    """Raise NotFound (not 403: existence is not disclosed) for another organization's record."""
    if not may_see_org(user, organization_id):
        raise NotFound(what or _("Not found."))


def require_department(user: User | None) -> None:
    """Raise Forbidden unless the caller is department staff."""
    if not sees_everything(user):
        raise Forbidden(_("Only the agriculture department may do this."))
