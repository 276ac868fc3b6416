"""Due-diligence statements: the reference and verification numbers an operator got from the EU
Information System, recorded against the lots the statement covers.

Each recording is also a trace event on those lots (an EPCIS ObjectEvent OBSERVE whose
``bizTransactionList`` holds the reference and the verification number under our own type
URIs), so it is chained, exported in EPCIS and seen by every organization that may see the
lots. A lot shows the statements on itself and on every lot it was made from: a downstream
buyer keeps and passes on the reference.
"""

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from core.errors import Conflict, ValidationFailed
from core.extensions import db
from eudr.models import DueDiligenceStatement, statement_lots
from eudr.services.evidence import traced_lots
from registry.models import User
from registry.services.scoping import require_own_org, scope_to_caller
from trace.models import Batch, EventKind, EventLine, LineRole, TraceEvent
from trace.services import epcis_build as build
from trace.services.batch_listing import delivered_to
from trace.services.batches import get_batch
from trace.services.events import store_event

# The bizTransaction types: ``{base}/ns/btt/eudr-dds`` and ``{base}/ns/btt/eudr-dds-verification``.
REFERENCE_TYPE = "eudr-dds"
VERIFICATION_TYPE = "eudr-dds-verification"
VIETNAM_OFFSET = "+07:00"


def record_statement(user: User, values: dict) -> DueDiligenceStatement:
    """Record a statement's numbers against lots the caller holds, made or received."""
    require_own_org(user, user.organization_id)
    lots = _visible_lots(user, values["batch_ids"])
    reference = values["reference_number"]
    clash = db.session.scalar(
        select(DueDiligenceStatement.id).where(
            DueDiligenceStatement.organization_id == user.organization_id,
            DueDiligenceStatement.reference_number == reference,
        )
    )
    if clash is not None:
        raise Conflict.on_field(
            "reference_number", _("Statement %(ref)s is already recorded.", ref=reference)
        )
    statement = DueDiligenceStatement(
        organization_id=user.organization_id,
        reference_number=reference,
        verification_number=values["verification_number"],
        recorded_by_id=user.id,
        lots=lots,
    )
    statement.event_id = _announce(user, statement, lots).id
    db.session.add(statement)
    db.session.flush()
    return statement


def _visible_lots(user: User, ids: list[int]) -> list[Batch]:
    wanted = sorted(set(ids))
    if not wanted:
        raise ValidationFailed.on_field("batch_ids", _("Name at least one lot."))
    stmt = scope_to_caller(
        select(Batch).where(Batch.id.in_(wanted)),
        user,
        Batch.organization_id,
        shared_with=delivered_to,
    )
    found = list(db.session.scalars(stmt.order_by(Batch.id)))
    missing = sorted(set(wanted) - {lot.id for lot in found})
    if missing:
        raise ValidationFailed.on_field(
            "batch_ids",
            _("No such lots: %(ids)s.", ids=", ".join(map(str, missing))),
        )
    return found


def _announce(user: User, statement: DueDiligenceStatement, lots: list[Batch]) -> TraceEvent:
    """The trace event that carries the statement's numbers to whoever sees the lots."""
    now = datetime.now(UTC)
    location = build.org_uri(user.organization)
    event = TraceEvent(
        organization_id=user.organization_id,
        kind=EventKind.OTHER,
        event_type="ObjectEvent",
        event_time=now,
        time_zone_offset=VIETNAM_OFFSET,
        location_code=location,
        reference_type=REFERENCE_TYPE,
        reference=statement.reference_number,
        recorded_by_id=user.id,
    )
    event.lines.extend(
        EventLine(batch_id=lot.id, batch=lot, role=LineRole.OBJECT, kind=EventKind.OTHER)
        for lot in lots
    )
    transactions = [
        *build.business_transaction(REFERENCE_TYPE, statement.reference_number)[
            "bizTransactionList"
        ],
        *build.business_transaction(VERIFICATION_TYPE, statement.verification_number)[
            "bizTransactionList"
        ],
    ]
    event.epcis = build.object_event(
        EventKind.OTHER,
        now,
        VIETNAM_OFFSET,
        location,
        [(lot, None) for lot in lots],
        {"bizTransactionList": transactions},
    )
    store_event(event)
    return event


def statements_for_lot(user: User | None, batch_id: int) -> list[DueDiligenceStatement]:
    """The statements on a lot the caller may see and on every lot it was made from."""
    batch = get_batch(user, batch_id)
    lots = traced_lots([batch.id]).subquery("lots")
    covering = select(statement_lots.c.statement_id).where(
        statement_lots.c.batch_id.in_(select(lots.c.batch_id))
    )
    return list(
        db.session.scalars(
            select(DueDiligenceStatement)
            .where(DueDiligenceStatement.id.in_(covering))
            .order_by(DueDiligenceStatement.recorded_at, DueDiligenceStatement.id)
        )
    )
