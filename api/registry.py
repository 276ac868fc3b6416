"""Registry API: administrative units, organizations, member households, users."""

from flask.views import MethodView

from api.common import Blueprint, caller, commits, load_bearer_user, paginate
from registry.schemas import (
    AdminUnitQueryArgsSchema,
    AdminUnitSchema,
    MemberInputSchema,
    MemberLeaveSchema,
    MemberPatchSchema,
    MemberPutSchema,
    MemberQueryArgsSchema,
    MemberSchema,
    OrganizationInputSchema,
    OrganizationPatchSchema,
    OrganizationPutSchema,
    OrganizationQueryArgsSchema,
    OrganizationSchema,
    StatusChangeSchema,
    UserInputSchema,
    UserSchema,
)
from registry.services import accounts, members, organizations, statuses, units

blp = Blueprint(
    "registry_api", __name__, description="Registry: units, organizations, members, users"
)
blp.before_request(load_bearer_user)


@blp.route("/admin-units")
class AdminUnits(MethodView):
    """Administrative units (current, or legacy with ?legacy=true)."""

    @blp.arguments(AdminUnitQueryArgsSchema, location="query")
    @blp.response(200, AdminUnitSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List administrative units"""
        caller()
        stmt = units.list_units(
            args.get("province") or units.default_province_code(),
            args.get("level"),
            args.get("q"),
            args["legacy"],
        )
        return paginate(stmt, pagination_parameters)


@blp.route("/organizations")
class Organizations(MethodView):
    """Organizations in the registry, scoped to the caller."""

    @blp.arguments(OrganizationQueryArgsSchema, location="query")
    @blp.response(200, OrganizationSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List organizations"""
        return paginate(organizations.organizations_query(caller(), **args), pagination_parameters)

    @commits
    @blp.arguments(OrganizationInputSchema)
    @blp.response(201, OrganizationSchema)
    def post(self, data):
        """Register an organization (department)"""
        return organizations.create_organization(caller(), data)


@blp.route("/organizations/<int:org_id>")
class OrganizationById(MethodView):
    """One organization."""

    @blp.response(200, OrganizationSchema)
    def get(self, org_id):
        """Get an organization"""
        return organizations.get_organization(caller(), org_id)

    @commits
    @blp.arguments(OrganizationPutSchema)
    @blp.response(200, OrganizationSchema)
    def put(self, data, org_id):
        """Replace an organization's editable fields, every one sent (department)"""
        return organizations.update_organization(caller(), org_id, data)

    @commits
    @blp.arguments(OrganizationPatchSchema)
    @blp.response(200, OrganizationSchema)
    def patch(self, patch, org_id):
        """Change the fields sent of an organization (department)"""
        return organizations.update_organization(caller(), org_id, patch)


_REFUSED_CHANGE = "The rules do not allow this change from the organization's status"


@blp.route("/organizations/<int:org_id>/suspend")
class OrganizationSuspend(MethodView):
    """Suspending an active organization (tạm ngừng hoạt động)."""

    @commits
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, OrganizationSchema)
    @blp.alt_response(409, description=_REFUSED_CHANGE)
    def post(self, change, org_id):
        """Suspend an active organization (department)"""
        return statuses.change_status(caller(), org_id, statuses.StatusAction.SUSPEND, change)


@blp.route("/organizations/<int:org_id>/reactivate")
class OrganizationReactivate(MethodView):
    """Reactivating a suspended organization."""

    @commits
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, OrganizationSchema)
    @blp.alt_response(409, description=_REFUSED_CHANGE)
    def post(self, change, org_id):
        """Reactivate a suspended organization (department)"""
        return statuses.change_status(caller(), org_id, statuses.StatusAction.REACTIVATE, change)


@blp.route("/organizations/<int:org_id>/dissolve")
class OrganizationDissolve(MethodView):
    """Dissolving an organization (giải thể): final, its status no longer changes."""

    @commits
    @blp.arguments(StatusChangeSchema)
    @blp.response(200, OrganizationSchema)
    @blp.alt_response(409, description=_REFUSED_CHANGE)
    def post(self, change, org_id):
        """Dissolve an active or suspended organization (department)"""
        return statuses.change_status(caller(), org_id, statuses.StatusAction.DISSOLVE, change)


@blp.route("/organizations/<int:org_id>/members")
class Members(MethodView):
    """Member households of a cooperative or group."""

    @blp.arguments(MemberQueryArgsSchema, location="query")
    @blp.response(200, MemberSchema(many=True))
    @blp.paginate()
    def get(self, args, org_id, pagination_parameters):
        """List member households"""
        return paginate(members.members_query(caller(), org_id, **args), pagination_parameters)

    @commits
    @blp.arguments(MemberInputSchema)
    @blp.response(201, MemberSchema)
    def post(self, data, org_id):
        """Add a member household"""
        return members.add_member(caller(), org_id, data)


@blp.route("/members/<int:member_id>")
class MemberById(MethodView):
    """One member household."""

    @blp.response(200, MemberSchema)
    def get(self, member_id):
        """Get a member household"""
        return members.get_member(caller(), member_id)

    @commits
    @blp.arguments(MemberPutSchema)
    @blp.response(200, MemberSchema)
    def put(self, data, member_id):
        """Replace a member household's fields, every one sent"""
        return members.update_member(caller(), member_id, data)

    @commits
    @blp.arguments(MemberPatchSchema)
    @blp.response(200, MemberSchema)
    def patch(self, patch, member_id):
        """Change the fields sent of a member household"""
        return members.update_member(caller(), member_id, patch)


@blp.route("/members/<int:member_id>/leave")
class MemberLeave(MethodView):
    """A household leaving its cooperative."""

    @commits
    @blp.arguments(MemberLeaveSchema)
    @blp.response(200, MemberSchema)
    def post(self, values, member_id):
        """Record that a household left"""
        return members.leave_member(caller(), member_id, values["left_on"])


@blp.route("/users")
class Users(MethodView):
    """User accounts (department)."""

    @blp.response(200, UserSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List users (department)"""
        return paginate(accounts.users_query(caller()), pagination_parameters)

    @commits
    @blp.arguments(UserInputSchema)
    @blp.response(201, UserSchema)
    def post(self, values):
        """Create a user (department); without a password, it is invited: the answer's
        ``invitation_url`` lets them choose one (mailed too when a mail server is set)"""
        user = accounts.create_user(caller(), values)
        if not user.has_password:
            user.invitation_url = _handed_link(user)
        return user


def _handed_link(user) -> str:
    purpose = accounts.RESET if user.has_password else accounts.INVITATION
    url = accounts.link_url(user, purpose)
    accounts.mail_link(user, purpose, url)
    return url


@blp.route("/users/<int:user_id>/deactivate")
class UserDeactivation(MethodView):
    """Deactivating a user (department)."""

    @commits
    @blp.response(200, UserSchema)
    def post(self, user_id):
        """Deactivate a user: no sign-in; their sessions and API tokens stop at once"""
        return accounts.deactivate(caller(), accounts.user_by_id(caller(), user_id))


@blp.route("/users/<int:user_id>/reactivate")
class UserReactivation(MethodView):
    """Reactivating a user (department)."""

    @commits
    @blp.response(200, UserSchema)
    def post(self, user_id):
        """Let a deactivated user sign in again (their old API tokens stay revoked)"""
        return accounts.reactivate(caller(), accounts.user_by_id(caller(), user_id))


@blp.route("/users/<int:user_id>/link")
class UserLink(MethodView):
    """A new invitation or password-reset link for a user (department)."""

    @commits
    @blp.response(200, UserSchema)
    def post(self, user_id):
        """Make a new link (invitation when the user has no password yet, else reset),
        mailed when a mail server is set; the answer's ``invitation_url`` holds it"""
        user = accounts.user_by_id(caller(), user_id)
        user.invitation_url = _handed_link(user)
        return user
