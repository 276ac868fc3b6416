"""HTML views of user accounts: the department's list and its form to create a user."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.validation import load_or_errors
from registry.schemas import UserInputSchema
from registry.services import accounts
from registry.views.common import FIELD_ERRORS, done, paginate, refusal
from registry.views.organizations import bp, form_data


@bp.route("/users", methods=["GET", "POST"], endpoint="users")
def user_list():
    """List users and create one (department)."""
    stmt = accounts.users_query(current_user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values, errors = load_or_errors(UserInputSchema(), form_data())
        if values is not None:
            try:
                user = accounts.create_user(current_user, values)
            except FIELD_ERRORS as exc:
                errors = refusal(exc)
            else:
                return done(
                    _("User %(email)s has been created.", email=user.email), url_for(".users")
                )
    page = paginate(stmt)
    form = {key: value for key, value in form_data().items() if key != "password"}
    return render_template(
        "registry/user_list.html", page=page, values=form, errors=errors
    ), 422 if errors else 200
