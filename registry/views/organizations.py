"""HTML views of organizations and their member households (hộ thành viên).

The blueprint ``registry`` is shared with ``registry.views.users`` and
``registry.views.imports``, which attach their routes to it. Views are thin:
they validate the form with the registry's schemas, call the services, and
commit once; every scoping rule lives in the services.
"""

import dataclasses
import enum
from datetime import date
from decimal import Decimal

from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema

from core.clock import vn_today
from core.numbers import input_value, read_number
from core.validation import load_or_errors
from registry.models import MemberHousehold, Organization
from registry.schemas import (
    MemberInputSchema,
    MemberLeaveSchema,
    MemberQueryArgsSchema,
    OrganizationEditSchema,
    OrganizationInputSchema,
    OrganizationQueryArgsSchema,
    StatusChangeSchema,
)
from registry.services import accounts, members, organizations, statuses
from registry.services.scoping import require_department
from registry.services.statuses import StatusAction
from registry.views.common import (
    FIELD_ERRORS,
    commune_options,
    done,
    link_args,
    paginate,
    refusal,
    require_login,
    valid_filters,
)

bp = Blueprint("registry", __name__, url_prefix="/registry")
bp.before_request(require_login)


# Helpers shared by the registry's views ------------------------------------------------


# The forms' number fields, read by the one rule of core.numbers (``13,98`` or ``13.98``).
NUMBER_FIELDS = frozenset(
    {"latitude", "longitude", "member_count", "rating_year", "planted_area_ha"}
)


def form_data() -> dict[str, str]:
    """The posted form without the CSRF token, which no input schema knows."""
    return {
        key: read_number(value) if key in NUMBER_FIELDS else value
        for key, value in request.form.items()
        if key != "csrf_token"
    }


def query_args(schema: Schema) -> tuple[dict, dict[str, list[str]]]:
    """The schema's filters from the query string; invalid ones are dropped and reported."""
    return valid_filters(
        schema, {name: request.args[name] for name in schema.fields if name in request.args}
    )


# Organizations ---------------------------------------------------------------------------


@bp.get("/organizations", endpoint="organizations")
def organization_list():
    """List the organizations the user may see, filtered and paginated."""
    filters, errors = query_args(OrganizationQueryArgsSchema())
    page = paginate(organizations.organizations_query(current_user, **filters))
    return render_template(
        "registry/organization_list.html",
        page=page,
        filters=filters,
        errors=errors,
        args=link_args(),
        communes=commune_options(),
    )


@bp.get("/organizations/<int:org_id>", endpoint="organization")
def organization_detail(org_id: int):
    """One organization's profile, ratings and household count."""
    org = organizations.get_organization(current_user, org_id)
    households = members.active_member_count(org.id) if org.is_cooperative_kind else None
    users = accounts.users_of_organization(org.id) if current_user.is_department else None
    return render_template(
        "registry/organization_detail.html", org=org, households=households, users=users
    )


@bp.route("/organizations/new", methods=["GET", "POST"], endpoint="organization_new")
def organization_new():
    """Register an organization (department)."""
    require_department(current_user)
    if request.method == "GET":
        defaults = {"kind": "cooperative", "sector": "agricultural", "status": "active"}
        return _organization_form(None, defaults, {})
    return _save_organization(None)


@bp.route("/organizations/<int:org_id>/edit", methods=["GET", "POST"], endpoint="organization_edit")
def organization_edit(org_id: int):
    """Edit an organization (department)."""
    require_department(current_user)
    org = organizations.get_organization(current_user, org_id)
    if request.method == "GET":
        return _organization_form(org, _organization_values(org), {})
    return _save_organization(org)


def _save_organization(org: Organization | None):
    # A new organization's form has its status; an edited one's status has its own buttons.
    schema = OrganizationInputSchema() if org is None else OrganizationEditSchema()
    data, errors = load_or_errors(schema, form_data())
    if data is not None:
        try:
            if org is None:
                saved = organizations.create_organization(current_user, data)
            else:
                saved = organizations.update_organization(current_user, org.id, data)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            return done(
                _("%(name)s has been saved.", name=saved.name),
                url_for(".organization", org_id=saved.id),
            )
    return _organization_form(org, request.form, errors), 422


@bp.post(
    "/organizations/<int:org_id>/status/<any(suspend, reactivate, dissolve):action>",
    endpoint="organization_status",
)
def organization_status(org_id: int, action: str):
    """Suspend, reactivate or dissolve an organization (department), as the rules allow."""
    org = organizations.get_organization(current_user, org_id)
    change, errors = load_or_errors(StatusChangeSchema(), form_data())
    if change is not None:
        try:
            statuses.change_status(current_user, org.id, StatusAction(action), change)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            return done(
                _("The status of %(name)s has been changed.", name=org.name),
                url_for(".organization", org_id=org.id),
            )
    org = organizations.get_organization(current_user, org_id)
    return _organization_form(org, _organization_values(org), {}, status_errors=errors), 422


def _organization_form(
    org: Organization | None, values, errors: dict, status_errors: dict | None = None
):
    return render_template(
        "registry/organization_form.html",
        org=org,
        values=values,
        errors=errors,
        status_errors=status_errors or {},
        status_actions=statuses.allowed_actions(org.status) if org else [],
        today=vn_today().isoformat(),
        communes=commune_options(values.get("admin_unit")),
    )


def _organization_values(org: Organization) -> dict[str, str]:
    rating = org.latest_rating
    data = dataclasses.replace(
        organizations.organization_input(org),
        rating_year=rating.year if rating else None,
        rating=rating.rating if rating else None,
    )
    return {name: _as_text(value) for name, value in dataclasses.asdict(data).items()}


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return input_value(value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    return value.isoformat() if isinstance(value, date) else str(value)


# Member households -----------------------------------------------------------------------


@bp.get("/organizations/<int:org_id>/members", endpoint="members")
def member_list(org_id: int):
    """A cooperative's member households (its own users and the department only)."""
    org = members.member_org(current_user, org_id)
    filters, errors = query_args(MemberQueryArgsSchema())
    page = paginate(members.members_query(current_user, org.id, **filters))
    return render_template(
        "registry/member_list.html",
        org=org,
        page=page,
        filters=filters,
        errors=errors,
        args=link_args(),
        households=members.active_member_count(org.id),
    )


@bp.route("/organizations/<int:org_id>/members/new", methods=["GET", "POST"], endpoint="member_new")
def member_new(org_id: int):
    """Add a member household to a cooperative."""
    org = members.member_org(current_user, org_id)
    if request.method == "GET":
        defaults = {"admin_unit": org.admin_unit.code, "member_type": "official"}
        return _member_form(org, None, defaults, {})
    data, errors = load_or_errors(MemberInputSchema(), form_data())
    if data is not None:
        try:
            member = members.add_member(current_user, org.id, data)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            return done(
                _("Household %(name)s has been added.", name=member.head_name),
                url_for(".members", org_id=org_id),
            )
    return _member_form(org, None, request.form, errors), 422


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"], endpoint="member_edit")
def member_edit(member_id: int):
    """Edit a member household."""
    member = members.get_member(current_user, member_id)
    if request.method == "GET":
        return _member_form(member.organization, member, _member_values(member), {})
    data, errors = load_or_errors(MemberInputSchema(), form_data())
    if data is not None:
        try:
            members.update_member(current_user, member_id, data)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            return done(
                _("Household %(name)s has been saved.", name=member.head_name),
                url_for(".members", org_id=member.organization_id),
            )
    return _member_form(member.organization, member, request.form, errors), 422


@bp.post("/members/<int:member_id>/leave", endpoint="member_leave")
def member_leave(member_id: int):
    """Record the date a household left its cooperative."""
    member = members.get_member(current_user, member_id)
    values, errors = load_or_errors(MemberLeaveSchema(), form_data())
    if values is not None:
        try:
            members.leave_member(current_user, member_id, values["left_on"])
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            return done(
                _("Household %(name)s has left.", name=member.head_name),
                url_for(".members", org_id=member.organization_id),
            )
    page = _member_form(
        member.organization, member, _member_values(member), {}, leave_errors=errors
    )
    return page, 422


def _member_form(org, member, values, errors: dict, leave_errors: dict | None = None):
    return render_template(
        "registry/member_form.html",
        org=org,
        member=member,
        values=values,
        errors=errors,
        leave_errors=leave_errors or {},
        today=vn_today().isoformat(),
        communes=commune_options(values.get("admin_unit")),
    )


def _member_values(member: MemberHousehold) -> dict[str, str]:
    data = dataclasses.asdict(members.member_input(member))
    return {name: _as_text(value) for name, value in data.items()}
