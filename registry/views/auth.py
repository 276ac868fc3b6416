"""Web login, logout, password change, invitation and reset links, language switch and the
user's own API tokens."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user

from core.errors import NotFound, ServiceError
from core.extensions import db, limiter, login_manager
from core.i18n import LOCALE_SESSION_KEY, ngettext
from core.urls import safe_local_path
from core.validation import load_or_errors
from registry.schemas import NewPasswordSchema, PasswordChangeSchema
from registry.services import accounts, login_limit
from registry.views.common import done

bp = Blueprint("auth", __name__)


def register_login_manager() -> None:
    """Tell Flask-Login how to load users and where the login page is."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_user_of_session)


# The session version a login began under (registry.services.accounts.end_sessions).
SESSION_VERSION_KEY = "_session_version"


def _user_of_session(user_id: str):
    return accounts.user_for_session(user_id, session.get(SESSION_VERSION_KEY))


def _begin_session(user) -> None:
    login_user(user)
    session[SESSION_VERSION_KEY] = user.session_version


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after login is a phishing aid.
    return safe_local_path(target, url_for("home.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with e-mail and password (failures limited per address and per account)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    error, status, headers = None, 200, {}
    if request.method == "POST":
        try:
            user = login_limit.sign_in(
                request.form.get("email", ""), request.form.get("password", "")
            )
        except login_limit.LOCKED as exc:
            error, status, headers = exc.message, 429, {"Retry-After": str(exc.seconds)}
        else:
            if user is not None:
                db.session.commit()
                _begin_session(user)
                return redirect(_safe_next(request.args.get("next")))
            error, status = _("Wrong e-mail or password."), 401
    return (
        render_template("auth/login.html", error=error, email=request.form.get("email", "")),
        status,
        headers,
    )


@bp.post("/logout")
@login_required
def logout():
    """Log out, here and in every other session of the user (a copied cookie included)."""
    accounts.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.pop(SESSION_VERSION_KEY, None)
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; every other session ends, and the API tokens may too."""
    errors = {}
    if request.method == "POST":
        values, errors = load_or_errors(PasswordChangeSchema(), request.form)
        if values:
            try:
                accounts.change_password(
                    current_user, values["current_password"], values["new_password"]
                )
            except ServiceError as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                return _password_changed(values["revoke_tokens"])
    live_tokens = sum(1 for token in accounts.tokens_of(current_user) if token.revoked_at is None)
    return render_template(
        "auth/password.html", errors=errors, live_tokens=live_tokens
    ), 422 if errors else 200


def _password_changed(revoke_tokens: bool):
    revoked = accounts.revoke_all_tokens(current_user) if revoke_tokens else 0
    session[SESSION_VERSION_KEY] = current_user.session_version  # this session goes on
    message = _("Your password has been changed. Your other sessions have ended.")
    if revoked:
        message += " " + ngettext(
            "%(num)s API token was revoked.", "%(num)s API tokens were revoked.", revoked
        )
    return done(message, url_for("home.index"))


@bp.route("/account/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_RATE_LIMIT"], methods=["POST"])
def forgot_password():
    """Ask for a reset link by mail; the answer is the same whether the e-mail exists."""
    if request.method == "POST":
        user = accounts.user_for_reset(request.form.get("email", ""))
        if user is not None:
            accounts.mail_link(user, accounts.RESET, accounts.link_url(user, accounts.RESET))
        flash(
            _(
                "If an account has this e-mail, a link to choose a new password has been"
                " sent to it. Ask your administrator if no mail arrives."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html")


@bp.route("/account/<any(invitation, reset):purpose>/<token>", methods=["GET", "POST"])
def password_by_link(purpose, token):
    """Choose one's password (typed twice) through an invitation or reset link."""
    try:
        user = accounts.user_for_link(token, purpose)
    except NotFound as exc:
        return render_template("auth/link_dead.html", message=exc.message), 404
    errors = {}
    if request.method == "POST":
        values, errors = load_or_errors(NewPasswordSchema(), request.form)
        if values:
            try:
                accounts.set_password(user, values["new_password"])
            except ServiceError as exc:
                db.session.rollback()
                errors = exc.errors
            else:
                db.session.commit()
                if current_user.is_authenticated:
                    logout_user()
                flash(_("Your password has been set. You can log in now."), "success")
                return redirect(url_for("auth.login"))
    return render_template(
        "auth/password_link.html", user=user, purpose=purpose, errors=errors
    ), 422 if errors else 200


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """List, create and revoke one's own API tokens."""
    new_secret = None
    errors = {}
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()
        if not name or len(name) > 80:
            errors = {"name": [_("Give the token a name of at most 80 characters.")]}
        else:
            _token, new_secret = accounts.issue_token(current_user, name)
            db.session.commit()
    return render_template(
        "auth/tokens.html",
        tokens=accounts.tokens_of(current_user),
        new_secret=new_secret,
        errors=errors,
    ), 422 if errors else 200


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    """Revoke one of one's own API tokens."""
    accounts.revoke_token(current_user, token_id)
    return done(_("The token has been revoked."), url_for("auth.tokens"))


@bp.get("/lang/<code>")
def set_language(code):
    """Switch the interface language and remember the choice."""
    if code in current_app.config["LANGUAGES"]:
        session[LOCALE_SESSION_KEY] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(_safe_next(request.args.get("next")))
