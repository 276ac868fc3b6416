"""HTML views of user accounts: the department's list and its form to create a user."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from core.extensions import db
from core.validation import load_or_errors
from registry.models import User
from registry.schemas import UserInputSchema
from registry.services import accounts
from registry.views.organizations import FIELD_ERRORS, bp, form_data, paginate, service_errors


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
                errors = service_errors(exc)
            else:
                db.session.commit()
                flash(_("User %(email)s has been created.", email=user.email), "success")
                return redirect(url_for(".users"))
    page = paginate(stmt.options(selectinload(User.organization)))
    form = {key: value for key, value in form_data().items() if key != "password"}
    return render_template(
        "registry/user_list.html", page=page, values=form, errors=errors
    ), 422 if errors else 200
