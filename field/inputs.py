"""Typed inputs of the field app: one record made on a phone (a harvest, an input applied or
an inspection), or a record that failed validation and is refused on its own."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from trace.inputs import Contribution


@dataclass(frozen=True, kw_only=True)
class FieldRecordInput:
    """One record from the phone's queue; ``key`` is the idempotency key made on the phone."""

    key: str
    kind: str
    event_time: datetime
    site_id: int | None = None
    product_id: int | None = None
    quantity: Decimal | None = None
    households: tuple[Contribution, ...] = ()
    lot_id: int | None = None
    input_name: str | None = None
    dose: Decimal | None = None
    dose_unit: str | None = None
    pre_harvest_interval_days: int | None = None
    result: str | None = None
    note: str | None = None
    photo: bytes | None = None


@dataclass(frozen=True, kw_only=True)
class InvalidRecord:
    """A record of a batch that failed validation: refused alone, the others still judged."""

    key: str | None
    errors: dict[str, list[str]]
