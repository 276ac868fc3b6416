"""Accounts: users, passwords and API bearer tokens."""

import hashlib
import secrets
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from core.errors import Conflict, NotFound, ValidationFailed
from core.extensions import db
from registry.models import COOPERATIVE_KINDS, ApiToken, OrgKind, Role, User
from registry.services.organizations import find_by_registration_code
from registry.services.scoping import require_department

TOKEN_PREFIX = "htx_"  # noqa: S105 - a visible prefix, not a secret
# A real hash of a random password, so a login for an unknown e-mail costs as much
# time as one for a known e-mail (no account enumeration by timing).
_DUMMY_HASH = None


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
    if not check_password_hash(user.password_hash, password) or not user.active:
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
        org = find_by_registration_code(values["organization"])
        if org is None:
            raise ValidationFailed.on_field(
                "organization",
                _(
                    "No single organization has registration code %(code)s.",
                    code=values["organization"],
                ),
            )
    if not _role_fits_org(role, org):
        raise ValidationFailed.on_field(
            "organization", _("This role needs an organization of the matching kind.")
        )
    user = User(email=email, full_name=values["full_name"], role=role, organization=org)
    set_password(user, values["password"], field="password")
    db.session.add(user)
    db.session.flush()
    return user


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

    None too when the session began under an older session version (logout, password
    change or reset since).
    """
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or session_version != user.session_version:
        return None
    return user


def user_for_token(secret: str) -> User | None:
    """The active user owning this unrevoked token; marks the token as used."""
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
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
