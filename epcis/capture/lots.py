"""Lots a captured document creates, the EPCIS way: what a TransformationEvent outputs, or an
ObjectEvent ADD with ``ilmd`` commissions, naming a lot we do not know yet.

Such a lot must be the capturing organization's own: a GS1 Digital Link (or EPC URN) lot whose
GTIN is a product of the organization, or one of our ``/q/{code}`` URIs with a code not yet in
use, whose product the event's ``ilmd`` names (``htx:product``: the product's Digital Link
``/01/{GTIN}`` on any domain, or its URI here, ``/api/v1/products/{id}``). Its master data
come from ``ilmd``: ``cbvmda:lotNumber`` (for a ``/q/`` lot), ``harvestStartDate``,
``productionDate`` and ``itemExpirationDate`` (or ``bestBeforeDate``). The lot is made a draft
of the whole quantity the document makes of it; the rules then check the events against it
as against any lot. All lots are read in a few queries and inserted in one flush.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import or_, select

from core.clock import vn_today
from core.errors import ValidationFailed
from core.extensions import db
from epcis.capture.identifiers import CHUNK, Resolver
from epcis.capture.mapping import MAX_QUANTITY, MILLI
from gs1.codes import CROCKFORD, PUBLIC_CODE_LENGTH, is_cset82, new_lot_code, new_public_code
from gs1.event_hash.identifiers import canonical_gs1_uri
from registry.models import User
from trace.models import Batch, BatchStatus, Product
from trace.services.batches import check_dates

MDA = "urn:epcglobal:cbv:mda:"
GS1_VOC = "https://gs1.org/voc/"
_PRODUCT_DL = re.compile(
    r"^https?://[^/?#]+(?:/[^?#]*?)?/(?:01|gtin)/(\d{14}|\d{13}|\d{12}|\d{8})/?$"
)
# Lists whose lots an event may create, by the event's shape.
OUTPUTS = (("outputQuantityList", "epcClass"), ("outputEPCList", None))
COMMISSIONED = (("quantityList", "epcClass"), ("epcList", None))
DATES = {
    "harvest_date": ("harvestStartDate",),
    "production_date": ("productionDate",),
    "expiry_date": ("itemExpirationDate", "bestBeforeDate"),
}


@dataclass
class _NewLot:
    """A lot the document names in a creating position: where first, how much in all."""

    uri: str
    key: tuple
    index: int
    path: str
    event: dict
    quantity: Decimal = Decimal(0)
    paths: list[tuple[int, str]] = field(default_factory=list)


class LotMaker:
    """Creates, for one document of one user, the lots its events make (see the module)."""

    def __init__(self, user: User, resolver: Resolver, prefixes: dict, own_namespace: str):
        self.user, self.resolver, self.base = user, resolver, resolver.base
        mda = [p for p, iri in prefixes.items() if iri == MDA]
        gs1 = [p for p, iri in prefixes.items() if iri == GS1_VOC]
        self.mda_names = [f"{p}:" for p in {"cbvmda", *mda}] + [MDA, "{urn:epcglobal:cbv:mda}"]
        self.gs1_names = [f"{p}:" for p in {"gs1", *gs1}] + [GS1_VOC]
        ours = [p for p, iri in prefixes.items() if iri == own_namespace]
        self.product_names = [f"{p}:product" for p in ours] + [f"{own_namespace}product"]
        self._product_uri = re.compile(rf"{re.escape(self.base)}/api/v1/products/(\d+)/?")
        self.refused: set[tuple[int, str]] = set()  # (event index, path) of lots not made

    def make(self, events: Iterable[tuple[int, dict]], problems: dict[int, list]) -> int:
        """Create the unknown lots the events make; their refusals go into ``problems``.

        Returns how many lots were created (flushed, registered in the resolver).
        """
        wanted = self._wanted(events)
        if not wanted:
            return 0
        products = self._products(wanted.values())
        taken = self._taken_codes(wanted.values())
        made: list[tuple[_NewLot, Batch]] = []
        for lot in wanted.values():
            batch, where, message = self._lot(lot, products, taken)
            if batch is None:
                # Refused wherever the document names it; an ilmd field of the first event.
                for index, path in lot.paths:
                    at = where if where and index == lot.index else path
                    problems[index].append((at, message))
                    self.refused.add((index, path))
                continue
            taken.add(batch.lot_code)
            made.append((lot, batch))
        if not made:
            return 0
        db.session.add_all([batch for _lot, batch in made])
        db.session.flush()
        for lot, batch in made:
            self.resolver.add_lot(lot.key, batch)
        return len(made)

    def _wanted(self, events: Iterable[tuple[int, dict]]) -> dict[tuple, _NewLot]:
        """The unknown lots in creating positions, by lot key, with their quantity in all."""
        wanted: dict[tuple, _NewLot] = {}
        for index, event in events:
            for path, uri, quantity in _creating_refs(event):
                if self.resolver.lot(uri) is not None:
                    continue
                key = self.resolver.lot_key(uri)
                if key is None:
                    continue  # not a lot URI we could hold: "Unknown lot" when read
                lot = wanted.get(key)
                if lot is None:
                    lot = wanted[key] = _NewLot(uri, key, index, path, event)
                lot.paths.append((index, path))
                lot.quantity += _number(quantity)
        return wanted

    def _products(self, lots: Iterable[_NewLot]) -> dict[tuple, Product]:
        """The products the lots name, by ("gtin", GTIN-14) and ("id", id), of any organization."""
        gtins, ids = set(), set()
        for lot in lots:
            kind, value = self._product_ref(lot)
            if kind == "gtin":
                gtins.add(value)
            elif kind == "id":
                ids.add(value)
        found: dict[tuple, Product] = {}
        gtins, ids = sorted(gtins), sorted(ids)
        for start in range(0, max(len(gtins), len(ids)), CHUNK):
            for product in db.session.scalars(
                select(Product).where(
                    or_(
                        Product.gtin.in_(gtins[start : start + CHUNK]),
                        Product.id.in_(ids[start : start + CHUNK]),
                    )
                )
            ):
                found[("id", product.id)] = product
                if product.gtin:
                    found[("gtin", product.gtin)] = product
        return found

    def _product_ref(self, lot: _NewLot) -> tuple[str | None, object]:
        """("gtin", GTIN-14) or ("id", product id) of the lot's product, or (None, None)."""
        if lot.key[0] == "dl":
            return "gtin", lot.key[1]
        named = self._ilmd_value(lot.event, self.product_names)
        if not isinstance(named, str):
            return None, None
        ours = self._product_uri.fullmatch(named)
        if ours:
            return "id", int(ours.group(1))
        uri = (canonical_gs1_uri(named) or named) if named.startswith("urn:epc:") else named
        match = _PRODUCT_DL.match(uri)
        return ("gtin", match.group(1).zfill(14)) if match else (None, None)

    def _taken_codes(self, lots: Iterable[_NewLot]) -> set[str]:
        """Which of the lot codes the new lots would take the organization already uses."""
        codes = sorted({code for lot in lots if (code := self._lot_code(lot))})
        taken = set()
        for start in range(0, len(codes), CHUNK):
            taken.update(
                db.session.scalars(
                    select(Batch.lot_code).where(
                        Batch.organization_id == self.user.organization_id,
                        Batch.lot_code.in_(codes[start : start + CHUNK]),
                    )
                )
            )
        return taken

    def _lot_code(self, lot: _NewLot) -> str | None:
        if lot.key[0] == "dl":
            return lot.key[2]
        number = self._ilmd_value(lot.event, [f"{n}lotNumber" for n in self.mda_names])
        return str(number) if number is not None else None

    def _lot(
        self, lot: _NewLot, products: dict, taken: set[str]
    ) -> tuple[Batch | None, str | None, str]:
        """The new draft batch, or None with where (None: the lot's own path) and why."""
        kind, value = self._product_ref(lot)
        product = products.get((kind, value)) if kind else None
        if product is None:
            if lot.key[0] == "dl":
                message = _(
                    "Unknown lot: %(uri)s. No product here has GTIN %(gtin)s; add the product "
                    "before its lots.",
                    uri=lot.uri,
                    gtin=value,
                )
            else:
                message = _(
                    "Unknown lot: %(uri)s. Name its product in ilmd, as htx:product (its GTIN "
                    "Digital Link or its URI here).",
                    uri=lot.uri,
                )
            return None, None, message
        if product.organization_id != self.user.organization_id:
            message = _(
                "Lot %(uri)s is another organization's (its product %(product)s): capture "
                "creates only your own organization's lots.",
                uri=lot.uri,
                product=product.gtin or product.id,
            )
            return None, None, message
        if not product.active:
            return None, None, _("This product is no longer active.")
        code = self._lot_code(lot)
        if lot.key[0] == "q" and not _public_code_ok(lot.key[1]):
            return None, None, _("Unknown lot: %(uri)s is not a lot recorded here.", uri=lot.uri)
        if code is not None and (not is_cset82(code)):
            message = _("A lot code is 1 to 20 characters of GS1's set (letters, digits, -…).")
            return None, None, message
        if code in taken:
            return None, None, _("Lot code %(lot)s is already used.", lot=code)
        if lot.quantity <= 0:
            return None, None, _("Give the quantity made of lot %(lot)s.", lot=code or lot.uri)
        if lot.quantity >= MAX_QUANTITY or lot.quantity != lot.quantity.quantize(MILLI):
            return None, None, _("A quantity is positive, below 10^11, with at most 3 decimals.")
        dates = {"packing_date": None}
        for name, keys in DATES.items():
            found = self._date(lot.event, keys)
            if isinstance(found, str):  # the ilmd key at fault
                return None, f"ilmd.{found}", _("Not a date that can be read.")
            dates[name] = found
        try:
            check_dates(SimpleNamespace(**dates))
        except ValidationFailed as refusal:  # named by the batch's field: the event's is ilmd
            return None, "ilmd", " ".join(_messages(refusal))
        batch = Batch(
            organization_id=self.user.organization_id,
            product=product,
            unit=product.unit,
            public_code=lot.key[1] if lot.key[0] == "q" else new_public_code(),
            lot_code=code or new_lot_code(vn_today().strftime("%y%m%d")),
            quantity=lot.quantity,
            status=BatchStatus.DRAFT,
            created_by_id=self.user.id,
            sites=[],
            households=[],
            **dates,
        )
        return batch, None, ""

    def _date(self, event: dict, names: tuple[str, ...]) -> date | str | None:
        """The first of the named ilmd dates, None if absent, or the key if unreadable."""
        for name in names:
            keys = [f"{prefix}{name}" for prefix in [*self.mda_names, *self.gs1_names]]
            for key in keys:
                value = (event.get("ilmd") or {}).get(key)
                if value is None:
                    continue
                try:
                    return date.fromisoformat(str(value)[:10])
                except ValueError:
                    return key
        return None

    @staticmethod
    def _ilmd_value(event: dict, keys: list[str]):
        ilmd = event.get("ilmd") or {}
        return next((ilmd[key] for key in keys if key in ilmd), None)


def _creating_refs(event: dict) -> Iterable[tuple[str, str, object]]:
    """(path, lot URI, quantity) of each lot the event makes, if it makes any."""
    if event.get("type") == "TransformationEvent":
        lists = OUTPUTS
    elif event.get("type") == "ObjectEvent" and event.get("action") == "ADD" and event.get("ilmd"):
        lists = COMMISSIONED
    else:
        return
    for key, member in lists:
        for index, element in enumerate(event.get(key) or ()):
            if member is None:
                yield f"{key}[{index}]", element, None
            elif isinstance(element, dict):
                yield f"{key}[{index}].{member}", element.get(member, ""), element.get("quantity")


def _number(value) -> Decimal:
    """A line's quantity as a Decimal (0 when absent or unreadable: the mapping refuses it)."""
    if value is None or isinstance(value, bool):
        return Decimal(0)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)
    return number if number.is_finite() and number > 0 else Decimal(0)


def _public_code_ok(code: str) -> bool:
    return len(code) == PUBLIC_CODE_LENGTH and all(c in CROCKFORD for c in code)


def _messages(refusal: ValidationFailed) -> list[str]:
    found = [message for messages in (refusal.errors or {}).values() for message in messages]
    return found or [refusal.message]
