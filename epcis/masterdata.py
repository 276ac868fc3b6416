"""CBV master data for an EPCIS export: names for the places and parties its events name.

A receiving system sees our places and parties as URIs only (``/l/{site code}``, ``/p/{id}``
or a GLN). The export's header carries, in ``epcisHeader.epcisMasterData.vocabularyList``, a
``BusinessLocation`` element for every place (the site's name, commune, province, country,
coordinates and GLN) and a ``Party`` element for every party (the organization's name,
address, commune, province, tax code and GLN), read in a few queries. A URI that names none
of our sites or organizations (a partner's own GLN) gets no element: we know nothing of it.
"""

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from epcis.capture.identifiers import Resolver
from registry.models import AdminUnit, Organization
from trace.models import Site

CHUNK = 500
LOCATION_VTYPE = "urn:epcglobal:epcis:vtype:BusinessLocation"
PARTY_VTYPE = "urn:epcglobal:epcis:vtype:Party"
MDA = "urn:epcglobal:cbv:mda#"
GLN_ATTRIBUTE = "https://gs1.org/voc/globalLocationNumber"


def master_data(events: Iterable[dict], base_url: str) -> list[dict]:
    """The ``vocabularyList`` naming every known place and party of ``events`` (may be empty).

    Places are the events' ``readPoint`` and ``bizLocation`` and the sources and destinations
    of type ``location``; every other source and destination is a party.
    """
    resolver = Resolver(base_url)
    places: dict[str, tuple] = {}
    parties: dict[str, tuple] = {}
    for event in events:
        for key in ("readPoint", "bizLocation"):
            uri = (event.get(key) or {}).get("id")
            if uri:
                places.setdefault(uri, resolver.place_key(uri))
        for entry in [*(event.get("sourceList") or []), *(event.get("destinationList") or [])]:
            uri = entry.get("source") or entry.get("destination")
            if not uri:
                continue
            if str(entry.get("type", "")).endswith("location"):
                places.setdefault(uri, resolver.place_key(uri))
            else:
                parties.setdefault(uri, resolver.party_key(uri))
    sites = _sites({key for key in places.values() if key})
    orgs = _organizations({key for key in parties.values() if key})
    vocabularies = []
    location_elements = [
        _location_element(uri, sites[key]) for uri, key in places.items() if key in sites
    ]
    if location_elements:
        vocabularies.append({"type": LOCATION_VTYPE, "vocabularyElementList": location_elements})
    party_elements = [
        _party_element(uri, orgs[key], base_url) for uri, key in parties.items() if key in orgs
    ]
    if party_elements:
        vocabularies.append({"type": PARTY_VTYPE, "vocabularyElementList": party_elements})
    return vocabularies


def _sites(keys: set[tuple]) -> dict[tuple, Site]:
    """{place key: site} for ("code", site code) and ("gln", GLN) keys."""
    return _by_keys(Site, Site.code, "code", keys)


def _organizations(keys: set[tuple]) -> dict[tuple, Organization]:
    """{party key: organization} for ("id", id) and ("gln", GLN) keys."""
    return _by_keys(Organization, Organization.id, "id", keys)


def _by_keys(model, column, name: str, keys: set[tuple]) -> dict:
    """{(name, value) and ("gln", GLN): row} of ``model`` (a site or an organization, with
    its commune and province), read in chunks of ``CHUNK`` values."""
    values = sorted(key[1] for key in keys if key[0] == name)
    glns = sorted(key[1] for key in keys if key[0] == "gln")
    found: dict[tuple, object] = {}
    for start in range(0, max(len(values), len(glns)), CHUNK):
        stmt = (
            select(model)
            .options(selectinload(model.admin_unit).selectinload(AdminUnit.parent))
            .where(
                or_(
                    column.in_(values[start : start + CHUNK]),
                    model.gln.in_(glns[start : start + CHUNK]),
                )
            )
        )
        for row in db.session.scalars(stmt):
            found[(name, getattr(row, column.key))] = row
            if row.gln:
                found[("gln", row.gln)] = row
    return found


def _location_element(uri: str, site: Site) -> dict:
    attributes = [_attribute(f"{MDA}name", site.name)]
    attributes += _region(site.admin_unit)
    if site.latitude is not None and site.longitude is not None:
        attributes += [
            _attribute(f"{MDA}latitude", site.latitude),
            _attribute(f"{MDA}longitude", site.longitude),
        ]
    if site.gln:
        attributes.append(_attribute(GLN_ATTRIBUTE, site.gln))
    return {"id": uri, "attributes": attributes}


def _party_element(uri: str, org: Organization, base_url: str) -> dict:
    attributes = [_attribute(f"{MDA}name", org.name)]
    if org.address:
        attributes.append(_attribute(f"{MDA}streetAddressOne", org.address))
    attributes += _region(org.admin_unit)
    if org.tax_code:
        # CBV 2.0 has no attribute for a tax code: ours, in our extension namespace.
        attributes.append(_attribute(f"{base_url}/ns/taxCode", org.tax_code))
    if org.gln:
        attributes.append(_attribute(GLN_ATTRIBUTE, org.gln))
    return {"id": uri, "attributes": attributes}


def _region(unit: AdminUnit | None) -> list[dict]:
    """The commune as ``city``, its province as ``state``, and the country."""
    if unit is None:
        return [_attribute(f"{MDA}countryCode", "VN")]
    attributes = [_attribute(f"{MDA}city", unit.full_name)]
    if unit.parent is not None:
        attributes.append(_attribute(f"{MDA}state", unit.parent.full_name))
    attributes.append(_attribute(f"{MDA}countryCode", "VN"))
    return attributes


def _attribute(attribute_id: str, value) -> dict:
    return {"id": attribute_id, "attribute": value}
