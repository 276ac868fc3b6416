"""The URIs our QR codes carry: GS1 Digital Link on our domain, or /q/{public code}."""

from urllib.parse import quote

from core.urls import base_url
from trace.models import Batch, UnitCode

VIETNAM = "704"  # ISO 3166-1 numeric, for AI 422 (country of origin)


def _yymmdd(value) -> str:
    return value.strftime("%y%m%d")


def _attributes(batch: Batch) -> str:
    pairs = []
    if batch.expiry_date:
        pairs.append(f"17={_yymmdd(batch.expiry_date)}")
    if batch.harvest_date:
        pairs.append(f"7007={_yymmdd(batch.harvest_date)}")
    pairs.append(f"422={VIETNAM}")
    return "?" + "&".join(pairs)


def public_uri(batch: Batch, with_attributes: bool = False) -> str:
    """The URI a batch's QR holds: /01/{GTIN}/10/{lot} with a GTIN, else /q/{code}.

    Uncompressed and short; ``with_attributes`` adds expiry, harvest date and origin.
    """
    gtin = batch.product.gtin
    if not gtin:
        return f"{base_url()}/q/{batch.public_code}"
    uri = f"{base_url()}/01/{gtin}/10/{quote(batch.lot_code, safe='')}"
    return uri + (_attributes(batch) if with_attributes else "")


def unit_uri(unit: UnitCode, batch: Batch) -> str:
    """The URI of one item: /01/{GTIN}/10/{lot}/21/{serial} with a GTIN, else /q/{code}."""
    gtin = batch.product.gtin
    if not gtin:
        return f"{base_url()}/q/{unit.public_code}"
    lot = quote(batch.lot_code, safe="")
    return f"{base_url()}/01/{gtin}/10/{lot}/21/{quote(unit.serial, safe='')}"
