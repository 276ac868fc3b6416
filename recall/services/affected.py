"""What a recall reaches: the forward trace of the lot, and every organization that got any of it.

The trace is the genealogy's recursive query (``trace.services.genealogy``) with
the live shipments of every lot in it; here it becomes ``RecallBatch`` and
``RecallRecipient`` rows, with each recipient's contacts read in one query.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from core.extensions import db
from recall.models import RecallBatch, RecallRecipient
from registry.models import Organization, User
from trace.services.genealogy import Trace
from trace.services.quantities import held_by_owners


@dataclass
class Contacts:
    """Whom to tell at one organization: its representative, phone and e-mail addresses."""

    name: str | None = None
    phone: str | None = None
    emails: list[str] = field(default_factory=list)


def affected_batches(trace: Trace) -> list[RecallBatch]:
    """A ``RecallBatch`` for the lot and each lot made from it, nearest first, with what
    the lot's own organization still held of it when the recall opened (one query): not
    the lot's size, of which part may have gone to the recipients listed beside."""
    ordered = sorted(trace.batches.values(), key=lambda b: (trace.depth.get(b.id, 0), b.id))
    held = held_by_owners([node.id for node in ordered])
    return [
        RecallBatch(
            batch_id=node.id,
            organization_id=node.organization_id,
            depth=trace.depth.get(node.id, 0),
            quantity=held.get(node.id, 0),
            unit=node.unit,
            previous_status=node.status,
        )
        for node in ordered
    ]


def _utc(value: datetime) -> datetime:
    # SQLite hands datetimes back naive (stored in UTC).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _received(trace: Trace) -> dict[int, list[dict]]:
    """For each organization shipped to, the shipment lines of affected lots it received."""
    result: dict[int, list[dict]] = {}
    for event, line in trace.shipments:
        if event.destination_org_id is None:
            continue
        node = trace.batches[line.batch_id]
        result.setdefault(event.destination_org_id, []).append(
            {
                "batch_id": node.id,
                "lot_code": node.lot_code,
                "quantity": float(line.quantity) if line.quantity is not None else None,
                "unit": node.unit.value,
                "event_id": event.id,
                "shipped_at": _utc(event.event_time).isoformat(),
            }
        )
    return result


def recipient_org_ids(trace: Trace, opener_org_id: int | None) -> tuple[list[int], dict]:
    """Organizations to notify, and what each received.

    Those that received any affected lot, and those that made one (the producer,
    when the department opens the recall; a buyer that processed what it bought),
    but not the organization opening the recall: it knows.
    """
    received = _received(trace)
    owners = {node.organization_id for node in trace.batches.values()}
    org_ids = sorted((set(received) | owners) - {opener_org_id})
    return org_ids, received


def contacts_of(org_ids: list[int]) -> dict[int, Contacts]:
    """Each organization's representative, phone and e-mails (its own and its active users')."""
    if not org_ids:
        return {}
    contacts: dict[int, Contacts] = {}
    rows = db.session.execute(
        select(
            Organization.id, Organization.representative, Organization.phone, Organization.email
        ).where(Organization.id.in_(org_ids))
    )
    for org_id, name, phone, email in rows:
        contacts[org_id] = Contacts(name, phone, [email.strip()] if email else [])
    users = db.session.execute(
        select(User.organization_id, User.email, User.full_name)
        .where(User.organization_id.in_(org_ids), User.active.is_(True))
        .order_by(User.id)
    )
    for org_id, email, full_name in users:
        found = contacts[org_id]
        found.name = found.name or full_name
        if email and email.lower() not in {e.lower() for e in found.emails}:
            found.emails.append(email)
    return contacts


def recipients(trace: Trace, opener_org_id: int | None) -> list[tuple[RecallRecipient, Contacts]]:
    """A ``RecallRecipient`` for each organization the recall reaches, with its contacts."""
    org_ids, received = recipient_org_ids(trace, opener_org_id)
    contacts = contacts_of(org_ids)
    rows = []
    for org_id in org_ids:
        found = contacts.get(org_id, Contacts())
        recipient = RecallRecipient(
            organization_id=org_id,
            contact_name=found.name,
            contact_email=found.emails[0] if found.emails else None,
            contact_phone=found.phone,
            received=received.get(org_id, []),
        )
        rows.append((recipient, found))
    return rows
