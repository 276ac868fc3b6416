"""The links a resolved identifier offers: RFC 9264 linksets and the HTTP ``Link`` header.

Link types are GS1 Web vocabulary terms (``https://ref.gs1.org/voc/…``, ``gs1:…``
in a request). Our consumer page is both the product information page
(``gs1:pip``) and the default link, so the default answer is that page itself,
not a redirect to it: one round trip less on a slow phone connection.

A linkset advertises only links anyone can open: the page, its certificates, and as
``gs1:traceability`` the public JSON of what the page shows (``consumer.public_json``),
not the trace API, which asks for a login.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.urls import base_url
from trace.models import Batch, Product, UnitCode
from trace.services.uris import public_uri, unit_uri

GS1_VOC = "https://ref.gs1.org/voc/"
_OLD_GS1_VOC = "https://gs1.org/voc/"
PIP, TRACEABILITY, CERTIFICATION, DEFAULT = (
    "pip",
    "traceability",
    "certificationInfo",
    "defaultLink",
)
LINKSET_TYPES = ("all", "linkset")
LINKSET_MEDIA_TYPE = "application/linkset+json"
LINKSET_CONTEXT = "https://ref.gs1.org/standards/resolver/linkset-context"
# ASCII titles for the Link header (a header cannot carry Vietnamese text safely).
_HEADER_TITLES = {
    PIP: "Product information page",
    TRACEABILITY: "What the lot's page shows, as JSON",
    CERTIFICATION: "Certificates",
}


@dataclass(frozen=True)
class Link:
    """One link of an anchor: its type (a GS1 vocabulary term), target, title and media type."""

    rel: str
    href: str
    title: str  # a lazy string: translated only if a linkset is written
    type: str
    hreflang: tuple[str, ...] = ()

    def as_json(self) -> dict:
        """The RFC 9264 target object."""
        target = {"href": self.href, "title": str(self.title), "type": self.type}
        if self.hreflang:
            target["hreflang"] = list(self.hreflang)
        return target


@dataclass(frozen=True)
class Anchor:
    """An identifier (the uncompressed Digital Link or /q/ URI) with its links."""

    uri: str
    description: str
    links: tuple[Link, ...]


def normalise_link_type(value: str | None) -> str | None:
    """``gs1:pip``, ``https://ref.gs1.org/voc/pip`` (or the old gs1.org/voc) → ``pip``."""
    if not value:
        return None
    value = value.strip()
    if value in LINKSET_TYPES:
        return "linkset"
    for prefix in ("gs1:", GS1_VOC, _OLD_GS1_VOC):
        if value.startswith(prefix):
            return value.removeprefix(prefix)
    return value


def product_uri(product: Product) -> str | None:
    """The product-level Digital Link (``/01/{GTIN}``), when the product has a GTIN."""
    return f"{base_url()}/01/{product.gtin}" if product.gtin else None


def traceability_href(batch: Batch) -> str:
    """The public JSON of the lot's page (``consumer.views.page_json``)."""
    return f"{base_url()}/q/{batch.public_code}/trace.json"


def _pip(uri: str) -> Link:
    return Link(PIP, uri, _l("Product information"), "text/html", ("vi", "en"))


def lot_anchors(batch: Batch, unit: UnitCode | None, has_certificates: bool) -> list[Anchor]:
    """Anchors from the most specific (unit) up to the product, each with its own links."""
    product = batch.product
    lot = public_uri(batch)
    description = _l("%(product)s, lot %(lot)s", product=product.name, lot=batch.lot_code)
    lot_links = [
        _pip(lot),
        Link(
            TRACEABILITY,
            traceability_href(batch),
            _l("The lot's origin and history, as JSON"),
            "application/json",
        ),
    ]
    if has_certificates:
        lot_links.append(
            Link(CERTIFICATION, f"{lot}#certificates", _l("Certificates"), "text/html")
        )
    anchors = []
    if unit is not None:
        uri = unit_uri(unit, batch)
        anchors.append(Anchor(uri, f"{description} · {unit.serial}", (_pip(uri), _default(uri))))
    anchors.append(Anchor(lot, description, (*lot_links, _default(lot))))
    product_level = product_uri(product)
    if product_level:
        anchors.append(product_anchor(product))
    return anchors


def product_anchor(product: Product) -> Anchor:
    """The product-level anchor: its information page."""
    uri = product_uri(product)
    return Anchor(uri, product.name, (_pip(uri), _default(uri)))


def _default(uri: str) -> Link:
    return Link(DEFAULT, uri, _l("Product information"), "text/html")


def linkset_document(anchors: list[Anchor]) -> dict:
    """The RFC 9264 ``application/linkset+json`` document, link types as GS1 vocabulary URIs."""
    linkset = []
    for anchor in anchors:
        entry = {"anchor": anchor.uri, "itemDescription": str(anchor.description)}
        for link in anchor.links:
            entry.setdefault(GS1_VOC + link.rel, []).append(link.as_json())
        linkset.append(entry)
    return {"linkset": linkset}


def find_link(anchors: list[Anchor], link_type: str) -> Link | None:
    """The first link of that type, from the most specific anchor up."""
    return next((link for a in anchors for link in a.links if link.rel == link_type), None)


def linkset_href(anchor: Anchor) -> str:
    """The URI of an anchor's linkset."""
    return f"{anchor.uri}?linkType=linkset"


def link_header(anchor: Anchor, linkset_href: str) -> str:
    """The ``Link`` header of a resolved URI: its linkset, then its typed links."""
    parts = [f'<{linkset_href}>; rel="linkset"; type="{LINKSET_MEDIA_TYPE}"; title="Linkset"']
    for link in anchor.links:
        if link.rel == DEFAULT:
            continue
        title = _HEADER_TITLES.get(link.rel, link.rel)
        parts.append(
            f'<{link.href}>; rel="{GS1_VOC}{link.rel}"; title="{title}"; type="{link.type}"'
        )
    return ", ".join(parts)
