"""HTML views of user accounts: the department's list, its form to create (invite) a user,
deactivation and reactivation, and a new invitation or reset link to hand over."""

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from core.validation import load_or_errors
from registry.schemas import UserInputSchema
from registry.services import accounts
from registry.views.common import FIELD_ERRORS, done, paginate, refusal
from registry.views.organizations import bp, form_data


def _link_page(user, purpose: str, created: bool):
    """Commit, mail the link when a mail server is set, and show it to copy either way."""
    url = accounts.link_url(user, purpose)
    mailed = accounts.mail_link(user, purpose, url)
    db.session.commit()
    return render_template(
        "registry/user_link.html", user=user, url=url, mailed=mailed, created=created
    ), 201 if created else 200


@bp.route("/users", methods=["GET", "POST"], endpoint="users")
def user_list():
    """List users and create one, who is invited to choose a password (department)."""
    stmt = accounts.users_query(current_user)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data = {key: value for key, value in form_data().items() if key != "password"}
        values, errors = load_or_errors(UserInputSchema(), data)
        if values is not None:
            try:
                user = accounts.create_user(current_user, values)
            except FIELD_ERRORS as exc:
                errors = refusal(exc)
            else:
                return _link_page(user, accounts.INVITATION, created=True)
    page = paginate(stmt)
    form = {key: value for key, value in form_data().items() if key != "password"}
    if request.method == "GET" and request.args.get("organization"):
        form["organization"] = request.args["organization"]
    return render_template(
        "registry/user_list.html",
        page=page,
        values=form,
        errors=errors,
        organizations=accounts.organization_choices(),
    ), 422 if errors else 200


@bp.post("/users/<int:user_id>/deactivate", endpoint="user_deactivate")
def user_deactivate(user_id):
    """Deactivate a user: their sessions and API tokens stop at once (department)."""
    user = accounts.deactivate(current_user, accounts.user_by_id(current_user, user_id))
    return done(_("User %(email)s has been deactivated.", email=user.email), url_for(".users"))


@bp.post("/users/<int:user_id>/reactivate", endpoint="user_reactivate")
def user_reactivate(user_id):
    """Let a deactivated user sign in again (department)."""
    user = accounts.reactivate(current_user, accounts.user_by_id(current_user, user_id))
    return done(_("User %(email)s has been reactivated.", email=user.email), url_for(".users"))


@bp.post("/users/<int:user_id>/link", endpoint="user_link")
def user_link(user_id):
    """A new invitation link (no password yet) or reset link, to hand over (department)."""
    user = accounts.user_by_id(current_user, user_id)
    purpose = accounts.RESET if user.has_password else accounts.INVITATION
    return _link_page(user, purpose, created=False)
