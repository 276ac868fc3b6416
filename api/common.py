"""What every API blueprint shares: bearer authentication, pagination, the commit point."""

import json
from datetime import UTC, datetime, timedelta
from functools import wraps

from flask import current_app, g, make_response, request
from flask_babel import gettext as _
from flask_smorest import Blueprint as SmorestBlueprint
from flask_smorest import abort
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError

from core.db import commit_before_the_work
from core.extensions import db
from core.idempotency import IdempotencyRecord, request_fingerprint, stored_json
from registry.models import User
from registry.services.accounts import user_for_token


class Blueprint(SmorestBlueprint):
    """A smorest Blueprint with the project's page sizes (at most 200 a page)."""

    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 50, "max_page_size": 200}

    def file_response(
        self, status: int, *content_types: str, description: str, json_schema: dict | None = None
    ):
        """Decorator: the operation answers ``status`` with a file of one of these media
        types, documented as such (a binary string per type) in the OpenAPI document; a JSON
        media type (``…+json``) is documented by ``json_schema`` instead."""
        binary = {"schema": {"type": "string", "format": "binary"}}
        content = {
            content_type: {"schema": json_schema}
            if json_schema and content_type.endswith("+json")
            else binary
            for content_type in content_types
        }
        response = {"description": description, "content": content}
        documented = self.doc(responses={str(status): response})
        answered = self.response(status, description=description, content_type=content_types[0])

        def decorator(view):
            return documented(answered(view))

        return decorator


def public(view):
    """Mark an API operation open to anonymous callers; every other one answers 401 to them
    before anything else is read (documented with no security requirement)."""
    view.public = True
    return view


def _is_public() -> bool:
    """True when the operation this request reaches is marked ``public``."""
    view = current_app.view_functions.get(request.endpoint or "")
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        method = request.method.lower()
        view = getattr(view_class, "get" if method == "head" else method, None)
    return getattr(view, "public", False)


def load_bearer_user() -> None:
    """Resolve ``Authorization: Bearer …`` to ``g.api_user`` (None when absent or invalid).

    Authentication comes first: an anonymous caller of an operation not marked ``public`` gets
    401 here, before its arguments are validated (never a 422 listing the schema's fields).
    """
    g.api_user = None
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        g.api_user = user_for_token(secret.strip())
        g.api_token_invalid = g.api_user is None
        if g.api_user is not None and db.session.dirty:
            # Token bookkeeping (last used) is committed apart from the request's own work.
            commit_before_the_work()
    if g.api_user is None and request.method != "OPTIONS" and not _is_public():
        caller()  # 401


def caller() -> User:
    """The authenticated API user; 401 when there is none."""
    user = getattr(g, "api_user", None)
    if user is None:
        abort(
            401,
            message=_("A valid API token is required (Authorization: Bearer …)."),
            headers={"WWW-Authenticate": 'Bearer realm="api"'},
        )
    return user


def paginate(stmt: Select, pagination_parameters) -> list:
    """One page of ``stmt``'s rows; the total goes into the X-Pagination header."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page_stmt = stmt.limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)
    return list(db.session.scalars(page_stmt))


def commits(view):
    """The one commit point of a writing API method, honouring ``Idempotency-Key``.

    Put it above smorest's decorators: it receives the finished response, stores
    it with the key in the same transaction as the work, then commits once. A
    retry with the same key and body gets the stored response; a different body
    with the same key is refused.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if not key:
            return _run_and_commit(view, args, kwargs, None)
        if len(key) > 255:
            abort(
                400,
                message=_("Idempotency-Key is too long."),
                errors={"Idempotency-Key": [_("At most 255 characters.")]},
            )
        user = caller()
        fingerprint = request_fingerprint(request.method, request.path, request.get_data())
        replay = _stored_response(user, key, fingerprint)
        if replay is not None:
            return replay
        record = IdempotencyRecord(
            principal=str(user.id),
            key=key,
            method=request.method,
            path=request.path,
            request_hash=fingerprint,
        )
        try:
            db.session.add(record)
            db.session.flush()
        except IntegrityError:
            # Another request with the same key committed first: answer as it did.
            db.session.rollback()
            return _stored_response(caller(), key, fingerprint) or abort(
                409, message=_("A request with this Idempotency-Key is in progress.")
            )
        return _run_and_commit(view, args, kwargs, record)

    return wrapper


def _run_and_commit(view, args, kwargs, record: IdempotencyRecord | None):
    response = make_response(view(*args, **kwargs))
    if response.status_code >= 400:
        db.session.rollback()
        return response
    if record is not None:
        record.status_code = response.status_code
        record.response_body = response.get_data(as_text=True)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        abort(409, message=_("This conflicts with a record saved at the same moment; try again."))
    return response


def _expired(record: IdempotencyRecord) -> bool:
    created = record.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=UTC)
    ttl = timedelta(hours=current_app.config["IDEMPOTENCY_TTL_HOURS"])
    return created < datetime.now(UTC) - ttl


def _stored_response(user: User, key: str, fingerprint: str):
    record = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal == str(user.id), IdempotencyRecord.key == key
        )
    )
    if record is None:
        return None
    if _expired(record):
        # Keys live for IDEMPOTENCY_TTL_HOURS; after that the key may be used afresh.
        db.session.delete(record)
        db.session.flush()
        return None
    if record.request_hash != fingerprint:
        abort(
            422,
            message=_("This Idempotency-Key was used for a different request."),
            errors={"Idempotency-Key": [_("Use a new key for a new request.")]},
        )
    if record.status_code is None:
        abort(409, message=_("A request with this Idempotency-Key is in progress."))
    response = make_response(json.dumps(stored_json(record)), record.status_code)
    response.mimetype = "application/json"
    response.headers["Idempotent-Replayed"] = "true"
    return response
