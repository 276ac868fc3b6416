"""GS1's EPCIS 2.0 query for the REST binding (``GET /epcis/v2/events`` and its sub-resources).

The standard's query parameters that fit our events are read into one SQL statement over the
events the caller may see (``trace.services.events.events_query``, the export's scoping):
``eventType``, ``GE_eventTime``, ``LT_eventTime``, ``EQ_bizStep``, ``EQ_bizLocation``,
``MATCH_anyEPC`` and ``MATCH_epcClass``. A lot's URI (ours, a GS1 Digital Link or an EPC URN)
matches the events that have the lot on a line, whichever list names it. Pages go by
``perPage`` and an opaque, signed ``nextPageToken`` (the last event's time and id: a page
never repeats or skips an event when others are recorded meanwhile).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import Select, and_, false, or_, select, tuple_

from core.errors import NotFound, ServiceError
from core.extensions import db
from core.urls import base_url
from epcis.capture import validation
from epcis.capture.identifiers import Resolver
from registry.models import User
from trace.models import Batch, EventKind, EventLine, Product, TraceEvent, UnitCode
from trace.services.events import events_query

EVENT_TYPES = (
    "AggregationEvent",
    "AssociationEvent",
    "ObjectEvent",
    "TransactionEvent",
    "TransformationEvent",
)
# CBV 2.0's business steps and dispositions (GS1's REST binding lists them as these words):
# the capture's own lists, read from GS1's schema.
BIZ_STEPS = sorted(validation.BIZ_STEPS)
DISPOSITIONS = sorted(validation.DISPOSITIONS)
SUPPORTED = (
    "eventType",
    "GE_eventTime",
    "LT_eventTime",
    "EQ_bizStep",
    "EQ_bizLocation",
    "MATCH_anyEPC",
    "MATCH_epcClass",
    "perPage",
    "nextPageToken",
)
# The standard's other query parameters: known, not supported here (501, not 400).
_STANDARD = re.compile(
    r"^(EQ|NE|GT|GE|LT|LE|MATCH|WD|EXISTS|HASATTR|EQATTR|EQ_INNER|GE_INNER|LT_INNER)_.+"
    r"|^(orderBy|orderDirection|eventCountLimit|maxEventCount)$"
)
DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 500
CBV_STEP_FORMS = ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-")
TOKEN_SALT = "epcis-v2-next-page"  # noqa: S105 - a salt, not a secret


class QueryParameterError(ServiceError):
    """A query parameter with a value the standard does not allow (QueryParameterException)."""

    status = 400
    code = "query_parameter"


class NotSupported(ServiceError):
    """A standard query parameter this server does not implement (ImplementationException)."""

    status = 501
    code = "not_implemented"


@dataclass
class EventQuery:
    """The standard's query parameters, read."""

    event_types: list[str] = field(default_factory=list)
    since: datetime | None = None
    until: datetime | None = None
    biz_steps: list[str] = field(default_factory=list)
    biz_locations: list[str] = field(default_factory=list)
    lots: list[str] = field(default_factory=list)  # MATCH_anyEPC and MATCH_epcClass together
    per_page: int = DEFAULT_PER_PAGE
    after: tuple[datetime, int] | None = None


@dataclass
class EventPage:
    """One page of events, and the token of the next page (None on the last)."""

    events: list[TraceEvent]
    next_token: str | None


def read_query(args) -> EventQuery:
    """The query in ``args`` (a MultiDict of the URL's query string); 400 or 501 naming the
    parameter at fault. Lists are pipe-delimited (``EQ_bizStep=shipping|receiving``), or the
    parameter repeated."""
    for name in args:
        if name not in SUPPORTED:
            if _STANDARD.match(name):
                raise NotSupported.on_field(
                    name, _("This query parameter is not supported by this server.")
                )
            raise QueryParameterError.on_field(name, _("Unknown query parameter."))
    query = EventQuery(
        event_types=_list(args, "eventType"),
        since=_time(args, "GE_eventTime"),
        until=_time(args, "LT_eventTime"),
        biz_steps=_list(args, "EQ_bizStep"),
        biz_locations=_list(args, "EQ_bizLocation"),
        lots=_list(args, "MATCH_anyEPC") + _list(args, "MATCH_epcClass"),
    )
    per_page = args.get("perPage")
    if per_page is not None:
        if not per_page.isdigit() or int(per_page) < 1:
            raise QueryParameterError.on_field("perPage", _("Must be a whole number, 1 or more."))
        query.per_page = min(int(per_page), MAX_PER_PAGE)
    token = args.get("nextPageToken")
    if token is not None:
        query.after = _read_token(token)
    return query


def event_page(user: User | None, query: EventQuery) -> EventPage:
    """One page of the events the caller may see that match ``query``, oldest first."""
    stmt = _matching(user, query)
    if query.after is not None:
        when, event_id = query.after
        stmt = stmt.where(
            or_(
                TraceEvent.event_time > when,
                and_(TraceEvent.event_time == when, TraceEvent.id > event_id),
            )
        )
    events = list(db.session.scalars(stmt.limit(query.per_page + 1)))
    if len(events) <= query.per_page:
        return EventPage(events, None)
    events = events[: query.per_page]
    last = events[-1]
    return EventPage(events, _token(_utc(last.event_time), last.id))


def event_by_id(user: User | None, event_id: str) -> TraceEvent:
    """The event the caller may see whose eventID is ``event_id`` (ours or the sender's); 404."""
    stmt = _visible(user).where(
        or_(TraceEvent.epcis_event_id == event_id, TraceEvent.event_hash == event_id)
    )
    event = db.session.scalars(stmt.limit(1)).first()
    if event is None:
        raise NotFound(_("Not found."))
    return event


def _visible(user: User | None) -> Select:
    """The caller's events as the export gives them (corrections are not events of their own)."""
    return events_query(user).where(TraceEvent.kind != EventKind.CORRECTION)


def _matching(user: User | None, query: EventQuery) -> Select:
    stmt = _visible(user)
    if query.event_types:
        stmt = stmt.where(TraceEvent.event_type.in_(query.event_types))
    if query.since:
        stmt = stmt.where(TraceEvent.event_time >= query.since.astimezone(UTC))
    if query.until:
        stmt = stmt.where(TraceEvent.event_time < query.until.astimezone(UTC))
    if query.biz_steps:
        stmt = stmt.where(TraceEvent.biz_step.in_(_step_forms(query.biz_steps)))
    if query.biz_locations:
        stmt = stmt.where(TraceEvent.location_code.in_(query.biz_locations))
    if query.lots:
        batch_ids = _batch_ids(query.lots)
        if not batch_ids:
            return stmt.where(false())
        stmt = stmt.where(
            TraceEvent.id.in_(
                select(EventLine.event_id).where(EventLine.batch_id.in_(sorted(batch_ids)))
            )
        )
    return stmt


def _step_forms(steps: list[str]) -> list[str]:
    """Each CBV step as it may be stored: the bare word, its URN and its web URI."""
    forms = set()
    for step in steps:
        bare = step
        for prefix in CBV_STEP_FORMS:
            if step.startswith(prefix):
                bare = step.removeprefix(prefix)
        if bare in validation.BIZ_STEPS:
            forms.update([bare, *(prefix + bare for prefix in CBV_STEP_FORMS)])
        else:
            forms.add(step)
    return sorted(forms)


def _batch_ids(uris: list[str]) -> set[int]:
    """The lots these URIs name (our /q/ codes, item codes, GS1 Digital Links, EPC URNs)."""
    resolver = Resolver(base_url())
    keys = {resolver.lot_key(uri) for uri in uris} - {None}
    codes = sorted(key[1] for key in keys if key[0] == "q")
    pairs = sorted(key[1:] for key in keys if key[0] == "dl")
    found: set[int] = set()
    if codes:
        found.update(db.session.scalars(select(Batch.id).where(Batch.public_code.in_(codes))))
        found.update(
            db.session.scalars(select(UnitCode.batch_id).where(UnitCode.public_code.in_(codes)))
        )
    if pairs:
        found.update(
            db.session.scalars(
                select(Batch.id)
                .join(Product, Product.id == Batch.product_id)
                .where(tuple_(Product.gtin, Batch.lot_code).in_(pairs))
            )
        )
    return found


def _list(args, name: str) -> list[str]:
    values = [part for value in args.getlist(name) for part in value.split("|")]
    if any(not value.strip() for value in values):
        raise QueryParameterError.on_field(name, _("A value is empty."))
    return values


def _time(args, name: str) -> datetime | None:
    value = args.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise QueryParameterError.on_field(
            name, _("Must be a date and time with its time zone (ISO 8601).")
        )
    return parsed


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def _token(when: datetime, event_id: int) -> str:
    return _serializer().dumps([when.isoformat(), event_id])


def _read_token(token: str) -> tuple[datetime, int]:
    try:
        when, event_id = _serializer().loads(token)
        return datetime.fromisoformat(when), int(event_id)
    except (BadData, ValueError, TypeError):
        raise QueryParameterError.on_field(
            "nextPageToken", _("This page token is not valid; start again from the first page.")
        ) from None


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:  # SQLite hands back naive UTC
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
