"""From a scanned QR back to the batch or unit: by public code (/q/…) or by GTIN + lot (+ serial).

Public lookups: no caller scoping, because anyone holding the product may scan it.
What the consumer page then shows of the batch is the resolver's business.
"""

from dataclasses import dataclass

from sqlalchemy import select

from core.extensions import db
from gs1.codes import CROCKFORD, normalise_public_code
from trace.models import Batch, Product, UnitCode


@dataclass(frozen=True)
class Resolved:
    """What a code names: a batch, and the unit when the code was a per-item one."""

    batch: Batch
    unit: UnitCode | None = None


def resolve_code(public_code: str) -> Resolved | None:
    """The batch or unit with this public code (typed look-alikes O/I/L accepted), or None."""
    code = normalise_public_code(public_code or "")
    if not code or len(code) > 16 or set(code) - set(CROCKFORD):
        return None
    batch = db.session.scalar(select(Batch).where(Batch.public_code == code))
    if batch is not None:
        return Resolved(batch)
    unit = db.session.scalar(select(UnitCode).where(UnitCode.public_code == code))
    return Resolved(unit.batch, unit) if unit is not None else None


def resolve_gs1(gtin: str, lot: str, serial: str | None = None) -> Resolved | None:
    """The batch with this GTIN (padded to 14 digits) and lot; its unit when ``serial`` is given.

    A GTIN belongs to one product and a lot code is unique within its producer, so
    the pair names at most one batch. Values are the decoded path segments.
    """
    if not gtin.isdigit() or len(gtin) > 14:
        return None
    batch = db.session.scalar(
        select(Batch)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.gtin == gtin.zfill(14), Batch.lot_code == lot)
    )
    if batch is None:
        return None
    if serial is None:
        return Resolved(batch)
    unit = db.session.scalar(
        select(UnitCode).where(UnitCode.batch_id == batch.id, UnitCode.serial == serial)
    )
    return Resolved(batch, unit) if unit is not None else None
