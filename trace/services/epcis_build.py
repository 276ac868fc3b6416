"""Our events as EPCIS 2.0 JSON-LD events (DESIGN.md section 5), CBV terms written bare."""

from datetime import datetime
from decimal import Decimal

from core.urls import base_url
from gs1.codes import lot_uri, party_uri, reference_uri
from trace.models import UOM_CODES, Batch, EventKind
from trace.process_steps import biz_step_uri

BIZ_STEPS = {
    EventKind.HARVEST: "commissioning",
    EventKind.SHIPPING: "shipping",
    EventKind.RECEIVING: "receiving",
    EventKind.INSPECTION: "inspecting",
    EventKind.RECALL: "holding",
}
DISPOSITIONS = {
    EventKind.HARVEST: "active",
    EventKind.SHIPPING: "in_transit",
    EventKind.RECEIVING: "in_progress",
    EventKind.RECALL: "recalled",
}
TRANSFORMATION_STEPS = {
    "processing": "commissioning",
    "packing": "packing",
    "splitting": "repackaging",
    "merging": "repackaging",
}
BIZ_TRANSACTION_TYPES = {"invoice": "inv", "po": "po", "desadv": "desadv"}


def extension_namespace() -> dict[str, str]:
    """The prefix of our own EPCIS extension terms."""
    return {"htx": f"{base_url()}/ns/"}


def batch_uri(batch: Batch) -> str:
    """The EPC class URI of a lot."""
    return lot_uri(base_url(), batch.product.gtin, batch.lot_code, batch.public_code)


def org_uri(org) -> str:
    """The party URI of an organization."""
    return party_uri(base_url(), org.gln, org.id)


def _quantity(batch: Batch, quantity: Decimal | None) -> dict:
    element = {"epcClass": batch_uri(batch)}
    if quantity is not None:
        element["quantity"] = float(quantity)
        element["uom"] = UOM_CODES[batch.unit.value]
    return element


def _time(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds")


def object_event(
    kind: EventKind,
    event_time: datetime,
    offset: str,
    location: str,
    lines: list[tuple[Batch, Decimal | None]],
    extra: dict,
) -> dict:
    """An EPCIS ObjectEvent for a harvest, input, shipment, receipt, inspection or recall."""
    event = {
        "type": "ObjectEvent",
        "eventTime": _time(event_time),
        "eventTimeZoneOffset": offset,
        "action": "ADD" if kind == EventKind.HARVEST else "OBSERVE",
        "bizStep": BIZ_STEPS.get(kind, f"{base_url()}/ns/bizstep/{kind.value}"),
        "readPoint": {"id": location},
        "bizLocation": {"id": location},
    }
    if kind in DISPOSITIONS:
        event["disposition"] = DISPOSITIONS[kind]
    if lines:
        event["quantityList"] = [_quantity(batch, qty) for batch, qty in lines]
    else:
        event["epcList"] = []
    event.update(extra)
    return event


def transformation_event(
    event_time: datetime,
    offset: str,
    location: str,
    step: str,
    inputs: list[tuple[Batch, Decimal]],
    outputs: list[tuple[Batch, Decimal]],
    extra: dict,
    process_step: str | None = None,
) -> dict:
    """An EPCIS TransformationEvent: inputs consumed, outputs made, with quantities; a
    named processing step (``trace.process_steps``) is its business step, one of ours."""
    event = {
        "type": "TransformationEvent",
        "eventTime": _time(event_time),
        "eventTimeZoneOffset": offset,
        "bizStep": (
            biz_step_uri(base_url(), process_step) if process_step else TRANSFORMATION_STEPS[step]
        ),
        "disposition": "active",
        "readPoint": {"id": location},
        "bizLocation": {"id": location},
        "inputQuantityList": [_quantity(batch, qty) for batch, qty in inputs],
        "outputQuantityList": [_quantity(batch, qty) for batch, qty in outputs],
    }
    ilmd = _ilmd_of_outputs([batch for batch, _qty in outputs])
    if ilmd:
        event["ilmd"] = ilmd
    event.update(extra)
    return event


def harvest_ilmd(batch: Batch, origin_commune: str | None, households: int) -> dict:
    """Instance/lot master data written when a lot is harvested (commissioned)."""
    ilmd = {"cbvmda:lotNumber": batch.lot_code, "cbvmda:countryOfOrigin": "VN"}
    if batch.harvest_date:
        ilmd["cbvmda:harvestStartDate"] = batch.harvest_date.isoformat()
    if batch.expiry_date:
        ilmd["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    if origin_commune:
        ilmd["htx:originAdminUnit"] = origin_commune
    if households:
        ilmd["htx:householdCount"] = households
    return ilmd


def _ilmd_of_outputs(outputs: list[Batch]) -> dict:
    if len(outputs) != 1:
        return {}
    batch = outputs[0]
    ilmd = {"cbvmda:lotNumber": batch.lot_code}
    if batch.expiry_date:
        ilmd["cbvmda:itemExpirationDate"] = batch.expiry_date.isoformat()
    return ilmd


def parties(source, destination) -> dict:
    """sourceList/destinationList entries for a change of owner."""
    extra = {}
    if source is not None:
        extra["sourceList"] = [{"type": "owning_party", "source": org_uri(source)}]
    if destination is not None:
        extra["destinationList"] = [{"type": "owning_party", "destination": org_uri(destination)}]
    return extra


def business_transaction(kind: str, reference: str) -> dict:
    """bizTransactionList entry for a contract, invoice or other document."""
    type_term = BIZ_TRANSACTION_TYPES.get(kind, f"{base_url()}/ns/btt/{kind}")
    return {
        "bizTransactionList": [
            {"type": type_term, "bizTransaction": reference_uri(base_url(), kind, reference)}
        ]
    }
