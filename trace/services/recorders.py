"""One recorder per event kind: checks that kind's rules and builds the event with its lines."""

from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.errors import ValidationFailed
from core.extensions import db
from registry.models import Organization, User
from trace.codes import location_uri, reference_uri
from trace.models import (
    Batch,
    BatchStatus,
    EventKind,
    EventLine,
    LineRole,
    Site,
    TraceEvent,
)
from trace.services import epcis_build as build
from trace.services.batches import check_dates, create_batch
from trace.services.quantities import held_quantities, not_erroneous, produced_quantities


def _offset(value: datetime) -> str:
    seconds = int(value.utcoffset().total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _new_event(user: User, kind: EventKind, values: dict, site: Site | None) -> TraceEvent:
    when = values["event_time"]
    location = (
        location_uri(build.base_url(), site.gln, site.code)
        if site
        else build.org_uri(user.organization)
    )
    return TraceEvent(
        organization_id=user.organization_id,
        kind=kind,
        event_type="ObjectEvent",
        event_time=when.astimezone(UTC),
        time_zone_offset=_offset(when),
        site_id=site.id if site else None,
        location_code=location,
    )


def _site(user: User, site_id: int | None, required: bool = False) -> Site | None:
    if site_id is None:
        if required:
            raise ValidationFailed.on_field("site_id", _("Say where this happened (a site)."))
        return None
    site = db.session.get(Site, site_id)
    if site is None or site.organization_id != user.organization_id:
        raise ValidationFailed.on_field("site_id", _("No such site of your organization."))
    return site


def _locked_batches(ids: list[int], field: str) -> dict[int, Batch]:
    """The batches, locked in id order so concurrent writers queue instead of overselling."""
    if not ids:
        raise ValidationFailed.on_field(field, _("List at least one batch."))
    if len(set(ids)) != len(ids):
        raise ValidationFailed.on_field(field, _("A batch is listed twice."))
    batches = db.session.scalars(
        select(Batch)
        .options(selectinload(Batch.product))
        .where(Batch.id.in_(sorted(ids)))
        .order_by(Batch.id)
        .with_for_update()
    ).all()
    found = {batch.id: batch for batch in batches}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ValidationFailed.on_field(
            field, _("No such batch: %(ids)s.", ids=", ".join(map(str, missing)))
        )
    for batch in found.values():
        if batch.status == BatchStatus.RECALLED:
            raise ValidationFailed.on_field(
                field, _("Lot %(lot)s is recalled.", lot=batch.lot_code)
            )
    return found


def _require_held(user: User, lines: list[tuple[Batch, Decimal]], field: str) -> None:
    held = held_quantities([batch.id for batch, _qty in lines], user.organization_id)
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
                    left=_plain(held[batch.id]),
                    unit=batch.unit.value,
                ),
            )


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def _lines(values: list[dict], field: str) -> list[tuple[Batch, Decimal | None]]:
    batches = _locked_batches([line["batch_id"] for line in values], field)
    return [(batches[line["batch_id"]], line.get("quantity")) for line in values]


def _add_lines(event: TraceEvent, role: LineRole, lines) -> None:
    # Ids, not relationships: the chain hash is computed before the event is flushed.
    event.lines.extend(
        EventLine(batch_id=batch.id, batch=batch, role=role, quantity=qty) for batch, qty in lines
    )


def record_harvest(user: User, values: dict) -> TraceEvent:
    """Harvest (commissioning) of the caller's own lots: ObjectEvent ADD; drafts become active."""
    site = _site(user, values.get("site_id"), required=True)
    lines = _lines(values["lines"], "lines")
    produced = produced_quantities([batch.id for batch, _qty in lines])
    resolved = []
    for batch, quantity in lines:
        if batch.organization_id != user.organization_id:
            raise ValidationFailed.on_field(
                "lines", _("Lot %(lot)s is not yours.", lot=batch.lot_code)
            )
        left = Decimal(batch.quantity) - produced[batch.id]
        quantity = quantity or left
        if quantity <= 0 or quantity > left:
            raise ValidationFailed.on_field(
                "lines",
                _(
                    "Lot %(lot)s has only %(left)s %(unit)s left to harvest.",
                    lot=batch.lot_code,
                    left=_plain(left),
                    unit=batch.unit.value,
                ),
            )
        resolved.append((batch, quantity))
    event = _new_event(user, EventKind.HARVEST, values, site)
    _add_lines(event, LineRole.OBJECT, resolved)
    first = resolved[0][0]
    ilmd = build.harvest_ilmd(first, site.admin_unit.code, len(first.households))
    event.epcis = build.object_event(
        EventKind.HARVEST,
        values["event_time"],
        event.time_zone_offset,
        event.location_code,
        resolved,
        {"ilmd": ilmd},
    )
    for batch, _qty in resolved:
        if batch.status == BatchStatus.DRAFT:
            batch.status = BatchStatus.ACTIVE
    return event


def record_input(user: User, values: dict) -> TraceEvent:
    """Fertiliser or pesticide applied to lots or a growing area: ObjectEvent OBSERVE."""
    site = _site(user, values.get("site_id"), required=not values["lines"])
    if not values.get("input_name"):
        raise ValidationFailed.on_field("input_name", _("Name the input that was applied."))
    lines = _lines(values["lines"], "lines") if values["lines"] else []
    for batch, _qty in lines:
        if batch.organization_id != user.organization_id:
            raise ValidationFailed.on_field(
                "lines", _("Lot %(lot)s is not yours.", lot=batch.lot_code)
            )
    event = _new_event(user, EventKind.INPUT_APPLIED, values, site)
    _add_lines(event, LineRole.OBJECT, lines)
    extra = {"htx:input": values["input_name"]}
    if values.get("dose") is not None:
        extra["htx:dose"] = float(values["dose"])
        extra["htx:doseUnit"] = values.get("dose_unit") or ""
    if values.get("pre_harvest_interval_days") is not None:
        extra["htx:preHarvestIntervalDays"] = values["pre_harvest_interval_days"]
    event.epcis = build.object_event(
        EventKind.INPUT_APPLIED,
        values["event_time"],
        event.time_zone_offset,
        event.location_code,
        lines,
        extra,
    )
    return event


def record_transformation(user: User, values: dict) -> TraceEvent:
    """Processing, packing, splitting or merging: inputs consumed, outputs made."""
    site = _site(user, values.get("site_id"))
    inputs = _lines(values["inputs"], "inputs")
    _require_held(user, inputs, "inputs")
    if not values["outputs"]:
        raise ValidationFailed.on_field("outputs", _("List at least one output."))
    outputs = [_output(user, spec) for spec in values["outputs"]]
    event = _new_event(user, EventKind.TRANSFORMATION, values, site)
    event.event_type = "TransformationEvent"
    _add_lines(event, LineRole.INPUT, inputs)
    _add_lines(event, LineRole.OUTPUT, outputs)
    event.epcis = build.transformation_event(
        values["event_time"],
        event.time_zone_offset,
        event.location_code,
        values["transformation"],
        inputs,
        outputs,
        {},
    )
    for batch, _qty in outputs:
        batch.status = BatchStatus.ACTIVE
    return event


def _output(user: User, spec: dict) -> tuple[Batch, Decimal]:
    if spec.get("batch_id"):
        batch = _locked_batches([spec["batch_id"]], "outputs")[spec["batch_id"]]
        if batch.organization_id != user.organization_id or batch.status != BatchStatus.DRAFT:
            raise ValidationFailed.on_field(
                "outputs", _("Lot %(lot)s is not a draft lot of yours.", lot=batch.lot_code)
            )
        check_dates(batch)
        return batch, spec["quantity"]
    batch = create_batch(user, {**spec, "households": [], "site_ids": []})
    return batch, spec["quantity"]


def record_shipping(user: User, values: dict) -> TraceEvent:
    """Lots leaving the caller for another organization: ObjectEvent OBSERVE shipping."""
    destination = _organization(values.get("destination_org_id"), "destination_org_id")
    if destination.id == user.organization_id:
        raise ValidationFailed.on_field(
            "destination_org_id", _("A shipment goes to another organization.")
        )
    lines = _lines(values["lines"], "lines")
    _require_held(user, lines, "lines")
    event = _new_event(user, EventKind.SHIPPING, values, _site(user, values.get("site_id")))
    event.source_org_id, event.destination_org_id = user.organization_id, destination.id
    _add_lines(event, LineRole.OBJECT, lines)
    extra = build.parties(user.organization, destination) | _reference(event, values)
    event.epcis = build.object_event(
        EventKind.SHIPPING,
        values["event_time"],
        event.time_zone_offset,
        event.location_code,
        lines,
        extra,
    )
    return event


def record_receiving(user: User, values: dict) -> TraceEvent:
    """Lots arriving at the caller from the organization that shipped them."""
    source = _organization(values.get("source_org_id"), "source_org_id")
    lines = _lines(values["lines"], "lines")
    shipped = _shipped_to(user.organization_id, source.id, [batch.id for batch, _qty in lines])
    for batch, quantity in lines:
        if shipped.get(batch.id, Decimal(0)) <= 0:
            raise ValidationFailed.on_field(
                "lines",
                _(
                    "Lot %(lot)s was not shipped to you by %(org)s.",
                    lot=batch.lot_code,
                    org=source.name,
                ),
            )
        if quantity is not None and quantity > shipped[batch.id]:
            raise ValidationFailed.on_field(
                "lines",
                _(
                    "Only %(qty)s %(unit)s of lot %(lot)s were shipped to you.",
                    qty=_plain(shipped[batch.id]),
                    unit=batch.unit.value,
                    lot=batch.lot_code,
                ),
            )
    event = _new_event(user, EventKind.RECEIVING, values, _site(user, values.get("site_id")))
    event.source_org_id, event.destination_org_id = source.id, user.organization_id
    _add_lines(event, LineRole.OBJECT, lines)
    extra = build.parties(source, user.organization) | _reference(event, values)
    event.epcis = build.object_event(
        EventKind.RECEIVING,
        values["event_time"],
        event.time_zone_offset,
        event.location_code,
        lines,
        extra,
    )
    return event


def record_inspection(user: User, values: dict) -> TraceEvent:
    """An inspection or certification of lots the caller holds or made."""
    lines = _lines(values["lines"], "lines")
    held = held_quantities([batch.id for batch, _qty in lines], user.organization_id)
    for batch, _qty in lines:
        if batch.organization_id != user.organization_id and held[batch.id] <= 0:
            raise ValidationFailed.on_field(
                "lines", _("Lot %(lot)s is not yours.", lot=batch.lot_code)
            )
    event = _new_event(user, EventKind.INSPECTION, values, _site(user, values.get("site_id")))
    _add_lines(event, LineRole.OBJECT, lines)
    extra = {}
    if values.get("result"):
        extra["htx:result"] = values["result"]
    if values.get("certificate"):
        extra["certificationInfo"] = reference_uri(
            build.base_url(), "certificate", values["certificate"]
        )
    event.epcis = build.object_event(
        EventKind.INSPECTION,
        values["event_time"],
        event.time_zone_offset,
        event.location_code,
        lines,
        extra,
    )
    return event


def _organization(org_id: int | None, field: str) -> Organization:
    org = db.session.get(Organization, org_id) if org_id else None
    if org is None:
        raise ValidationFailed.on_field(field, _("No such organization."))
    return org


def _reference(event: TraceEvent, values: dict) -> dict:
    reference = values.get("reference")
    if not reference:
        return {}
    event.reference_type, event.reference = reference["type"], reference["id"]
    return build.business_transaction(reference["type"], reference["id"])


def _shipped_to(org_id: int, source_id: int, batch_ids: list[int]) -> dict[int, Decimal]:
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


RECORDERS = {
    EventKind.HARVEST: record_harvest,
    EventKind.INPUT_APPLIED: record_input,
    EventKind.TRANSFORMATION: record_transformation,
    EventKind.SHIPPING: record_shipping,
    EventKind.RECEIVING: record_receiving,
    EventKind.INSPECTION: record_inspection,
}
