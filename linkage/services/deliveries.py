"""Deliveries under a contract: recorded once, and as shipping and receiving trace events.

The seller (the delivering cooperative) records a delivery confirmed at once, its trace
events written. One the buyer records is pending: no event, no stock moved, not counted,
until the seller confirms it (its events written then) or rejects it with a reason.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from core.clock import vn_today
from core.db import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from linkage.inputs import DeliveryInput, DeliveryLineInput
from linkage.models import (
    Contract,
    ContractItem,
    ContractState,
    Delivery,
    DeliveryLine,
    DeliveryStatus,
    PartyRole,
)
from linkage.services.contracts import get_contract, party_of
from linkage.services.lifecycle import status_label, status_on
from registry.models import Organization, User
from registry.services.scoping import scope_to_caller
from trace.inputs import event_input
from trace.models import Batch, BatchStatus
from trace.services import events
from trace.services.quantities import held_quantities

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def deliveries_query(user: User | None, contract_id: int | None = None) -> Select:
    """A select() of deliveries under contracts the caller is party to."""
    stmt = (
        select(Delivery)
        .join(Contract, Contract.id == Delivery.contract_id)
        .options(selectinload(Delivery.lines).selectinload(DeliveryLine.batch))
    )
    stmt = scope_to_caller(stmt, user, Contract.lead_org_id, shared_with=party_of)
    if contract_id:
        stmt = stmt.where(Delivery.contract_id == contract_id)
    return stmt.order_by(Delivery.delivered_on.desc(), Delivery.id.desc())


def list_deliveries(
    user: User | None, contract_id: int | None = None, limit: int | None = None
) -> list[Delivery]:
    """The deliveries of ``deliveries_query``, newest first, at most ``limit`` of them."""
    return list(db.session.scalars(deliveries_query(user, contract_id).limit(limit)))


def record_delivery(user: User, contract_id: int, data: DeliveryInput) -> Delivery:
    """Record a delivery from a cooperative party to the buying party.

    Recorded by the seller, it is confirmed and its trace events are written; recorded by
    anybody else (the buyer), it is pending until the seller confirms it.
    """
    contract = get_contract(user, contract_id)
    _check_open(contract)
    seller, buyer = _seller_and_buyer(user, contract, data.cooperative_id)
    day = data.delivered_on
    _check_day(contract, day)
    # The buyer does not see the cooperative's lots: its refusals name a lot by the id it sent.
    lines = _lines(contract, seller, data.lines, named=user.organization_id == seller.id)
    by_seller = user.organization_id == seller.id
    delivery = Delivery(
        contract=contract,
        cooperative_id=seller.id,
        delivered_on=day,
        price_vnd=data.price_vnd,
        note=data.note,
        recorded_by_id=user.id,
        status=DeliveryStatus.CONFIRMED if by_seller else DeliveryStatus.PENDING,
    )
    delivery.lines = [line for line, _item in lines]
    db.session.add(delivery)
    if by_seller:
        delivery.decided_by_id, delivery.decided_at = user.id, utcnow()
        _write_events(user, delivery, seller, buyer)
    db.session.flush()
    return delivery


def confirm_delivery(user: User, delivery_id: int) -> Delivery:
    """The seller confirms a pending delivery: its shipping and receiving events are written.

    The quantities are checked again (the lots may have gone since it was recorded): a
    refusal changes nothing and the delivery stays pending.
    """
    delivery = _pending_of_seller(user, delivery_id)
    seller = delivery.cooperative
    held = held_quantities([ln.batch_id for ln in delivery.lines], seller.id)
    for line in delivery.lines:
        if line.batch.status == BatchStatus.RECALLED:
            # Recalled since the buyer recorded it: the state conflicts, not the input.
            raise Conflict.on_field("lines", _recalled(line.batch.lot_code))
        _check_held(line.batch, line.quantity, held, line.batch.lot_code)
    lead = next(p for p in delivery.contract.parties if p.role == PartyRole.LEAD)
    delivery.status = DeliveryStatus.CONFIRMED
    delivery.decided_by_id, delivery.decided_at = user.id, utcnow()
    _write_events(user, delivery, seller, lead.organization)
    db.session.flush()
    return delivery


def reject_delivery(user: User, delivery_id: int, reason: str) -> Delivery:
    """The seller rejects a pending delivery with a reason: no event, nothing counted."""
    delivery = _pending_of_seller(user, delivery_id)
    delivery.status = DeliveryStatus.REJECTED
    delivery.decided_by_id, delivery.decided_at = user.id, utcnow()
    delivery.reject_reason = reason
    db.session.flush()
    return delivery


def pending_for_seller(org_id: int) -> list[Delivery]:
    """The deliveries recorded by a buyer that wait for the cooperative ``org_id``, oldest first."""
    stmt = (
        select(Delivery)
        .where(Delivery.cooperative_id == org_id, Delivery.status == DeliveryStatus.PENDING)
        .options(
            selectinload(Delivery.lines).selectinload(DeliveryLine.batch),
            selectinload(Delivery.contract),
        )
        .order_by(Delivery.delivered_on, Delivery.id)
    )
    return list(db.session.scalars(stmt))


def _pending_of_seller(user: User, delivery_id: int) -> Delivery:
    """A pending delivery the caller's organization sold, locked; 404, 403 or 409 otherwise."""
    delivery = get_delivery(user, delivery_id)
    if user.organization_id != delivery.cooperative_id:
        raise Forbidden(_("Only the delivering cooperative confirms or rejects a delivery."))
    # Lock the row so that two confirmations at once cannot both write events; read the
    # status again under the lock.
    status = db.session.scalar(
        select(Delivery.status).where(Delivery.id == delivery.id).with_for_update()
    )
    if status != DeliveryStatus.PENDING:
        raise Conflict.on_field(
            "status", _("This delivery has already been confirmed or rejected.")
        )
    return delivery


def _write_events(user: User, delivery: Delivery, seller: Organization, buyer: Organization):
    """The delivery's shipping event in the seller's chain and receiving event in the buyer's.

    Both carry the accepted quantities: a part the buyer rejected at the gate went back with
    the seller's truck and stays the seller's; the delivery line keeps what was brought and
    why part of it was refused. A delivery rejected whole moves nothing and writes no event.
    """
    when = datetime.combine(delivery.delivered_on, time(12), VIETNAM)
    common = {
        "event_time": min(when, datetime.now(UTC)),
        "reference": {"type": "contract", "id": delivery.contract.number},
    }
    moved = [
        {"batch_id": ln.batch_id, "quantity": _accepted(ln)}
        for ln in delivery.lines
        if _accepted(ln) > 0
    ]
    if not moved:
        return
    shipping = _trace_event(
        user,
        seller,
        {**common, "kind": "shipping", "destination_org_id": buyer.id, "lines": moved},
    )
    receiving = _trace_event(
        user, buyer, {**common, "kind": "receiving", "source_org_id": seller.id, "lines": moved}
    )
    delivery.shipping_event_id, delivery.receiving_event_id = shipping.id, receiving.id


def _accepted(line: DeliveryLine) -> Decimal:
    return line.quantity if line.accepted_quantity is None else line.accepted_quantity


def _seller_and_buyer(user: User, contract: Contract, cooperative_id: int | None):
    """The buyer is the lead party; the seller a cooperative party (named if several)."""
    coops = contract.cooperative_parties
    if user.organization_id not in {p.organization_id for p in contract.parties}:
        raise Forbidden(_("Only a party to the contract records its deliveries."))
    if cooperative_id is None and len(coops) == 1:
        cooperative_id = coops[0].organization_id
    party = next((p for p in coops if p.organization_id == cooperative_id), None)
    if party is None:
        raise ValidationFailed.on_field(
            "cooperative_id", _("Name the cooperative party that delivered.")
        )
    lead = next(p for p in contract.parties if p.role == PartyRole.LEAD)
    return party.organization, lead.organization


# A contract in one of these states today takes no more deliveries, whatever their date.
CLOSED_STATUSES = ("expired", "completed", "terminated")


def may_record_delivery(contract: Contract, today: date | None = None) -> bool:
    """True when a delivery may be recorded under ``contract`` today: current, signed by every
    party and in force (not yet started, expired or ended contracts take none)."""
    if contract.superseded_at is not None or contract.state != ContractState.SIGNED:
        return False
    return status_on(contract, today or vn_today()) == "active"


def _check_open(contract: Contract) -> None:
    status = status_on(contract, vn_today())
    if status in CLOSED_STATUSES:
        raise Conflict.on_field(
            "contract",
            _(
                "The contract is no longer in force (%(status)s): "
                "no delivery can be recorded under it.",
                status=status_label(contract, vn_today()),
            ),
        )


def _check_day(contract: Contract, day: date) -> None:
    status = status_on(contract, day)
    if day > vn_today():
        raise ValidationFailed.on_field("delivered_on", _("The delivery date is in the future."))
    if status != "active":
        raise ValidationFailed.on_field(
            "delivered_on",
            _(
                "On that date the contract was not in force (%(status)s).",
                status=status_label(contract, day),
            ),
        )


def _lines(
    contract: Contract, seller: Organization, rows: tuple[DeliveryLineInput, ...], named: bool
) -> list[tuple[DeliveryLine, ContractItem]]:
    ids = [row.batch_id for row in rows]
    if len(set(ids)) != len(ids):
        raise ValidationFailed.on_field("lines", _("A batch is listed twice."))
    found = {
        b.id: b
        for b in db.session.scalars(
            select(Batch).options(selectinload(Batch.product)).where(Batch.id.in_(ids))
        )
    }
    held = held_quantities(ids, seller.id)
    result = []
    for row in rows:
        batch = found.get(row.batch_id)
        name = batch.lot_code if named and batch is not None else f"#{row.batch_id}"
        item = _matching_item(contract, batch, seller, name)
        if batch.status == BatchStatus.RECALLED:
            # Checked here, not only by the shipping event: a pending delivery writes none.
            raise ValidationFailed.on_field("lines", _recalled(name))
        _check_held(batch, row.quantity, held, name)
        accepted = row.quantity if row.accepted_quantity is None else row.accepted_quantity
        if accepted > row.quantity:
            raise ValidationFailed.on_field("lines", _("More accepted than delivered."))
        if accepted < row.quantity and not row.rejection_reason:
            raise ValidationFailed.on_field(
                "lines", _("Say why part of lot %(lot)s was rejected.", lot=name)
            )
        line = DeliveryLine(
            batch_id=batch.id,
            contract_item_id=item.id,
            quantity=row.quantity,
            accepted_quantity=accepted,
            rejection_reason=row.rejection_reason,
        )
        result.append((line, item))
    return result


def _recalled(name: str) -> str:
    return _("Lot %(lot)s is recalled.", lot=name)


def _check_held(batch: Batch, quantity: Decimal, held: dict[int, Decimal], name: str) -> None:
    if quantity > held[batch.id]:
        # 409 as for a concurrent delivery that took the lot: the request is well formed,
        # the stock is what it conflicts with; a race and a plain excess answer alike.
        raise Conflict.on_field(
            "lines",
            _(
                "Lot %(lot)s has only %(left)s left.",
                lot=name,
                left=format(held[batch.id].normalize(), "f"),
            ),
        )


def _matching_item(
    contract: Contract, batch: Batch | None, seller: Organization, name: str
) -> ContractItem:
    # A draft is not yet a lot the buyer may see: refused as any lot not the seller's, unnamed.
    if batch is None or batch.organization_id != seller.id or batch.status == BatchStatus.DRAFT:
        raise ValidationFailed.on_field(
            "lines", _("Only lots of the delivering cooperative can be delivered.")
        )
    for item in contract.items:
        if item.product_id == batch.product_id or (
            item.product_id is None and item.category == batch.product.category
        ):
            return item
    raise ValidationFailed.on_field(
        "lines", _("Lot %(lot)s is not a product of this contract.", lot=name)
    )


def _trace_event(user: User, org: Organization, values: dict):
    # The trace side records events as an organization; the person who recorded
    # the delivery (often the buyer's clerk) is kept as the recorder of both.
    acting = SimpleNamespace(id=user.id, organization_id=org.id, organization=org, role=user.role)
    try:
        return events.record_event(acting, event_input(values))
    except ValidationFailed as exc:
        if "lines" in exc.errors:
            # The lots were checked a moment ago; another delivery took them since.
            raise Conflict(
                _(
                    "Another delivery used these lots at the same moment: %(why)s",
                    why=" ".join(exc.errors["lines"]),
                ),
                exc.errors,
            ) from exc
        raise


def get_delivery(user: User | None, delivery_id: int) -> Delivery:
    """A delivery under a contract the caller is party to, or 404."""
    delivery = db.session.scalar(deliveries_query(user).where(Delivery.id == delivery_id))
    if delivery is None:
        raise NotFound(_("No such delivery."))
    return delivery


def delivered_totals(contract_ids: list[int]) -> dict[int, tuple[Decimal, Decimal]]:
    """Per contract item: (delivered, accepted) of the confirmed deliveries, aggregated in SQL."""
    rows = db.session.execute(
        select(
            DeliveryLine.contract_item_id,
            func.sum(DeliveryLine.quantity),
            func.sum(DeliveryLine.accepted_quantity),
        )
        .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .where(Delivery.contract_id.in_(contract_ids), Delivery.status == DeliveryStatus.CONFIRMED)
        .group_by(DeliveryLine.contract_item_id)
    ).all()
    return {item_id: (Decimal(d or 0), Decimal(a or 0)) for item_id, d, a in rows}
