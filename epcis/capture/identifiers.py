"""Lots, parties and places named in EPCIS events, resolved to our records in a few queries.

Lots: our ``/q/{public code}`` URIs, or a GS1 Digital Link ``/01/{GTIN}/10/{lot}`` on any
domain (or its EPC URN), found through the product's GTIN and the lot code. Parties:
``/p/{id}`` or a GLN (``/417/…``). Places: ``/l/{site code}`` or a GLN (``/414/…``).
"""

import re
from collections.abc import Iterable
from functools import cache
from urllib.parse import unquote

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import selectinload

from core.extensions import db
from gs1.event_hash.identifiers import canonical_gs1_uri
from registry.models import Organization
from trace.models import Batch, Product, Site, UnitCode

CHUNK = 500
# Lists of lots in any event type: the ones we record, and those we only report on.
LOT_LISTS = {
    "epcList": None,
    "quantityList": "epcClass",
    "inputEPCList": None,
    "inputQuantityList": "epcClass",
    "outputEPCList": None,
    "outputQuantityList": "epcClass",
    "childEPCs": None,
    "childQuantityList": "epcClass",
}
_DL_LOT = re.compile(
    r"^https?://[^/?#]+(?:/[^?#]*?)?/(?:01|gtin)/(\d{14}|\d{13}|\d{12}|\d{8})"
    r"(?:/22/[^/?#]+)?/(?:10|lot)/([^/?#]+)"
)
_GLN = re.compile(r"^https?://[^/?#]+(?:/[^?#]*?)?/(414|417)/(\d{13})(?:[/?#]|$)")


def lot_refs(event: dict) -> Iterable[tuple[str, str]]:
    """(JSON path inside the event, URI) of every lot an event names, in any list."""
    for key, member in LOT_LISTS.items():
        for index, element in enumerate(event.get(key) or ()):
            if member is None:
                yield f"{key}[{index}]", element
            else:
                yield f"{key}[{index}].{member}", element.get(member, "")


def lot_uris(event: dict) -> list[str]:
    """The URI of every lot an event names, in any list (``lot_refs`` without the paths)."""
    uris = []
    for key, member in LOT_LISTS.items():
        elements = event.get(key)
        if elements:
            uris.extend(elements if member is None else [e.get(member, "") for e in elements])
    return uris


class Resolver:
    """The batches, organizations and sites a document names, loaded once."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.batches: dict[int, Batch] = {}
        self._lots: dict[tuple, int] = {}
        self._parties: dict[tuple, Organization] = {}
        self._sites: dict[tuple, Site] = {}
        self.parties_by_id: dict[int, Organization] = {}
        self.sites_by_id: dict[int, Site] = {}
        self._party_uri = re.compile(rf"{re.escape(base_url)}/p/(\d+)")
        # A document names the same lots, parties and places over and over: parse each once.
        self.lot_key = cache(self._lot_key)
        self.party_key = cache(self._party_key)
        self.place_key = cache(self._place_key)

    def load(self, events: list[dict]) -> None:
        """Read (and lock) every lot, party and site the events name."""
        lots, parties, places = set(), set(), set()
        for event in events:
            lots.update(map(self.lot_key, lot_uris(event)))
            for entry in [*(event.get("sourceList") or []), *(event.get("destinationList") or [])]:
                parties.add(self.party_key(entry.get("source") or entry.get("destination") or ""))
            for key in ("readPoint", "bizLocation"):
                places.add(self.place_key((event.get(key) or {}).get("id", "")))
        # Harvests write the lot's household count into its ilmd: read them with the lots.
        self._load_lots(lots - {None}, any(event.get("action") == "ADD" for event in events))
        self._load_parties(parties - {None})
        self._load_places(places - {None})

    def _lot_key(self, uri: str) -> tuple | None:
        """("q", public code) or ("dl", GTIN-14, lot code) for a lot URI, else None."""
        if uri.startswith(f"{self.base}/q/"):
            return ("q", uri.removeprefix(f"{self.base}/q/").upper())
        if uri.startswith("urn:epc:"):
            uri = canonical_gs1_uri(uri) or ""
        match = _DL_LOT.match(uri)
        if match:
            return ("dl", match.group(1).zfill(14), unquote(match.group(2)))
        return None

    def _party_key(self, uri: str) -> tuple | None:
        """("id", organization id) or ("gln", GLN) for a party URI, else None."""
        ours = self._party_uri.fullmatch(uri)
        return ("id", int(ours.group(1))) if ours else self._gln(uri)

    def _place_key(self, uri: str) -> tuple | None:
        """("code", site code) or ("gln", GLN) for a location URI, else None."""
        if uri.startswith(f"{self.base}/l/"):
            return ("code", unquote(uri.removeprefix(f"{self.base}/l/")))
        return self._gln(uri)

    @staticmethod
    def _gln(uri: str) -> tuple | None:
        if uri.startswith("urn:epc:"):
            uri = canonical_gs1_uri(uri) or ""
        match = _GLN.match(uri)
        return ("gln", match.group(2)) if match else None

    def add_lot(self, key: tuple, batch: Batch) -> None:
        """Know a lot made while capturing (by its ``lot_key``), as if it had been read."""
        self._lots[key] = batch.id
        self.batches[batch.id] = batch

    def lot(self, uri: str) -> Batch | None:
        """The batch a lot URI names, or None."""
        batch_id = self._lots.get(self.lot_key(uri))
        return self.batches.get(batch_id) if batch_id else None

    def party(self, uri: str) -> Organization | None:
        """The organization a party URI names, or None."""
        return self._parties.get(self.party_key(uri))

    def place(self, uri: str) -> Site | None:
        """The site a location URI names, or None."""
        return self._sites.get(self.place_key(uri))

    def _load_lots(self, keys: set[tuple], households: bool) -> None:
        codes = sorted(key[1] for key in keys if key[0] == "q")
        pairs = sorted(key[1:] for key in keys if key[0] == "dl")
        for chunk in _chunks(codes):
            rows = db.session.execute(
                select(Batch.public_code, Batch.id).where(Batch.public_code.in_(chunk))
            )
            self._lots.update((("q", code), batch_id) for code, batch_id in rows)
            units = db.session.execute(
                select(UnitCode.public_code, UnitCode.batch_id).where(
                    UnitCode.public_code.in_(chunk)
                )
            )
            self._lots.update((("q", code), batch_id) for code, batch_id in units)
        for chunk in _chunks(pairs):
            rows = db.session.execute(
                select(Product.gtin, Batch.lot_code, Batch.id)
                .join(Product, Product.id == Batch.product_id)
                .where(tuple_(Product.gtin, Batch.lot_code).in_(chunk))
            )
            self._lots.update((("dl", gtin, lot), batch_id) for gtin, lot, batch_id in rows)
        # Locked in id order, as the rules' ledger locks, so concurrent writers queue.
        for chunk in _chunks(sorted(set(self._lots.values()))):
            self.batches.update(
                (batch.id, batch)
                for batch in db.session.scalars(
                    select(Batch)
                    .options(selectinload(Batch.product))
                    .options(*([selectinload(Batch.households)] if households else []))
                    .where(Batch.id.in_(chunk))
                    .order_by(Batch.id)
                    .with_for_update(key_share=True)
                )
            )

    def _load_parties(self, keys: set[tuple]) -> None:
        ids = [key[1] for key in keys if key[0] == "id"]
        glns = [key[1] for key in keys if key[0] == "gln"]
        for chunk_ids, chunk_glns in _pairs_of_chunks(ids, glns):
            for org in db.session.scalars(
                select(Organization).where(
                    or_(Organization.id.in_(chunk_ids), Organization.gln.in_(chunk_glns))
                )
            ):
                self._parties[("id", org.id)] = self.parties_by_id[org.id] = org
                if org.gln:
                    self._parties[("gln", org.gln)] = org

    def _load_places(self, keys: set[tuple]) -> None:
        codes = [key[1] for key in keys if key[0] == "code"]
        glns = [key[1] for key in keys if key[0] == "gln"]
        for chunk_codes, chunk_glns in _pairs_of_chunks(codes, glns):
            for site in db.session.scalars(
                select(Site)
                .options(selectinload(Site.admin_unit))
                .where(or_(Site.code.in_(chunk_codes), Site.gln.in_(chunk_glns)))
            ):
                self._sites[("code", site.code)] = self.sites_by_id[site.id] = site
                if site.gln:
                    self._sites[("gln", site.gln)] = site


def _chunks(values: list) -> Iterable[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _pairs_of_chunks(first: list, second: list) -> Iterable[tuple[list, list]]:
    for start in range(0, max(len(first), len(second)), CHUNK):
        yield first[start : start + CHUNK], second[start : start + CHUNK]
