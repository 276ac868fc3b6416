"""Plots of growing areas: their geometry checked for the EUDR, their households, production
date, land-use right document, checks, and the households' consent to their names."""

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from core.errors import NotFound, ValidationFailed
from core.extensions import db
from eudr import geometry
from eudr.models import NameConsent, Plot, PlotCheck
from files import store
from registry.models import MemberHousehold, User
from registry.services.scoping import ensure_visible, require_own_org, scope_to_caller
from trace.models import Site, SiteKind
from trace.services.sites import get_site

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# The land-use right certificate (sổ đỏ) as a scan or photo: its first bytes say what it is.
DOCUMENT_TYPES = {b"%PDF-": "pdf", b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png"}
MEDIA_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def plots_query(user: User | None, site_id: int | None = None) -> Select:
    """A select() of the plots the caller may see (its own; the department all)."""
    stmt = select(Plot).options(selectinload(Plot.households), selectinload(Plot.checks))
    stmt = scope_to_caller(stmt, user, Plot.organization_id)
    if site_id is not None:
        stmt = stmt.where(Plot.site_id == site_id)
    return stmt.order_by(Plot.site_id, Plot.name, Plot.id)


def get_plot(user: User | None, plot_id: int) -> Plot:
    """A plot the caller may see, or 404."""
    plot = db.session.get(Plot, plot_id)
    if plot is None:
        raise NotFound(_("No such plot."))
    ensure_visible(user, plot.organization_id, _("No such plot."))
    return plot


def create_plot(user: User, site_id: int, values: dict) -> Plot:
    """Add a plot to one of the caller's growing areas."""
    site = own_growing_area(user, site_id)
    plot = Plot(site=site, organization_id=site.organization_id)
    _apply(plot, values)
    db.session.add(plot)
    db.session.flush()
    return plot


def create_walked_plot(user: User, site_id: int, values: dict) -> Plot:
    """Add a plot whose corners were walked with a phone's GPS, keeping each corner's accuracy;
    a walk with a corner less accurate than ``EUDR_WALK_MAX_ACCURACY_M`` is refused."""
    accuracies = values["accuracies_m"]
    limit = current_app.config["EUDR_WALK_MAX_ACCURACY_M"]
    worst = max(range(len(accuracies)), key=accuracies.__getitem__)
    if accuracies[worst] > limit:
        raise ValidationFailed.on_field(
            "accuracies_m",
            _(
                "Corner %(corner)s was fixed to within %(accuracy)s m, worse than the %(limit)s m "
                "allowed: record the walk again, waiting at each corner for a better fix.",
                corner=worst + 1,
                accuracy=format_decimal(accuracies[worst], "#,##0.#"),
                limit=format_decimal(limit, "#,##0.#"),
            ),
        )
    plot = create_plot(user, site_id, values)
    corners = (
        len(json.loads(plot.geometry)["coordinates"][0]) - 1
        if plot.geometry_type == "Polygon"
        else 0
    )
    if corners != len(accuracies):
        raise ValidationFailed.on_field(
            "accuracies_m",
            _("A walk is a polygon with one accuracy for each of its corners."),
        )
    plot.walk_accuracies_m = [round(value, 1) for value in accuracies]
    db.session.flush()
    return plot


def update_plot(user: User, plot_id: int, values: dict) -> Plot:
    """Replace a plot's geometry and details (one of the caller's own)."""
    plot = get_plot(user, plot_id)
    require_own_org(user, plot.organization_id)
    before = plot.geometry
    _apply(plot, values)
    if plot.geometry != before:
        plot.walk_accuracies_m = None  # they were the walked corners' accuracies
    db.session.flush()
    return plot


def update_plot_details(user: User, plot_id: int, values: dict) -> Plot:
    """Change a plot's name, declared area, production date, document number and households,
    keeping its geometry (checked again, with the declared area, as any plot input is)."""
    plot = get_plot(user, plot_id)
    return update_plot(user, plot_id, {**values, "geometry": plot.geometry})


def delete_plot(user: User, plot_id: int) -> None:
    """Remove one of the caller's plots, and its document."""
    plot = get_plot(user, plot_id)
    require_own_org(user, plot.organization_id)
    old = plot.land_document_path
    db.session.delete(plot)
    db.session.flush()
    if old:
        (_document_dir() / old).unlink(missing_ok=True)


def own_growing_area(user: User, site_id: int) -> Site:
    """One of the caller's growing areas, or 404 (403 for the department), or 422 for a facility."""
    site = get_site(user, site_id)
    require_own_org(user, site.organization_id)
    if site.kind != SiteKind.GROWING_AREA:
        raise ValidationFailed.on_field("site_id", _("Plots belong to growing areas only."))
    return site


def _apply(plot: Plot, values: dict) -> None:
    declared = values.get("declared_area_ha")
    checked = checked_geometry(values["geometry"], declared, plot.site)
    plot.name = values["name"]
    plot.geometry, plot.geometry_type = checked.text, checked.kind
    plot.area_ha = checked.area_ha if checked.area_ha is not None else float(declared)
    plot.declared_area_ha = float(declared) if declared is not None else None
    plot.longitude, plot.latitude = checked.centroid
    plot.production_since = values.get("production_since")
    plot.land_document_number = values.get("land_document_number")
    plot.households = own_households(plot.organization_id, values.get("household_ids") or [])


def checked_geometry(raw, declared: Decimal | float | None, site: Site) -> geometry.CheckedGeometry:
    """The geometry (GeoJSON text or data) checked for a plot of ``site``; a refusal names
    the field ``geometry`` (or ``declared_area_ha``) with the reason and the vertex."""
    try:
        data = geometry.parse(raw) if isinstance(raw, str) else raw
        if not isinstance(data, dict):
            raise geometry.GeometryError(_("A GeoJSON geometry is an object."))
        declared_ha = Decimal(str(declared)) if declared is not None else None
        return geometry.check(data, declared_ha, province_of(site))
    except geometry.GeometryError as exc:
        raise ValidationFailed.on_field(exc.field, exc.message) from exc


def province_of(site: Site) -> str | None:
    """The GSO code of the province of a site's commune."""
    parent = site.admin_unit.parent
    return parent.code if parent is not None else None


def own_households(org_id: int, ids: list[int]) -> list[MemberHousehold]:
    """The organization's member households with these ids; any other id is refused."""
    if not ids:
        return []
    found = list(
        db.session.scalars(
            select(MemberHousehold).where(
                MemberHousehold.id.in_(ids), MemberHousehold.organization_id == org_id
            )
        )
    )
    missing = sorted(set(ids) - {member.id for member in found})
    if missing:
        raise ValidationFailed.on_field(
            "household_ids",
            _(
                "Not member households of this organization: %(ids)s.",
                ids=", ".join(map(str, missing)),
            ),
        )
    return found


def save_land_document(user: User, plot_id: int, filename: str, data: bytes) -> Plot:
    """Attach the land-use right document (PDF, JPEG or PNG up to 5 MB) to a plot.

    The file goes to the file store (private: served only through the plot's own views);
    ``land_document_path`` names it, ``<sha256>.<ext>``.
    """
    plot = get_plot(user, plot_id)
    require_own_org(user, plot.organization_id)
    extension = _document_type(data)
    stored = store.put(data, MEDIA_TYPES[extension])
    plot.land_document_path = f"{stored.sha256}.{extension}"
    plot.land_document_name = (Path(filename or "").name or plot.land_document_path)[:200]
    db.session.flush()
    return plot


def land_document(plot: Plot) -> str | Path | None:
    """A plot's land document: its hash in the file store, or where it is in the old upload
    folder (before ``flask files migrate``), if it has one."""
    if not plot.land_document_path:
        return None
    return (
        store.key_of(plot.land_document_path)
        or _document_dir() / Path(plot.land_document_path).name
    )


def legacy_documents() -> list[store.LegacyFile]:
    """The land documents still in the old folder, for ``flask files migrate``."""
    rows = db.session.execute(
        select(Plot.id, Plot.land_document_path).where(Plot.land_document_path.is_not(None))
    ).all()
    return [
        store.LegacyFile(_document_dir() / Path(name).name, _mover(plot_id, name))
        for plot_id, name in rows
        if not store.key_of(name)
    ]


def _mover(plot_id: int, name: str):
    def move() -> None:
        path = _document_dir() / Path(name).name
        extension = path.suffix.lstrip(".").lower()
        with path.open("rb") as file:
            stored = store.put(file, MEDIA_TYPES.get(extension, "application/octet-stream"))
        db.session.get(Plot, plot_id).land_document_path = f"{stored.sha256}.{extension}"
        db.session.flush()

    return move


def _document_type(data: bytes) -> str:
    if not data:
        raise ValidationFailed.on_field("document", _("The file is empty."))
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationFailed.on_field("document", _("The document is larger than 5 MB."))
    for magic, extension in DOCUMENT_TYPES.items():
        if data.startswith(magic):
            return extension
    raise ValidationFailed.on_field("document", _("Use a PDF, JPEG or PNG file."))


def _document_dir() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "uploads" / "eudr"


def record_check(user: User, plot_id: int, values: dict) -> PlotCheck:
    """Record a check made on one of the caller's plots (a deforestation check by a tool)."""
    plot = get_plot(user, plot_id)
    require_own_org(user, plot.organization_id)
    check = PlotCheck(plot=plot, **values)
    db.session.add(check)
    db.session.flush()
    return check


def set_consent(user: User, member_id: int, agreed: bool, decided_on: date) -> NameConsent:
    """Record whether a member household agrees to its name going to EU buyers, and when."""
    member = db.session.get(MemberHousehold, member_id)
    if member is None:
        raise NotFound(_("No such member household."))
    ensure_visible(user, member.organization_id, _("No such member household."))
    require_own_org(user, member.organization_id)
    consent = db.session.get(NameConsent, member_id) or NameConsent(member_id=member_id)
    consent.agreed, consent.decided_on = agreed, decided_on
    db.session.add(consent)
    db.session.flush()
    return consent


def consents_of(member_ids: list[int]) -> dict[int, NameConsent]:
    """The consents recorded for these households, by household id."""
    if not member_ids:
        return {}
    rows = db.session.scalars(select(NameConsent).where(NameConsent.member_id.in_(member_ids)))
    return {consent.member_id: consent for consent in rows}
