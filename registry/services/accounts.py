"""Accounts: users, passwords, invitation and reset links, and API bearer tokens."""

import hashlib
import secrets
from datetime import UTC, datetime

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from core.mail import smtp_configured
from jobs import enqueue
from registry.models import COOPERATIVE_KINDS, ApiToken, Organization, OrgKind, Role, User
from registry.services.organizations import find_by_registration_code
from registry.services.scoping import require_department
from registry.tasks import SEND_ACCOUNT_MAIL_JOB

TOKEN_PREFIX = "htx_"  # noqa: S105 - a visible prefix, not a secret
# A real hash of a random password, so a login for an unknown e-mail costs as much
# time as one for a known e-mail (no account enumeration by timing).
_DUMMY_HASH = None
# The password hash of an invited user who has not chosen one: matches no password.
NO_PASSWORD = "!invited"  # noqa: S105 - a marker, not a secret
INVITATION = "invitation"
RESET = "reset"


def hash_password(password: str) -> str:
    """Hash a password with the configured slow hash (scrypt in production)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    global _DUMMY_HASH
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password(secrets.token_hex(8))
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.can_sign_in:
        return None
    user.last_login_at = datetime.now(UTC)
    return user


def _role_fits_org(role: Role, org) -> bool:
    if role == Role.DEPARTMENT_ADMIN:
        return org is None or org.kind == OrgKind.AGENCY
    if org is None:
        return False
    if role == Role.COOPERATIVE:
        return org.kind in COOPERATIVE_KINDS
    return org.kind == OrgKind.ENTERPRISE


def create_user(
    actor: User | None,
    values: dict,
) -> User:
    """Create a user (department admin, or the operator's CLI with ``actor=None``)."""
    if actor is not None:
        require_department(actor)
    email = values["email"].strip().lower()
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict.on_field("email", _("A user with this e-mail already exists."))
    role = Role(values["role"])
    org = None
    if values.get("organization"):
        org = find_organization(values["organization"])
    if not _role_fits_org(role, org):
        raise ValidationFailed.on_field(
            "organization", _("This role needs an organization of the matching kind.")
        )
    user = User(email=email, full_name=values["full_name"], role=role, organization=org)
    if values.get("password"):
        set_password(user, values["password"], field="password")
    else:  # invited: the user chooses a password through the invitation link
        user.password_hash = NO_PASSWORD
    db.session.add(user)
    db.session.flush()
    return user


def find_organization(text: str) -> Organization:
    """The organization a user form names: by registration code, else by exact name or
    short name (any case); 422 on ``organization`` when none or several fit."""
    text = text.strip()
    org = find_by_registration_code(text)
    if org is not None:
        return org
    wanted = func.lower(text)  # lowered by the database on both sides (SQLite: ASCII only)
    found = list(
        db.session.scalars(
            select(Organization)
            .where(
                (func.lower(Organization.name) == wanted)
                | (func.lower(Organization.short_name) == wanted)
            )
            .limit(2)
        )
    )
    if len(found) != 1:
        raise ValidationFailed.on_field(
            "organization",
            _("No single organization has the name or registration code %(code)s.", code=text),
        )
    return found[0]


def organization_choices() -> list[tuple[str, str]]:
    """(name, registration code) of every organization, by name, for the user form's list."""
    rows = db.session.execute(
        select(Organization.name, Organization.registration_code).order_by(Organization.name)
    )
    return [(name, code) for name, code in rows]


def users_of_organization(org_id: int) -> list[User]:
    """The users of one organization, by e-mail."""
    return list(
        db.session.scalars(select(User).where(User.organization_id == org_id).order_by(User.email))
    )


def user_by_id(actor: User, user_id: int) -> User:
    """A user by id (department admin only), or 404."""
    require_department(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_("No such user."))
    return user


def deactivate(actor: User | None, user: User) -> User:
    """Deactivate a user: no sign-in, and every session and API token stops at once.

    ``actor`` None is the operator's CLI. An administrator cannot deactivate themself
    (409): the department would be left without a way back in.
    """
    if actor is not None:
        require_department(actor)
        if actor.id == user.id:
            raise Conflict(_("You cannot deactivate your own account."))
    if user.active:
        user.active = False
        end_sessions(user)
        revoke_all_tokens(user)
    return user


def reactivate(actor: User | None, user: User) -> User:
    """Let a deactivated user sign in again (their old tokens stay revoked)."""
    if actor is not None:
        require_department(actor)
    user.active = True
    return user


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"account-{purpose}")


def _fingerprint(user: User) -> str:
    # Changes when the password is set or the sessions end: a used link is dead.
    material = f"{user.id}:{user.password_hash}:{user.session_version or 0}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def link_token(user: User, purpose: str) -> str:
    """A signed token for an invitation or reset link (valid until used or expired)."""
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def link_url(user: User, purpose: str) -> str:
    """The full address of a new invitation or reset link (the page ``auth.password_by_link``)."""
    token = link_token(user, purpose)
    return url_for("auth.password_by_link", purpose=purpose, token=token, _external=True)


def link_max_age(purpose: str) -> int:
    """Seconds a link of this purpose stays valid (ACCOUNT_INVITATION_DAYS, …_RESET_HOURS)."""
    config = current_app.config
    if purpose == INVITATION:
        return int(config["ACCOUNT_INVITATION_DAYS"]) * 86400
    return int(config["PASSWORD_RESET_HOURS"]) * 3600


def user_for_link(token: str, purpose: str) -> User:
    """The user a link is for; 404 when it is forged, expired, used or the user is barred."""
    try:
        data = _serializer(purpose).loads(token, max_age=link_max_age(purpose))
    except SignatureExpired as exc:
        raise NotFound(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise NotFound(_("This link is not valid, or it has been used already.")) from exc
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or data.get("f") != _fingerprint(user) or not user.can_sign_in:
        raise NotFound(_("This link is not valid, or it has been used already."))
    return user


def set_password_by_link(token: str, purpose: str, password: str) -> User:
    """Set the password a link's user chose; the link then stops working."""
    user = user_for_link(token, purpose)
    set_password(user, password)
    return user


def mail_link(user: User, purpose: str, url: str) -> bool:
    """Queue the mail that carries a link to the user, in the user's language (Vietnamese
    unless they chose another), not in that of whoever asked for it; False when no mail
    server is set, so that the link must be handed over another way."""
    if not smtp_configured():
        return False
    with force_locale(_recipient_locale(user)):
        subject, body = _link_mail(user, purpose, url)
    return enqueue(SEND_ACCOUNT_MAIL_JOB, user.email, subject, body)


def _recipient_locale(user: User) -> str:
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _link_mail(user: User, purpose: str, url: str) -> tuple[str, str]:
    if purpose == INVITATION:
        days = link_max_age(purpose) // 86400
        subject = _("Your account on the traceability service")
        body = _(
            "Hello %(name)s,\n\nAn account has been made for you (%(email)s). Open this link"
            " to choose your password; it works once, for %(days)d days:\n\n%(url)s\n",
            name=user.full_name,
            email=user.email,
            days=days,
            url=url,
        )
    else:
        hours = link_max_age(purpose) // 3600
        subject = _("Choose a new password")
        body = _(
            "Hello %(name)s,\n\nSomeone asked to reset the password of %(email)s. Open this"
            " link to choose a new one; it works once, for %(hours)d hours:\n\n%(url)s\n\n"
            "If it was not you, ignore this mail: your password stays as it is.\n",
            name=user.full_name,
            email=user.email,
            hours=hours,
            url=url,
        )
    return subject, body


def user_for_reset(email: str) -> User | None:
    """The user who may reset a password with this e-mail, or None (nobody is told which)."""
    user = db.session.scalar(
        select(User)
        .options(joinedload(User.organization))
        .where(User.email == email.strip().lower())
    )
    return user if user is not None and user.can_sign_in else None


def users_query(actor: User):
    """A select() of all users (department admin only)."""
    require_department(actor)
    return select(User).options(selectinload(User.organization)).order_by(User.email)


def list_all_users() -> list[User]:
    """Every user, for the operator's CLI."""
    return list(db.session.scalars(select(User).order_by(User.email)))


def user_by_email(email: str) -> User:
    """The user with this e-mail, or 404."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(_("No user with e-mail %(email)s.", email=email))
    return user


def set_password(user: User, password: str, field: str = "new_password") -> None:
    """Replace a user's password (reset by an operator, or after checking the old one).

    Every login session of the user ends: whoever held a copy of one holds nothing now.
    """
    if not 10 <= len(password) <= 128:
        raise ValidationFailed.on_field(field, _("Use between 10 and 128 characters."))
    user.password_hash = hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every login session of the user (the next request of each is anonymous)."""
    user.session_version = (user.session_version or 0) + 1


def revoke_all_tokens(user: User) -> int:
    """Revoke every live API token of the user; returns how many were revoked."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )
    return result.rowcount


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change one's own password after checking the current one."""
    if not check_password_hash(user.password_hash, current_password):
        raise ValidationFailed.on_field("current_password", _("The current password is wrong."))
    set_password(user, new_password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """Make a new token; returns the row and the secret, which is shown only once."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, token_hash=_digest(secret), prefix=secret[:12])
    db.session.add(token)
    db.session.flush()
    return token, secret


def user_for_session(user_id: str, session_version: int | None) -> User | None:
    """The active user whose id a login session carries, or None.

    None too for a user deactivated, or of a suspended or dissolved organization; and
    when the session began under an older session version (logout, password change or
    reset since).
    """
    user = (
        db.session.get(User, int(user_id), options=[joinedload(User.organization)])
        if user_id.isdigit()
        else None
    )
    if user is None or not user.can_sign_in or session_version != user.session_version:
        return None
    return user


def user_for_token(secret: str) -> User | None:
    """The active user owning this unrevoked token; marks the token as used."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.can_sign_in:
        return None
    now = datetime.now(UTC)
    last = token.last_used_at
    if last is not None and last.tzinfo is None:  # SQLite returns naive UTC
        last = last.replace(tzinfo=UTC)
    if last is None or (now - last).total_seconds() > 60:
        token.last_used_at = now
    return token.user


def tokens_of(user: User) -> list[ApiToken]:
    """A user's tokens, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(_("No such token."))
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
    return token
