"""Typed inputs of the trace services: what a product, site, lot or event is made from.

The API's schemas load into these (``post_load``), the web forms load through the same
schemas, and code that builds records itself (demo data, linkage, EPCIS capture) builds them
directly. A ``…Patch`` holds the fields a PATCH sent; the others are ``UNSET``.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from core.inputs import UNSET, sent_fields
from trace.models import EventKind, ProductCategory, QuantityUnit, SiteKind, StandardKind


def _set(instance, name: str, value) -> None:
    object.__setattr__(instance, name, value)


def _enum(instance, name: str, enum_cls) -> None:
    """Coerce a sent value ("kg") to its enum (QuantityUnit.KG), leaving UNSET alone."""
    value = getattr(instance, name)
    if value is not UNSET and value is not None and not isinstance(value, enum_cls):
        _set(instance, name, enum_cls(value))


def _tuple(instance, name: str, item_cls=None) -> None:
    """Store a list as a tuple (frozen inputs); mappings in it become ``item_cls``."""
    value = getattr(instance, name)
    if value is UNSET or value is None:
        return
    _set(instance, name, tuple(_item(item, item_cls) for item in value))


def _item(item, item_cls):
    if item_cls is not None and isinstance(item, Mapping):
        return item_cls(**item)
    return item


def changed_fields(current, wanted) -> list[str]:
    """Names of the fields whose value ``wanted`` changes, in declaration order (fields
    declared ``compare=False``, such as a change's reason, are not data)."""
    return [
        field.name
        for field in dataclasses.fields(current)
        if field.compare
        and _comparable(getattr(current, field.name)) != _comparable(getattr(wanted, field.name))
    ]


def _comparable(value):
    if isinstance(value, tuple):
        return sorted((_comparable(item) for item in value), key=repr)
    if dataclasses.is_dataclass(value):
        return tuple(_comparable(v) for v in dataclasses.astuple(value))
    if isinstance(value, float | int) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


# Products -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class StandardInput:
    """A standard a product follows (VietGAP, OCOP…), with its certificate."""

    kind: StandardKind
    stars: int | None = None
    certificate_number: str | None = None
    issuer: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None

    def __post_init__(self):
        _enum(self, "kind", StandardKind)


@dataclass(frozen=True, kw_only=True)
class ProductInput:
    """A whole product: what POST and PUT send."""

    name: str
    category: ProductCategory
    name_en: str | None = None
    gtin: str | None = None
    unit: QuantityUnit = QuantityUnit.KG
    description: str | None = None
    is_agricultural: bool = True
    no_standard_declared: bool = False
    shelf_life_days: int | None = None
    standards: tuple[StandardInput, ...] = ()

    def __post_init__(self):
        _enum(self, "category", ProductCategory)
        _enum(self, "unit", QuantityUnit)
        _tuple(self, "standards", StandardInput)

    @property
    def gtin14(self) -> str | None:
        """The GTIN as stored: 14 digits, zero-padded."""
        return self.gtin.zfill(14) if self.gtin else None

    def patched(self, patch: "ProductPatch") -> "ProductInput":
        """This product with the fields a PATCH sent."""
        return dataclasses.replace(self, **sent_fields(patch))


@dataclass(frozen=True, kw_only=True)
class ProductPatch:
    """The fields of a product a PATCH sent."""

    name: str = UNSET
    category: ProductCategory = UNSET
    name_en: str | None = UNSET
    gtin: str | None = UNSET
    unit: QuantityUnit = UNSET
    description: str | None = UNSET
    is_agricultural: bool = UNSET
    no_standard_declared: bool = UNSET
    shelf_life_days: int | None = UNSET
    standards: tuple[StandardInput, ...] = UNSET

    def __post_init__(self):
        _tuple(self, "standards", StandardInput)


# Sites --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SiteInput:
    """A whole growing area or facility: what POST and PUT send."""

    name: str
    admin_unit: str
    name_en: str | None = None
    kind: SiteKind = SiteKind.GROWING_AREA
    planting_area_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    area_ha: float | None = None
    gln: str | None = None
    household_ids: tuple[int, ...] = ()

    def __post_init__(self):
        _enum(self, "kind", SiteKind)
        _tuple(self, "household_ids")

    def patched(self, patch: "SitePatch") -> "SiteInput":
        """This site with the fields a PATCH sent."""
        return dataclasses.replace(self, **sent_fields(patch))


@dataclass(frozen=True, kw_only=True)
class SitePatch:
    """The fields of a site a PATCH sent."""

    name: str = UNSET
    admin_unit: str = UNSET
    name_en: str | None = UNSET
    kind: SiteKind = UNSET
    planting_area_code: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET
    area_ha: float | None = UNSET
    gln: str | None = UNSET
    household_ids: tuple[int, ...] = UNSET

    def __post_init__(self):
        _tuple(self, "household_ids")


# Lots ---------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Contribution:
    """A member household's share of a harvest lot."""

    member_id: int
    quantity: Decimal


@dataclass(frozen=True, kw_only=True)
class BatchInput:
    """A whole lot: what POST and PUT send. No ``lot_code`` keeps (or generates) one."""

    product_id: int
    quantity: Decimal
    lot_code: str | None = None
    harvest_date: date | None = None
    production_date: date | None = None
    packing_date: date | None = None
    expiry_date: date | None = None
    site_ids: tuple[int, ...] = ()
    households: tuple[Contribution, ...] = ()
    # Why a batch whose labels are printed is changed (a correction); not a field of the lot.
    reason: str | None = dataclasses.field(default=None, compare=False)

    def __post_init__(self):
        _set(self, "quantity", Decimal(str(self.quantity)))
        _tuple(self, "site_ids")
        _tuple(self, "households", Contribution)

    def patched(self, patch: "BatchPatch") -> "BatchInput":
        """This lot with the fields a PATCH sent."""
        return dataclasses.replace(self, **sent_fields(patch))


@dataclass(frozen=True, kw_only=True)
class BatchPatch:
    """The fields of a lot a PATCH sent."""

    product_id: int = UNSET
    quantity: Decimal = UNSET
    lot_code: str | None = UNSET
    harvest_date: date | None = UNSET
    production_date: date | None = UNSET
    packing_date: date | None = UNSET
    expiry_date: date | None = UNSET
    site_ids: tuple[int, ...] = UNSET
    households: tuple[Contribution, ...] = UNSET
    reason: str | None = dataclasses.field(default=UNSET, compare=False)

    def __post_init__(self):
        _tuple(self, "site_ids")
        _tuple(self, "households", Contribution)


# Events -------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LineInput:
    """A lot taking part in an event, and how much of it (None: all, where the rule allows)."""

    batch_id: int
    quantity: Decimal | None = None


@dataclass(frozen=True, kw_only=True)
class OutputInput:
    """An output of a transformation: an existing draft lot, or a new lot of a product."""

    quantity: Decimal
    batch_id: int | None = None
    product_id: int | None = None
    lot_code: str | None = None
    production_date: date | None = None
    packing_date: date | None = None
    expiry_date: date | None = None

    def as_new_lot(self) -> BatchInput:
        """The draft lot this output makes when it names a product."""
        return BatchInput(
            product_id=self.product_id,
            quantity=self.quantity,
            lot_code=self.lot_code,
            production_date=self.production_date,
            packing_date=self.packing_date,
            expiry_date=self.expiry_date,
        )


@dataclass(frozen=True, kw_only=True)
class ReferenceInput:
    """A business document an event refers to (a contract, an invoice…)."""

    type: str
    id: str


@dataclass(frozen=True, kw_only=True)
class EventInput:
    """What every event has: when (with its offset) and, for some kinds, where."""

    kind: ClassVar[EventKind]
    event_time: datetime
    site_id: int | None = None


def _lines(instance, name: str, item_cls=LineInput) -> None:
    _tuple(instance, name, item_cls)


@dataclass(frozen=True, kw_only=True)
class HarvestInput(EventInput):
    """Harvest of own draft lots at one of the caller's sites."""

    kind: ClassVar[EventKind] = EventKind.HARVEST
    lines: tuple[LineInput, ...] = ()

    def __post_init__(self):
        _lines(self, "lines")


@dataclass(frozen=True, kw_only=True)
class InputAppliedInput(EventInput):
    """A fertiliser or pesticide applied to lots or to a growing area."""

    kind: ClassVar[EventKind] = EventKind.INPUT_APPLIED
    lines: tuple[LineInput, ...] = ()
    input_name: str | None = None
    dose: Decimal | None = None
    dose_unit: str | None = None
    pre_harvest_interval_days: int | None = None

    def __post_init__(self):
        _lines(self, "lines")


@dataclass(frozen=True, kw_only=True)
class TransformationInput(EventInput):
    """Processing, packing, splitting or merging: lots consumed, lots made."""

    kind: ClassVar[EventKind] = EventKind.TRANSFORMATION
    inputs: tuple[LineInput, ...] = ()
    outputs: tuple[OutputInput, ...] = ()
    transformation: str = "processing"
    process_step: str | None = None  # drying, roasting… (``trace.process_steps``)

    def __post_init__(self):
        _lines(self, "inputs")
        _lines(self, "outputs", OutputInput)


@dataclass(frozen=True, kw_only=True)
class ShippingInput(EventInput):
    """Lots leaving the caller for another organization."""

    kind: ClassVar[EventKind] = EventKind.SHIPPING
    lines: tuple[LineInput, ...] = ()
    destination_org_id: int | None = None
    reference: ReferenceInput | None = None

    def __post_init__(self):
        _lines(self, "lines")
        if isinstance(self.reference, Mapping):
            _set(self, "reference", ReferenceInput(**self.reference))


@dataclass(frozen=True, kw_only=True)
class ReceivingInput(EventInput):
    """Lots arriving at the caller from the organization that shipped them."""

    kind: ClassVar[EventKind] = EventKind.RECEIVING
    lines: tuple[LineInput, ...] = ()
    source_org_id: int | None = None
    reference: ReferenceInput | None = None

    def __post_init__(self):
        _lines(self, "lines")
        if isinstance(self.reference, Mapping):
            _set(self, "reference", ReferenceInput(**self.reference))


@dataclass(frozen=True, kw_only=True)
class InspectionInput(EventInput):
    """An inspection or certification of lots the caller made or holds."""

    kind: ClassVar[EventKind] = EventKind.INSPECTION
    lines: tuple[LineInput, ...] = ()
    result: str | None = None
    certificate: str | None = None
    note: str | None = None

    def __post_init__(self):
        _lines(self, "lines")


EVENT_INPUTS: dict[EventKind, type[EventInput]] = {
    cls.kind: cls
    for cls in (
        HarvestInput,
        InputAppliedInput,
        TransformationInput,
        ShippingInput,
        ReceivingInput,
        InspectionInput,
    )
}


def event_input(values: Mapping[str, Any]) -> EventInput:
    """The typed input of an event given as a mapping with its ``kind``.

    Fields another kind uses are left out, as the recorders always ignored them.
    """
    cls = EVENT_INPUTS[EventKind(values["kind"])]
    names = {field.name for field in dataclasses.fields(cls)}
    return cls(**{name: value for name, value in values.items() if name in names})
