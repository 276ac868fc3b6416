"""One recorder per event kind: its rules checked (``trace.services.rules``), then the event
built with its lines and its EPCIS 2.0 form."""

from datetime import UTC, datetime

from core.clock import VIETNAM
from core.urls import base_url
from gs1.codes import location_uri, reference_uri
from registry.models import User
from trace.inputs import (
    EventInput,
    HarvestInput,
    InputAppliedInput,
    InspectionInput,
    ReceivingInput,
    ShippingInput,
    TransformationInput,
)
from trace.models import EventKind, EventLine, LineRole, TraceEvent
from trace.services import epcis_build as build
from trace.services import rules
from trace.services.batches import default_expiry
from trace.services.rules import Checked


def _offset(value: datetime) -> str:
    seconds = int(value.utcoffset().total_seconds())
    sign = "+" if seconds >= 0 else "-"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def _new_event(user: User, checked: Checked, values: EventInput) -> TraceEvent:
    when, site = values.event_time, checked.site
    location = (
        location_uri(base_url(), site.gln, site.code) if site else build.org_uri(user.organization)
    )
    event = TraceEvent(
        organization_id=user.organization_id,
        kind=checked.kind,
        event_type="ObjectEvent",
        event_time=when.astimezone(UTC),
        time_zone_offset=_offset(when),
        site_id=site.id if site else None,
        location_code=location,
        source_org_id=checked.source_org_id,
        destination_org_id=checked.destination_org_id,
    )
    # Ids, not only relationships: the chain hash is computed before the event is flushed.
    event.lines.extend(
        EventLine(batch_id=batch.id, batch=batch, role=role, quantity=quantity, kind=checked.kind)
        for role, batch, quantity in checked.lines
    )
    return event


def _default_expiries(checked: Checked, values: EventInput) -> None:
    """The lots a harvest or transformation makes get their missing expiry date from their
    product's shelf life, counted from their dates or else the event's day (before the event's
    ILMD is built, so it carries the date). A harvested lot with neither a harvest nor a
    production date takes the harvest's day as its harvest date. A lot whose labels are
    printed stays as printed."""
    day = _vietnam_day(values.event_time)
    for batch in checked.activates:
        if batch.label_issued_at is not None:
            continue
        if checked.kind == EventKind.HARVEST and not (batch.harvest_date or batch.production_date):
            batch.harvest_date = day
        default_expiry(batch, day)


def _vietnam_day(when: datetime):
    """The event's date on Vietnam's calendar (an event time may come in UTC)."""
    return when.astimezone(VIETNAM).date() if when.tzinfo else when.date()


def _object_event(event: TraceEvent, checked: Checked, values: EventInput, extra: dict) -> dict:
    return build.object_event(
        checked.kind,
        values.event_time,
        event.time_zone_offset,
        event.location_code,
        checked.of(LineRole.OBJECT),
        extra,
    )


def record_harvest(user: User, values: HarvestInput) -> TraceEvent:
    """Harvest (commissioning) of the caller's own lots: ObjectEvent ADD; drafts become active."""
    checked = rules.check_harvest(user, values)
    _default_expiries(checked, values)
    event = _new_event(user, checked, values)
    first = checked.lines[0][1]
    ilmd = build.harvest_ilmd(first, checked.site.admin_unit.code, len(first.households))
    event.epcis = _object_event(event, checked, values, {"ilmd": ilmd})
    rules.activate(checked)
    return event


def record_input(user: User, values: InputAppliedInput) -> TraceEvent:
    """Fertiliser or pesticide applied to lots or a growing area: ObjectEvent OBSERVE."""
    checked = rules.check_input(user, values)
    event = _new_event(user, checked, values)
    extra = {"htx:input": values.input_name}
    if values.dose is not None:
        extra["htx:dose"] = float(values.dose)
        extra["htx:doseUnit"] = values.dose_unit or ""
    if values.pre_harvest_interval_days is not None:
        extra["htx:preHarvestIntervalDays"] = values.pre_harvest_interval_days
    event.epcis = _object_event(event, checked, values, extra)
    return event


def record_transformation(user: User, values: TransformationInput) -> TraceEvent:
    """Processing, packing, splitting or merging: inputs consumed, outputs made."""
    checked = rules.check_transformation(user, values)
    _default_expiries(checked, values)
    event = _new_event(user, checked, values)
    event.event_type = "TransformationEvent"
    event.epcis = build.transformation_event(
        values.event_time,
        event.time_zone_offset,
        event.location_code,
        values.transformation,
        checked.of(LineRole.INPUT),
        checked.of(LineRole.OUTPUT),
        {},
        values.process_step,
    )
    rules.activate(checked)
    return event


def record_shipping(user: User, values: ShippingInput) -> TraceEvent:
    """Lots leaving the caller for another organization: ObjectEvent OBSERVE shipping."""
    checked = rules.check_shipping(user, values)
    event = _new_event(user, checked, values)
    extra = build.parties(user.organization, checked.destination) | _reference(event, values)
    event.epcis = _object_event(event, checked, values, extra)
    return event


def record_receiving(user: User, values: ReceivingInput) -> TraceEvent:
    """Lots arriving at the caller from the organization that shipped them."""
    checked = rules.check_receiving(user, values)
    event = _new_event(user, checked, values)
    extra = build.parties(checked.source, user.organization) | _reference(event, values)
    event.epcis = _object_event(event, checked, values, extra)
    return event


def record_inspection(user: User, values: InspectionInput) -> TraceEvent:
    """An inspection or certification of lots the caller holds or made."""
    checked = rules.check_inspection(user, values)
    event = _new_event(user, checked, values)
    extra = {}
    if values.result:
        extra["htx:result"] = values.result
    if values.certificate:
        extra["certificationInfo"] = reference_uri(base_url(), "certificate", values.certificate)
    if values.note:
        extra["htx:note"] = values.note
    event.epcis = _object_event(event, checked, values, extra)
    return event


def _reference(event: TraceEvent, values: ShippingInput | ReceivingInput) -> dict:
    reference = values.reference
    if not reference:
        return {}
    event.reference_type, event.reference = reference.type, reference.id
    return build.business_transaction(reference.type, reference.id)


RECORDERS = {
    EventKind.HARVEST: record_harvest,
    EventKind.INPUT_APPLIED: record_input,
    EventKind.TRANSFORMATION: record_transformation,
    EventKind.SHIPPING: record_shipping,
    EventKind.RECEIVING: record_receiving,
    EventKind.INSPECTION: record_inspection,
}
