"""A captured EPCIS event read as the rules' input: its kind, ``values`` and JSON paths.

Only what the rules need is read here; the event itself is stored as received.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache
from urllib.parse import unquote

from flask_babel import gettext as _

from epcis.capture.identifiers import Resolver, lot_refs, lot_uris
from trace.models import UOM_CODES, Batch, EventKind, QuantityUnit

CBV = "https://ref.gs1.org/cbv/"
COUNT_UNITS = {QuantityUnit.PIECE, QuantityUnit.BOX, QuantityUnit.BAG}
MAX_QUANTITY = Decimal("1e11")  # Numeric(14, 3)
MILLI = Decimal("0.001")
OBSERVED = {"shipping": EventKind.SHIPPING, "receiving": EventKind.RECEIVING}
OBSERVED["inspecting"] = EventKind.INSPECTION
REFERENCE_TYPES = {"po": "po", "inv": "invoice", "desadv": "desadv"}
STEPS = {"packing": "packing", "repackaging": "splitting"}


@dataclass
class Mapped:
    """An event as recorder input, with the path of each line for error messages."""

    kind: EventKind | None
    values: dict = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    lot_paths: list[tuple[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    location: str | None = None

    def refuse(self, path: str, message: str) -> None:
        """Note a problem at ``path``."""
        self.problems.append((path, message))


def cbv_term(value, vocabulary: str) -> str:
    """A CBV term bare ("shipping"), whether written bare, as URN or as Web URI."""
    text = str(value or "")
    for prefix in (f"{CBV}{vocabulary}-", f"urn:epcglobal:cbv:{vocabulary.lower()}:"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def input_key(event: dict, names: frozenset[str]) -> str | None:
    """The key of our ``input`` extension (what was applied) in the event, if it has one."""
    return next((key for key in event if key in names), None)


def kind_of(event: dict, input_key: str | None) -> EventKind | None:
    """Which of our event kinds an EPCIS event is, or None when it is no shape we record."""
    if event.get("type") == "TransformationEvent":
        return EventKind.TRANSFORMATION
    if event.get("type") != "ObjectEvent":
        return None
    step = cbv_term(event.get("bizStep"), "BizStep")
    if event.get("action") == "ADD":
        return EventKind.HARVEST if step == "commissioning" else None
    if event.get("action") != "OBSERVE":
        return None
    if step in OBSERVED:
        return OBSERVED[step]
    return EventKind.INPUT_APPLIED if input_key else EventKind.OTHER


def read_event(event: dict, resolver: Resolver, input_names: frozenset, org_id: int) -> Mapped:
    """Map one schema-valid event; ``problems`` lists what stops it being recorded."""
    applied = input_key(event, input_names)
    mapped = Mapped(kind_of(event, applied))
    # Paths are only written out for an event that names a lot we do not know.
    if not all(resolver.lot(uri) for uri in lot_uris(event)):
        for path, uri in lot_refs(event):
            if resolver.lot(uri) is None:
                mapped.refuse(path, _("Unknown lot: %(uri)s is not a lot recorded here.", uri=uri))
    if mapped.kind is None:
        mapped.refuse(
            "type",
            _(
                "Not an event shape recorded here (%(type)s, %(action)s, %(step)s).",
                type=event.get("type"),
                action=event.get("action", "-"),
                step=event.get("bizStep", "-"),
            ),
        )
    if mapped.problems:
        return mapped
    mapped.values["event_time"] = _event_time(event, mapped)
    _place(event, resolver, mapped, org_id)
    if mapped.kind == EventKind.TRANSFORMATION:
        _transformation(event, resolver, mapped)
    else:
        mapped.values["lines"] = _lines(event, resolver, mapped, "quantityList", "epcList")
        mapped.paths["lines"] = "quantityList" if event.get("quantityList") else "epcList"
    _parties(event, resolver, mapped, org_id)
    _reference(event, resolver.base, mapped)
    if applied:
        mapped.values["input_name"] = str(event[applied])
        mapped.paths["input_name"] = applied
    return mapped


def _event_time(event: dict, mapped: Mapped) -> datetime | None:
    mapped.paths["event_time"] = "eventTime"
    try:
        moment = datetime.fromisoformat(event["eventTime"])
        zone = _zone(event["eventTimeZoneOffset"])
    except (ValueError, KeyError, IndexError):
        mapped.refuse("eventTime", _("Not a time that can be read."))
        return None
    return moment.astimezone(zone)


@cache
def _zone(offset: str) -> timezone:
    """The time zone of an offset such as "+07:00" (a document repeats a few of them)."""
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = offset[1:].split(":")
    return timezone(timedelta(hours=int(hours), minutes=int(minutes)) * sign)


def _place(event: dict, resolver: Resolver, mapped: Mapped, org_id: int) -> None:
    key = "bizLocation" if event.get("bizLocation") else "readPoint"
    mapped.location = (event.get(key) or {}).get("id")
    mapped.paths["site_id"] = f"{key}.id"
    site = resolver.place(mapped.location) if mapped.location else None
    needs_site = mapped.kind == EventKind.HARVEST or (
        mapped.kind == EventKind.INPUT_APPLIED and not event.get("quantityList")
    )
    # A place of another organization's is only refused where the recorder needs our own site.
    if site is not None and (site.organization_id == org_id or needs_site):
        mapped.values["site_id"] = site.id
    if mapped.location and len(mapped.location) > 255:
        mapped.refuse(f"{key}.id", _("A location identifier is at most 255 characters here."))


def _lines(event: dict, resolver: Resolver, mapped: Mapped, q_key: str, epc_key: str) -> list:
    lines = []
    for index, element in enumerate(event.get(q_key) or []):
        path = f"{q_key}[{index}]"
        batch = resolver.lot(element["epcClass"])
        quantity = _quantity(element, batch, path, mapped)
        lines.append({"batch_id": batch.id, "quantity": quantity})
        mapped.lot_paths.append((batch.lot_code, f"{path}.epcClass"))
    for index, uri in enumerate(event.get(epc_key) or []):
        batch = resolver.lot(uri)
        lines.append({"batch_id": batch.id, "quantity": None})
        mapped.lot_paths.append((batch.lot_code, f"{epc_key}[{index}]"))
    return lines


def _quantity(element: dict, batch: Batch, path: str, mapped: Mapped) -> Decimal | None:
    if "quantity" not in element:
        return None
    try:
        quantity = Decimal(str(element["quantity"]))
    except InvalidOperation:
        quantity = Decimal(-1)
    # Quantised as the column stores it, so the chain hash agrees before and after a reload.
    stored = quantity.quantize(MILLI) if 0 < quantity < MAX_QUANTITY else quantity
    if quantity <= 0 or quantity >= MAX_QUANTITY or quantity != stored:
        mapped.refuse(
            f"{path}.quantity",
            _("A quantity is positive, below 10^11, with at most 3 decimals."),
        )
    uom = element.get("uom")
    expected = UOM_CODES[batch.unit.value]
    if uom != expected and not (uom is None and batch.unit in COUNT_UNITS):
        mapped.refuse(
            f"{path}.uom",
            _(
                "Lot %(lot)s is counted in %(unit)s (uom %(code)s).",
                lot=batch.lot_code,
                unit=batch.unit.value,
                code=expected,
            ),
        )
    return stored if quantity > 0 else None


def _transformation(event: dict, resolver: Resolver, mapped: Mapped) -> None:
    inputs = _lines(event, resolver, mapped, "inputQuantityList", "inputEPCList")
    outputs = _lines(event, resolver, mapped, "outputQuantityList", "outputEPCList")
    for line, (lot, path) in zip(outputs, mapped.lot_paths[len(inputs) :], strict=True):
        if line["quantity"] is None:
            mapped.refuse(path, _("Give the quantity made of lot %(lot)s.", lot=lot))
    mapped.values["inputs"] = inputs
    mapped.values["outputs"] = outputs
    mapped.values["transformation"] = STEPS.get(
        cbv_term(event.get("bizStep"), "BizStep"), "processing"
    )
    mapped.paths.update(inputs="inputQuantityList", outputs="outputQuantityList")


def _parties(event: dict, resolver: Resolver, mapped: Mapped, org_id: int) -> None:
    """Shipping names where it goes, receiving where it came from; the caller is the other end."""
    if mapped.kind not in (EventKind.SHIPPING, EventKind.RECEIVING):
        return
    shipping = mapped.kind == EventKind.SHIPPING
    own_key, other_key = ("sourceList", "destinationList")[:: 1 if shipping else -1]
    path, org, given = _party(event, own_key, resolver)
    if given and (org is None or org.id != org_id):
        mapped.refuse(path, _("This party must be your own organization: you record the event."))
    value_key = "destination_org_id" if shipping else "source_org_id"
    path, org, _given = _party(event, other_key, resolver)
    mapped.paths[value_key] = path
    mapped.values[value_key] = org.id if org else None


def _party(event: dict, key: str, resolver: Resolver) -> tuple[str, object, bool]:
    """The path and organization of the owning party in a source or destination list."""
    member = key.removesuffix("List")
    entries = event.get(key) or []
    owners = [i for i, e in enumerate(entries) if cbv_term(e.get("type"), "SDT") == "owning_party"]
    if not entries:
        return key, None, False
    index = owners[0] if owners else 0
    return f"{key}[{index}].{member}", resolver.party(entries[index][member]), True


def _reference(event: dict, base: str, mapped: Mapped) -> None:
    transactions = event.get("bizTransactionList") or []
    if not transactions:
        return
    uri = transactions[0]["bizTransaction"]
    ours = f"{base}/ref/"
    if uri.startswith(ours) and uri.count("/", len(ours)) == 1:
        kind, reference = (unquote(part) for part in uri[len(ours) :].split("/"))
    else:
        type_term = cbv_term(transactions[0].get("type"), "BTT")
        kind, reference = REFERENCE_TYPES.get(type_term, "other"), uri
    if len(reference) > 120 or len(kind) > 40:
        mapped.refuse(
            "bizTransactionList[0].bizTransaction",
            _("A business transaction is at most 120 characters here."),
        )
    mapped.values["reference"] = {"type": kind, "id": reference}
