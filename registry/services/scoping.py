"""The one place where queries are narrowed to what the caller may see (DESIGN.md section 9).

Every service that lists or fetches organization-owned records goes through
``scope_to_caller``; a view never filters by organization itself.
"""

from collections.abc import Callable
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, false, inspect, or_, select, union
from sqlalchemy.orm import InstrumentedAttribute

from core.errors import Forbidden, NotFound
from core.extensions import db
from registry.models import Role, User

Record = TypeVar("Record")


def sees_everything(user: User | None) -> bool:
    """Department staff see every organization's records."""
    return user is not None and user.role == Role.DEPARTMENT_ADMIN


def scope_to_caller(
    stmt: Select,
    user: User | None,
    org_column: InstrumentedAttribute,
    shared_with: Callable[[int], ColumnElement[bool]] | None = None,
    shared_ids: Callable[[int], Select] | None = None,
) -> Select:
    """Restrict ``stmt`` to rows whose ``org_column`` is the caller's organization.

    ``shared_with(org_id)``, when given, is a condition for rows another
    organization shared with the caller's (a lot delivered to an enterprise).
    ``shared_ids(org_id)`` says the same as a select() of those rows' primary keys: the
    rows kept are then those whose key is in one set, the caller's own keys and these,
    which either engine builds once and reads by key. Use it for a list that nothing else
    narrows: with an OR of the two conditions, PostgreSQL filters every row of the table.
    Anonymous callers and users without an organization see nothing.
    """
    if sees_everything(user):
        return stmt
    if user is None or user.organization_id is None:
        return stmt.where(false())
    own = org_column == user.organization_id
    if shared_ids is not None:
        key = inspect(org_column.class_).primary_key[0]
        own_ids = select(key).where(own)
        return stmt.where(key.in_(union(own_ids, shared_ids(user.organization_id))))
    if shared_with is not None:
        return stmt.where(or_(own, shared_with(user.organization_id)))
    return stmt.where(own)


def may_see_org(user: User | None, organization_id: int) -> bool:
    """True when the caller may read records owned by this organization."""
    return sees_everything(user) or (user is not None and user.organization_id == organization_id)


def ensure_visible(user: User | None, organization_id: int, what: str | None = None) -> None:
    """Raise NotFound (not 403: existence is not disclosed) for another organization's record."""
    if not may_see_org(user, organization_id):
        raise NotFound(what or _("Not found."))


def get_visible(
    user: User | None,
    model: type[Record],
    record_id: int,
    message: str,
    owner: Callable[[Record], int] = lambda record: record.organization_id,
) -> Record:
    """The record of ``model`` with this id, if the caller may see its owner's records.

    Absent and not visible are the same 404 with ``message``: existence is not disclosed.
    """
    record = db.session.get(model, record_id)
    if record is None:
        raise NotFound(message)
    ensure_visible(user, owner(record), message)
    return record


def require_department(user: User | None) -> None:
    """Raise Forbidden unless the caller is department staff."""
    if not sees_everything(user):
        raise Forbidden(_("Only the agriculture department may do this."))


def require_own_org(user: User | None, organization_id: int) -> None:
    """Raise unless the caller belongs to the organization: only owners write its records.

    The department reads everything but records nothing on an organization's behalf.
    """
    if user is None or user.organization_id is None or user.organization_id != organization_id:
        if sees_everything(user):
            raise Forbidden(_("The department reads these records but does not change them."))
        raise NotFound(_("Not found."))
