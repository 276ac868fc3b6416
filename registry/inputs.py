"""Typed inputs of the registry's services: what a registration, a PUT and a PATCH carry.

A whole input (``OrganizationInput``, ``MemberInput``) replaces every editable field; a
patch (``OrganizationPatch``, ``MemberPatch``) holds only the fields sent, the others
being ``core.inputs.UNSET``. The schemas in ``registry.schemas`` load into these.
"""

from dataclasses import dataclass
from datetime import date

from core.inputs import UNSET
from registry.models import MemberType, OrgKind, OrgStatus, Rating, Sector


@dataclass(frozen=True)
class OrganizationInput:
    """An organization's editable fields, all of them (registration, PUT, the web form).

    ``admin_unit`` is a commune's code; ``rating`` (with ``rating_year``, default last
    year) adds or changes one year's rating and is not part of the representation.
    """

    kind: OrgKind
    name: str
    registration_code: str
    admin_unit: str
    short_name: str | None = None
    tax_code: str | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    sector: Sector = Sector.AGRICULTURAL
    main_products: str | None = None
    representative: str | None = None
    phone: str | None = None
    email: str | None = None
    gln: str | None = None
    established_on: date | None = None
    member_count: int | None = None
    rating_year: int | None = None
    rating: Rating | None = None


@dataclass(frozen=True)
class NewOrganization(OrganizationInput):
    """A registration: the editable fields and the status the organization's records show.

    Afterwards the status changes only through suspend, reactivate and dissolve.
    """

    status: OrgStatus = OrgStatus.ACTIVE
    status_since: date | None = None


@dataclass(frozen=True)
class OrganizationPatch:
    """The editable fields a PATCH sent; the others are UNSET and stay as they are."""

    kind: OrgKind = UNSET
    name: str = UNSET
    registration_code: str = UNSET
    admin_unit: str = UNSET
    short_name: str | None = UNSET
    tax_code: str | None = UNSET
    address: str | None = UNSET
    latitude: float | None = UNSET
    longitude: float | None = UNSET
    sector: Sector = UNSET
    main_products: str | None = UNSET
    representative: str | None = UNSET
    phone: str | None = UNSET
    email: str | None = UNSET
    gln: str | None = UNSET
    established_on: date | None = UNSET
    member_count: int | None = UNSET
    rating_year: int | None = UNSET
    rating: Rating | None = UNSET


@dataclass(frozen=True)
class StatusChange:
    """The day an organization's status changes (today when not given)."""

    on: date | None = None


@dataclass(frozen=True)
class MemberInput:
    """A member household's fields, all of them (adding one, PUT, the web form, imports)."""

    head_name: str
    admin_unit: str
    village: str | None = None
    phone: str | None = None
    planted_area_ha: float | None = None
    member_type: MemberType = MemberType.OFFICIAL
    joined_on: date | None = None


@dataclass(frozen=True)
class MemberPatch:
    """The household fields a PATCH sent; the others are UNSET and stay as they are."""

    head_name: str = UNSET
    admin_unit: str = UNSET
    village: str | None = UNSET
    phone: str | None = UNSET
    planted_area_ha: float | None = UNSET
    member_type: MemberType = UNSET
    joined_on: date | None = UNSET
