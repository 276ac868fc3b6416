"""The rules of each event kind, checked against a ledger: which lots, how much, who else.

The API's recorders (``trace.services.recorders``, one event at a time against the database)
and EPCIS capture (a whole document through ``check_document``, against a ledger that reads
everything once and keeps the quantities in memory) both check events here; neither has rules
of its own.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.errors import Conflict, UnknownReference, ValidationFailed
from core.extensions import db
from core.numbers import number
from registry.models import Organization, User
from trace.inputs import (
    BatchInput,
    EventInput,
    HarvestInput,
    InputAppliedInput,
    InspectionInput,
    LineInput,
    OutputInput,
    ReceivingInput,
    ShippingInput,
    TransformationInput,
)
from trace.models import Batch, BatchStatus, EventKind, EventLine, LineRole, Site, TraceEvent
from trace.process_steps import steps_for
from trace.services.batches import check_dates, create_batch
from trace.services.quantities import (
    held_quantities,
    not_erroneous,
    produced_quantities,
    receipts_owed,
)


@dataclass
class Checked:
    """An event that passed its kind's rules: where, which lots in which role, who else."""

    kind: EventKind
    site: Site | None = None
    lines: list[tuple[LineRole, Batch, Decimal | None]] = field(default_factory=list)
    source_org_id: int | None = None
    destination_org_id: int | None = None
    source: Organization | None = None
    destination: Organization | None = None
    activates: list[Batch] = field(default_factory=list)

    def of(self, role: LineRole) -> list[tuple[Batch, Decimal | None]]:
        """The (batch, quantity) lines in one role."""
        return [(batch, qty) for line_role, batch, qty in self.lines if line_role == role]


class Ledger:
    """Where the rules read lots, quantities, sites and organizations: the database.

    EPCIS capture passes a subclass that reads a whole document's records up front, checks
    each distinct list of lots once and keeps the quantities its events move in memory.
    """

    def lots(self, ids: list[int], field: str, org_id: int | None = None) -> dict[int, Batch]:
        """The batches, checked (``check_lots``, as ``org_id`` sees them) and locked."""
        return check_lots(ids, field, self, org_id)

    def batches(self, ids: list[int]) -> list[Batch]:
        """The batches, locked in id order so concurrent writers queue instead of overselling.

        FOR NO KEY UPDATE, not FOR UPDATE: a row that references a batch (a delivery line)
        takes a key-share lock on it, which FOR UPDATE would wait for and deadlock on.
        """
        return db.session.scalars(
            select(Batch)
            .options(selectinload(Batch.product))
            .where(Batch.id.in_(sorted(ids)))
            .order_by(Batch.id)
            .with_for_update(key_share=True)
        ).all()

    def held(self, batch_ids: list[int], org_id: int) -> dict[int, Decimal]:
        """What ``org_id`` holds of each batch."""
        return held_quantities(batch_ids, org_id)

    def produced(self, batch_ids: list[int]) -> dict[int, Decimal]:
        """How much of each batch its harvest or transformations made."""
        return produced_quantities(batch_ids)

    def shipped_to(self, org_id: int, source_id: int, batch_ids: list[int]) -> dict[int, Decimal]:
        """How much of each batch ``source_id`` shipped to ``org_id`` (live shipments)."""
        rows = db.session.execute(
            select(EventLine.batch_id, func.sum(EventLine.quantity))
            .join(TraceEvent, TraceEvent.id == EventLine.event_id)
            .where(
                EventLine.batch_id.in_(batch_ids),
                TraceEvent.kind == EventKind.SHIPPING,
                TraceEvent.organization_id == source_id,
                TraceEvent.destination_org_id == org_id,
                not_erroneous(),
            )
            .group_by(EventLine.batch_id)
        ).all()
        return {batch_id: Decimal(total or 0) for batch_id, total in rows}

    def receipts_owed(self, org_id: int, source_id: int, batch_ids: list[int]) -> set[int]:
        """Those of these batches with a shipment from ``source_id`` to ``org_id`` whose
        receipt is not recorded yet (a receipt is written once per shipment)."""
        return {batch for batch, _src in receipts_owed(org_id, batch_ids, source_id)}

    def received(self, org_id: int, batch_ids: list[int]) -> set[int]:
        """Those of these batches ever shipped to ``org_id`` (what it may see of others')."""
        return set(
            db.session.scalars(
                select(EventLine.batch_id)
                .join(TraceEvent, TraceEvent.id == EventLine.event_id)
                .where(
                    EventLine.batch_id.in_(batch_ids),
                    EventLine.kind == EventKind.SHIPPING,
                    TraceEvent.destination_org_id == org_id,
                )
            )
        )

    def site(self, site_id: int) -> Site | None:
        """A site by id."""
        return db.session.get(Site, site_id)

    def organization(self, org_id: int) -> Organization | None:
        """An organization by id."""
        return db.session.get(Organization, org_id)

    def new_lot(self, user: User, values: BatchInput) -> Batch:
        """A new draft lot a transformation makes (created, flushed)."""
        return create_batch(user, values)

    def add(self, checked: Checked) -> None:
        """Count an accepted event: here nothing, the database counts it once it is stored."""


DATABASE = Ledger()


def _site(user: User, site_id: int | None, ledger: Ledger, required: bool = False) -> Site | None:
    if site_id is None:
        if required:
            raise ValidationFailed.on_field("site_id", _("Say where this happened (a site)."))
        return None
    site = ledger.site(site_id)
    if site is None or site.organization_id != user.organization_id:
        raise ValidationFailed.on_field("site_id", _("No such site of your organization."))
    return site


def _organization(org_id: int | None, field: str, ledger: Ledger) -> Organization:
    org = ledger.organization(org_id) if org_id else None
    if org is None:
        raise ValidationFailed.on_field(field, _("No such organization."))
    return org


def _locked_batches(
    ids: list[int], field: str, ledger: Ledger, org_id: int | None = None
) -> dict[int, Batch]:
    """The batches, checked: listed once each, existing, seen by ``org_id``, not recalled."""
    return ledger.lots(ids, field, org_id)


def check_lots(
    ids: list[int], field: str, ledger: Ledger, org_id: int | None = None
) -> dict[int, Batch]:
    """The batches of ``ledger``, checked: listed once each, existing, not recalled.

    With ``org_id``, a lot that organization may not see (neither its own nor ever shipped to
    it) is refused as not found, before any message could name it.
    """
    if not ids:
        raise ValidationFailed.on_field(field, _("List at least one batch."))
    if len(set(ids)) != len(ids):
        raise ValidationFailed.on_field(field, _("A batch is listed twice."))
    found = {batch.id: batch for batch in ledger.batches(ids)}
    missing = sorted(set(ids) - set(found))
    if org_id is not None:
        foreign = [i for i, batch in found.items() if batch.organization_id != org_id]
        if foreign:
            missing = sorted({*missing, *(set(foreign) - ledger.received(org_id, foreign))})
    if missing:
        raise UnknownReference.on_field(
            field, _("No such batch: %(ids)s.", ids=", ".join(map(str, missing)))
        )
    for batch in found.values():
        if batch.status == BatchStatus.RECALLED:
            raise ValidationFailed.on_field(
                field, _("Lot %(lot)s is recalled.", lot=batch.lot_code)
            )
    return found


def _lines(
    user: User, lines: tuple[LineInput, ...], field: str, ledger: Ledger
) -> list[tuple[Batch, Decimal | None]]:
    ids = [line.batch_id for line in lines]
    batches = _locked_batches(ids, field, ledger, user.organization_id)
    return [(batches[line.batch_id], line.quantity) for line in lines]


def _require_held(
    user: User, lines: list[tuple[Batch, Decimal]], field: str, ledger: Ledger
) -> None:
    held = ledger.held([batch.id for batch, _qty in lines], user.organization_id)
    for batch, quantity in lines:
        if quantity is None:
            raise ValidationFailed.on_field(
                field, _("Give the quantity for lot %(lot)s.", lot=batch.lot_code)
            )
        if quantity > held[batch.id]:
            raise ValidationFailed.on_field(
                field,
                _(
                    "Lot %(lot)s has only %(left)s %(unit)s left.",
                    lot=batch.lot_code,
                    left=number(held[batch.id]),
                    unit=batch.unit.value,
                ),
            )


def _require_own(user: User, lines: list[tuple[Batch, Decimal | None]]) -> None:
    for batch, _qty in lines:
        if batch.organization_id != user.organization_id:
            raise ValidationFailed.on_field(
                "lines", _("Lot %(lot)s is not yours.", lot=batch.lot_code)
            )


def _as(role: LineRole, lines) -> list[tuple[LineRole, Batch, Decimal | None]]:
    return [(role, batch, qty) for batch, qty in lines]


def check_harvest(user: User, values: HarvestInput, ledger: Ledger = DATABASE) -> Checked:
    """Harvest of the caller's own lots, at one of its sites, within each lot's quantity."""
    site = _site(user, values.site_id, ledger, required=True)
    lines = _lines(user, values.lines, "lines", ledger)
    produced = ledger.produced([batch.id for batch, _qty in lines])
    resolved = []
    for batch, quantity in lines:
        _require_own(user, [(batch, quantity)])
        left = Decimal(batch.quantity) - produced[batch.id]
        quantity = quantity or left
        if quantity <= 0 or quantity > left:
            raise ValidationFailed.on_field(
                "lines",
                _(
                    "Lot %(lot)s has only %(left)s %(unit)s left to harvest.",
                    lot=batch.lot_code,
                    left=number(left),
                    unit=batch.unit.value,
                ),
            )
        resolved.append((batch, quantity))
    activates = [batch for batch, _qty in resolved]
    return Checked(EventKind.HARVEST, site, _as(LineRole.OBJECT, resolved), activates=activates)


def check_input(user: User, values: InputAppliedInput, ledger: Ledger = DATABASE) -> Checked:
    """An input applied to the caller's lots, or to one of its growing areas."""
    site = _site(user, values.site_id, ledger, required=not values.lines)
    if not values.input_name:
        raise ValidationFailed.on_field("input_name", _("Name the input that was applied."))
    lines = _lines(user, values.lines, "lines", ledger) if values.lines else []
    _require_own(user, lines)
    return Checked(EventKind.INPUT_APPLIED, site, _as(LineRole.OBJECT, lines))


def check_transformation(
    user: User, values: TransformationInput, ledger: Ledger = DATABASE
) -> Checked:
    """Inputs the caller holds, outputs that are its draft lots (or new ones, made here)."""
    site = _site(user, values.site_id, ledger)
    inputs = _lines(user, values.inputs, "inputs", ledger)
    _require_held(user, inputs, "inputs", ledger)
    if not values.outputs:
        raise ValidationFailed.on_field("outputs", _("List at least one output."))
    outputs = [_output(user, spec, ledger) for spec in values.outputs]
    _check_process_step(values, [batch for batch, _qty in inputs + outputs])
    lines = _as(LineRole.INPUT, inputs) + _as(LineRole.OUTPUT, outputs)
    activates = [batch for batch, _qty in outputs]
    return Checked(EventKind.TRANSFORMATION, site, lines, activates=activates)


def _check_process_step(values: TransformationInput, lots: list[Batch]) -> None:
    """A named step is a processing one, of the vocabulary of the lots' product categories."""
    step = values.process_step
    if step is None:
        return
    if values.transformation != "processing":
        raise ValidationFailed.on_field(
            "process_step", _("Only a processing event names a processing step.")
        )
    if step not in steps_for(lot.product.category for lot in lots):
        raise ValidationFailed.on_field(
            "process_step", _("This step is not one of these products' processing steps.")
        )


def _output(user: User, spec: OutputInput, ledger: Ledger) -> tuple[Batch, Decimal]:
    if spec.batch_id:
        batch = _locked_batches([spec.batch_id], "outputs", ledger, user.organization_id)[
            spec.batch_id
        ]
        if batch.organization_id != user.organization_id or batch.status != BatchStatus.DRAFT:
            raise ValidationFailed.on_field(
                "outputs", _("Lot %(lot)s is not a draft lot of yours.", lot=batch.lot_code)
            )
        check_dates(batch)
        return batch, spec.quantity
    return ledger.new_lot(user, spec.as_new_lot()), spec.quantity


def check_shipping(user: User, values: ShippingInput, ledger: Ledger = DATABASE) -> Checked:
    """Lots the caller holds, leaving for another organization."""
    destination = _organization(values.destination_org_id, "destination_org_id", ledger)
    if destination.id == user.organization_id:
        raise ValidationFailed.on_field(
            "destination_org_id", _("A shipment goes to another organization.")
        )
    lines = _lines(user, values.lines, "lines", ledger)
    _require_held(user, lines, "lines", ledger)
    site = _site(user, values.site_id, ledger)
    return Checked(
        EventKind.SHIPPING,
        site,
        _as(LineRole.OBJECT, lines),
        source_org_id=user.organization_id,
        destination_org_id=destination.id,
        destination=destination,
    )


def check_receiving(user: User, values: ReceivingInput, ledger: Ledger = DATABASE) -> Checked:
    """Lots arriving at the caller, within what their source shipped to it."""
    source = _organization(values.source_org_id, "source_org_id", ledger)
    lines = _lines(user, values.lines, "lines", ledger)
    shipped = ledger.shipped_to(
        user.organization_id, source.id, [batch.id for batch, _qty in lines]
    )
    for batch, _quantity in lines:
        if shipped.get(batch.id, Decimal(0)) <= 0:
            raise ValidationFailed.on_field(
                "lines",
                _(
                    "Lot %(lot)s was not shipped to you by %(org)s.",
                    lot=batch.lot_code,
                    org=source.name,
                ),
            )
    owed = ledger.receipts_owed(user.organization_id, source.id, [batch.id for batch, _q in lines])
    for batch, quantity in lines:
        if batch.id not in owed:
            # Written once (a confirmed delivery writes it): a second receipt would count twice.
            raise Conflict.on_field(
                "lines",
                _(
                    "The receipt of lot %(lot)s from %(org)s is already recorded.",
                    lot=batch.lot_code,
                    org=source.name,
                ),
            )
        if quantity is not None and quantity > shipped[batch.id]:
            raise ValidationFailed.on_field(
                "lines",
                _(
                    "Only %(qty)s %(unit)s of lot %(lot)s were shipped to you.",
                    qty=number(shipped[batch.id]),
                    unit=batch.unit.value,
                    lot=batch.lot_code,
                ),
            )
    site = _site(user, values.site_id, ledger)
    return Checked(
        EventKind.RECEIVING,
        site,
        _as(LineRole.OBJECT, lines),
        source_org_id=source.id,
        destination_org_id=user.organization_id,
        source=source,
    )


def check_inspection(user: User, values: InspectionInput, ledger: Ledger = DATABASE) -> Checked:
    """An inspection of lots the caller made or holds."""
    lines = _lines(user, values.lines, "lines", ledger)
    held = ledger.held([batch.id for batch, _qty in lines], user.organization_id)
    for batch, _qty in lines:
        if batch.organization_id != user.organization_id and held[batch.id] <= 0:
            raise ValidationFailed.on_field(
                "lines", _("Lot %(lot)s is not yours.", lot=batch.lot_code)
            )
    site = _site(user, values.site_id, ledger)
    return Checked(EventKind.INSPECTION, site, _as(LineRole.OBJECT, lines))


def activate(checked: Checked) -> None:
    """Make active the draft lots an accepted event made (harvested, or output)."""
    for batch in checked.activates:
        if batch.status == BatchStatus.DRAFT:
            batch.status = BatchStatus.ACTIVE


def check_document(
    user: User, items: list[EventInput | None], ledger: Ledger
) -> list[Checked | ValidationFailed | None]:
    """Check a document's events in order, each by its kind's rules, against one ledger.

    An accepted event activates its lots and is added to the ledger (which must then count
    it, as EPCIS capture's ``DocumentLedger`` does); a refused one is not, as if it had been
    sent alone. ``None`` items (events refused before the rules) stay ``None``.
    """
    results: list[Checked | ValidationFailed | None] = []
    for item in items:
        if item is None:
            results.append(None)
            continue
        try:
            checked = CHECKS[item.kind](user, item, ledger)
        except ValidationFailed as refusal:
            results.append(refusal)
            continue
        activate(checked)
        ledger.add(checked)
        results.append(checked)
    return results


CHECKS = {
    EventKind.HARVEST: check_harvest,
    EventKind.INPUT_APPLIED: check_input,
    EventKind.TRANSFORMATION: check_transformation,
    EventKind.SHIPPING: check_shipping,
    EventKind.RECEIVING: check_receiving,
    EventKind.INSPECTION: check_inspection,
}
