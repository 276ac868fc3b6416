"""Sign-in attempts limited per account, from whatever addresses they come.

Each client address may have ``LOGIN_RATE_LIMIT`` failed attempts (default 10 a
minute) before its attempts are refused; successful logins are not counted, so a
training room of many people behind one address signs in. An attacker with many
addresses gets past that, so each account also allows ``LOGIN_ACCOUNT_LIMIT`` failed
attempts (default 5 in 15 minutes, a window that starts at the first failure) and then
refuses every attempt, the right password included, until the window ends. A
successful login forgets the account's failures (not the address's).

The counts live in the rate limiter's shared store (``RATELIMIT_STORAGE_URI``: Redis,
else the host's file in ``INSTANCE_DIR``), so every worker and host sees the same
count. The keys are keyed hashes of the e-mail and of the client address: the store holds
neither. An unknown
e-mail is counted like a known one, so a refusal tells nothing about which exist.
"""

import hashlib
import hmac
import logging
import math
import threading
import time

from flask import current_app, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from core import local_store  # noqa: F401 - registers the htx-local:// storage scheme
from core.errors import ServiceError
from core.i18n import ngettext
from registry.models import User
from registry.services import accounts

log = logging.getLogger(__name__)
_EXTENSION = "htx_login_limit"
_NAMESPACE = "login-account"
_ADDRESS_NAMESPACE = "login-address"
_CREATE_LOCK = threading.Lock()


class _Locked(ServiceError):
    """Too many failed logins: refused until ``seconds`` have passed (429 with Retry-After)."""

    status = 429
    code = "too_many_requests"

    def __init__(self, seconds: int):
        self.seconds = seconds
        super().__init__(self.wait_message(max(1, math.ceil(seconds / 60))))

    @staticmethod
    def wait_message(minutes: int) -> str:
        """The refusal, saying how many minutes to wait."""
        raise NotImplementedError


class AccountLocked(_Locked):
    """Too many failed logins for this account."""

    @staticmethod
    def wait_message(minutes: int) -> str:  # noqa: D102 - as _Locked.wait_message
        return ngettext(
            "Too many failed logins for this account. Try again in %(num)s minute.",
            "Too many failed logins for this account. Try again in %(num)s minutes.",
            minutes,
        )


class AddressLocked(_Locked):
    """Too many failed logins from this client address lately."""

    @staticmethod
    def wait_message(minutes: int) -> str:  # noqa: D102 - as _Locked.wait_message
        return ngettext(
            "Too many failed logins from this network address. Try again in %(num)s minute.",
            "Too many failed logins from this network address. Try again in %(num)s minutes.",
            minutes,
        )


# What ``sign_in`` raises when it refuses to check a password (429 with Retry-After).
LOCKED = (AccountLocked, AddressLocked)


def _limiter() -> FixedWindowRateLimiter:
    # One per app (not Flask-Limiter's, which is one per process): two apps of one
    # process, as in the tests, each talk to the store their config names.
    app = current_app._get_current_object()
    found = app.extensions.get(_EXTENSION)
    if found is None:
        with _CREATE_LOCK:  # threads of one worker must share one (a memory store above all)
            found = app.extensions.get(_EXTENSION)
            if found is None:
                uri = app.config["RATELIMIT_STORAGE_URI"]
                storage = storage_from_string(uri, wrap_exceptions=True)
                found = app.extensions[_EXTENSION] = FixedWindowRateLimiter(storage)
    return found


def _item() -> RateLimitItem:
    return parse(current_app.config["LOGIN_ACCOUNT_LIMIT"])


def _address_item() -> RateLimitItem:
    return parse(current_app.config["LOGIN_RATE_LIMIT"])


def _keyed(value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


def _account_key(email: str) -> str:
    return _keyed(email.strip().lower())


def _address_key() -> str:
    # request.remote_addr is the client's own once ProxyFix (PROXY_COUNT) has run.
    return _keyed("address:" + (request.remote_addr or "unknown"))


def _check_address(limiter: FixedWindowRateLimiter) -> None:
    item, key = _address_item(), _address_key()
    if not limiter.test(item, _ADDRESS_NAMESPACE, key):
        reset_at = limiter.get_window_stats(item, _ADDRESS_NAMESPACE, key).reset_time
        raise AddressLocked(max(1, math.ceil(reset_at - time.time())))


def _count_address_failure(limiter: FixedWindowRateLimiter) -> None:
    try:
        limiter.hit(_address_item(), _ADDRESS_NAMESPACE, _address_key())
    except StorageError as exc:
        log.warning("login limit store unavailable: %s", exc)


def sign_in(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; raises ``AddressLocked`` when the
    client's address, or ``AccountLocked`` when the account, has had too many failures
    lately (without checking the password). Only failures count against the address.

    A failure of the shared store is logged and the account is not limited, as the
    per-address limit treats it: a login never fails because the store does.
    """
    limiter, item, key = _limiter(), _item(), _account_key(email)
    try:
        _check_address(limiter)
        # Counted before the password is checked, in one step of the store: a burst of
        # attempts at once gets no more password checks than the limit allows.
        if not limiter.hit(item, _NAMESPACE, key):
            reset_at = limiter.get_window_stats(item, _NAMESPACE, key).reset_time
            raise AccountLocked(max(1, math.ceil(reset_at - time.time())))
    except StorageError as exc:
        log.warning("login limit store unavailable: %s", exc)
        return accounts.authenticate(email, password)
    user = accounts.authenticate(email, password)
    if user is None:
        _count_address_failure(limiter)
    else:
        try:
            limiter.clear(item, _NAMESPACE, key)  # this attempt, and the failures before it
        except StorageError as exc:
            log.warning("login limit store unavailable: %s", exc)
    return user
