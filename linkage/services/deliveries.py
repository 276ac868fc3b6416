"""Deliveries under a contract: recorded once, and as shipping and receiving trace events."""

from datetime import UTC, date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.extensions import db
from linkage.inputs import DeliveryInput, DeliveryLineInput
from linkage.models import Contract, ContractItem, Delivery, DeliveryLine, PartyRole
from linkage.services.contracts import get_contract, party_of
from linkage.services.lifecycle import status_label, status_on
from registry.models import Organization, User
from registry.services.scoping import scope_to_caller
from trace.inputs import event_input
from trace.models import Batch
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
    """Record a delivery from a cooperative party to the buying party, with its trace events."""
    contract = get_contract(user, contract_id)
    seller, buyer = _seller_and_buyer(user, contract, data.cooperative_id)
    day = data.delivered_on
    _check_day(contract, day)
    lines = _lines(contract, seller, data.lines)
    delivery = Delivery(
        contract=contract,
        cooperative_id=seller.id,
        delivered_on=day,
        price_vnd=data.price_vnd,
        note=data.note,
        recorded_by_id=user.id,
    )
    delivery.lines = [line for line, _item in lines]
    db.session.add(delivery)
    when = datetime.combine(day, time(12), VIETNAM)
    common = {
        "event_time": min(when, datetime.now(UTC)),
        "reference": {"type": "contract", "id": contract.number},
    }
    shipped = [{"batch_id": ln.batch_id, "quantity": ln.quantity} for ln, _i in lines]
    received = [
        {"batch_id": ln.batch_id, "quantity": ln.accepted_quantity or ln.quantity}
        for ln, _i in lines
    ]
    shipping = _trace_event(
        user,
        seller,
        {**common, "kind": "shipping", "destination_org_id": buyer.id, "lines": shipped},
    )
    receiving = _trace_event(
        user, buyer, {**common, "kind": "receiving", "source_org_id": seller.id, "lines": received}
    )
    delivery.shipping_event_id, delivery.receiving_event_id = shipping.id, receiving.id
    db.session.flush()
    return delivery


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


def _check_day(contract: Contract, day: date) -> None:
    status = status_on(contract, day)
    if day > date.today():
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
    contract: Contract, seller: Organization, rows: tuple[DeliveryLineInput, ...]
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
        item = _matching_item(contract, batch, seller)
        if row.quantity > held[batch.id]:
            # 409 as for a concurrent delivery that took the lot: the request is well formed,
            # the stock is what it conflicts with; a race and a plain excess answer alike.
            raise Conflict.on_field(
                "lines",
                _(
                    "Lot %(lot)s has only %(left)s left.",
                    lot=batch.lot_code,
                    left=format(held[batch.id].normalize(), "f"),
                ),
            )
        accepted = row.quantity if row.accepted_quantity is None else row.accepted_quantity
        if accepted > row.quantity:
            raise ValidationFailed.on_field("lines", _("More accepted than delivered."))
        if accepted < row.quantity and not row.rejection_reason:
            raise ValidationFailed.on_field(
                "lines", _("Say why part of lot %(lot)s was rejected.", lot=batch.lot_code)
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


def _matching_item(contract: Contract, batch: Batch | None, seller: Organization) -> ContractItem:
    if batch is None or batch.organization_id != seller.id:
        raise ValidationFailed.on_field(
            "lines", _("Only lots of the delivering cooperative can be delivered.")
        )
    for item in contract.items:
        if item.product_id == batch.product_id or (
            item.product_id is None and item.category == batch.product.category
        ):
            return item
    raise ValidationFailed.on_field(
        "lines", _("Lot %(lot)s is not a product of this contract.", lot=batch.lot_code)
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
    """Per contract item: (delivered, accepted), aggregated in SQL."""
    rows = db.session.execute(
        select(
            DeliveryLine.contract_item_id,
            func.sum(DeliveryLine.quantity),
            func.sum(DeliveryLine.accepted_quantity),
        )
        .join(Delivery, Delivery.id == DeliveryLine.delivery_id)
        .where(Delivery.contract_id.in_(contract_ids))
        .group_by(DeliveryLine.contract_item_id)
    ).all()
    return {item_id: (Decimal(d or 0), Decimal(a or 0)) for item_id, d, a in rows}
