"""The EUDR evidence for a shipment: every plot its lots trace back to, as the EU Information
System's GeoJSON (split into files under 25 MB), with a summary of what is missing.

It comes from the backward trace, never from anything typed again: the lots shipped, every lot
they were made from (a recursive query over the genealogy links, in the database), the growing
areas where those lots were harvested, and those areas' plots farmed by the households that
contributed to the harvest (``contributing_plots``). A buyer therefore sees only the
plots its own lots trace to. Each plot's feature is stored text (``eudr.services.features``),
so the files of a shipment of 30,000 plots are one query and a concatenation.
"""

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, tuple_, union

from core.errors import ValidationFailed
from core.extensions import db
from eudr.models import CUT_OFF, Plot, PlotCheck, plot_households
from eudr.services import features
from linkage.services.deliveries import get_delivery
from registry.models import User
from registry.services.scoping import sees_everything
from trace.models import (
    Batch,
    BatchHousehold,
    BatchLink,
    EventKind,
    EventLine,
    Site,
    SiteKind,
    TraceEvent,
    batch_sites,
)
from trace.services.batches import get_batch
from trace.services.quantities import not_erroneous

# The EU Information System takes a statement's geolocation file of at most 25 MB.
MAX_FILE_BYTES = 25_000_000
MAX_RANGE_DAYS = 366
MISSING_ITEMS = ("production_since", "after_cut_off", "land_document", "deforestation_check")


@dataclass(slots=True)
class PlotRow:
    """What the evidence needs of one plot (``feature``: its stored EU GeoJSON Feature)."""

    id: int
    name: str
    feature: str | None
    geometry_type: str
    area_ha: float
    production_since: date | None
    has_document: bool
    has_check: bool
    site_id: int
    site_name: str

    @property
    def missing(self) -> list[str]:
        """The evidence this plot still lacks (codes of ``MISSING_ITEMS``)."""
        items = []
        if self.production_since is None:
            items.append("production_since")
        elif self.production_since > CUT_OFF:
            items.append("after_cut_off")
        if not self.has_document:
            items.append("land_document")
        if not self.has_check:
            items.append("deforestation_check")
        return items


@dataclass
class Evidence:
    """The evidence for a subject (a lot, a delivery, a date range): plots, files, summary."""

    subject: str
    lot_count: int
    plots: list[PlotRow]
    households: int
    areas_without_plots: list[tuple[int, str]]
    files: list[str] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def for_lot(user: User | None, batch_id: int, max_bytes: int = MAX_FILE_BYTES) -> Evidence:
    """The evidence for a lot the caller holds, shipped or made (404 for any other)."""
    batch = get_batch(user, batch_id)
    return gather(_("Lot %(lot)s", lot=batch.lot_code), [batch.id], max_bytes)


def for_delivery(user: User | None, delivery_id: int, max_bytes: int = MAX_FILE_BYTES) -> Evidence:
    """The evidence for every lot of a contract delivery the caller is party to."""
    delivery = get_delivery(user, delivery_id)
    lot_ids = sorted({line.batch_id for line in delivery.lines})
    subject = _("Delivery %(id)s of %(day)s", id=delivery.id, day=delivery.delivered_on.isoformat())
    return gather(subject, lot_ids, max_bytes)


def for_range(
    user: User | None, start: date, end: date, max_bytes: int = MAX_FILE_BYTES
) -> Evidence:
    """The evidence for every lot the caller's organization shipped or received in a range."""
    if end < start:
        raise ValidationFailed.on_field("shipped_to", _("The end comes before the start."))
    if (end - start).days >= MAX_RANGE_DAYS:
        raise ValidationFailed.on_field("shipped_to", _("Choose a range of at most a year."))
    if user is None or (user.organization_id is None and not sees_everything(user)):
        raise ValidationFailed.on_field("shipped_from", _("Your account has no organization."))
    lot_ids = list(db.session.scalars(_shipped_lots(user, start, end)))
    subject = _("Shipments from %(start)s to %(end)s", start=start.isoformat(), end=end.isoformat())
    return gather(subject, lot_ids, max_bytes)


def _shipped_lots(user: User, start: date, end: date) -> Select:
    since = datetime.combine(start, time.min, tzinfo=UTC) - timedelta(hours=7)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC) - timedelta(hours=7)
    stmt = (
        select(EventLine.batch_id)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(
            EventLine.kind == EventKind.SHIPPING,
            TraceEvent.event_time >= since,
            TraceEvent.event_time < until,
            not_erroneous(),
        )
        .distinct()
    )
    if sees_everything(user):
        return stmt
    org = user.organization_id
    return stmt.where(or_(TraceEvent.organization_id == org, TraceEvent.destination_org_id == org))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused while the evidence makes its objects.

    Why: 30,000 plots make some 100,000 small objects that live until the response is sent;
    each burst of them past the collector's thresholds made it walk every live object of the
    process (the app's own included): half the time of the export went there. They hold no
    cycles, so nothing is lost (reference counting still frees them).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def gather(subject: str, lot_ids: list[int], max_bytes: int = MAX_FILE_BYTES) -> Evidence:
    """The plots the lots trace back to, and their GeoJSON files (a handful of queries)."""
    lots = traced_lots(lot_ids).subquery("lots")
    lot_count = db.session.scalar(select(db.func.count()).select_from(lots)) or 0
    sites = growing_areas(select(lots.c.batch_id)).subquery("areas")
    with collector_paused():
        plots, households = _plot_rows(contributing_plots(select(lots.c.batch_id)))
        areas = _areas_without_plots(select(sites.c.site_id))
        evidence = Evidence(subject, lot_count, plots, households, areas)
        evidence.files = feature_collections(plots, max_bytes)
    return evidence


def traced_lots(lot_ids: list[int]):
    """A select of the ids of these lots and of every lot they were made from (backward trace).

    The same recursive walk over the genealogy links as the trace, started from a set of lots
    at once; UNION stops at lots already reached.
    """
    first = select(BatchLink.parent_id.label("batch_id")).where(BatchLink.child_id.in_(lot_ids))
    upstream = first.cte("upstream", recursive=True)
    upstream = upstream.union(
        select(BatchLink.parent_id).join(upstream, BatchLink.child_id == upstream.c.batch_id)
    )
    return union(select(upstream.c.batch_id), select(Batch.id).where(Batch.id.in_(lot_ids)))


def growing_areas(lot_ids: Select):
    """A select of the growing areas the lots were harvested on: the lots' own sites and the
    sites of their (uncorrected) harvest events."""
    listed = select(batch_sites.c.site_id.label("site_id")).where(
        batch_sites.c.batch_id.in_(lot_ids)
    )
    harvested = (
        select(TraceEvent.site_id)
        .join(EventLine, EventLine.event_id == TraceEvent.id)
        .where(
            EventLine.batch_id.in_(lot_ids),
            EventLine.kind == EventKind.HARVEST,
            TraceEvent.site_id.is_not(None),
            not_erroneous(),
        )
    )
    every = union(listed, harvested).subquery("every_site")
    return select(Site.id.label("site_id")).where(
        Site.id.in_(select(every.c.site_id)), Site.kind == SiteKind.GROWING_AREA
    )


def contributing_plots(lot_ids: Select) -> ColumnElement[bool]:
    """Whether ``Plot`` is one the lots' coffee can have come from (a condition on its row).

    A plot of a growing area a lot was harvested on counts unless both sides name households
    and none is shared: the lot lists its contributing households and the plot is farmed only
    by others. A lot with no households recorded, or a plot with none, keeps every plot of the
    area (nothing says it did not contribute). The same rule as ``contributes``, written over
    sets, each computed once (a correlated test per plot and lot took 0.5 s for 30,000 plots).
    """
    listed = select(batch_sites.c.batch_id, batch_sites.c.site_id).where(
        batch_sites.c.batch_id.in_(lot_ids)
    )
    harvested = (
        select(EventLine.batch_id, TraceEvent.site_id)
        .join(TraceEvent, TraceEvent.id == EventLine.event_id)
        .where(
            EventLine.batch_id.in_(lot_ids),
            EventLine.kind == EventKind.HARVEST,
            TraceEvent.site_id.is_not(None),
            not_erroneous(),
        )
    )
    every = union(listed, harvested).subquery("lot_areas")
    pairs = (
        select(every.c.batch_id, every.c.site_id)
        .join(Site, Site.id == every.c.site_id)
        .where(Site.kind == SiteKind.GROWING_AREA)
        .cte("lot_area_pairs")
    )
    unnamed_lot_areas = select(pairs.c.site_id).where(
        ~exists(select(BatchHousehold.batch_id).where(BatchHousehold.batch_id == pairs.c.batch_id))
    )
    harvesters = (
        select(pairs.c.site_id, BatchHousehold.member_id)
        .join(BatchHousehold, BatchHousehold.batch_id == pairs.c.batch_id)
        .distinct()
        .subquery("harvesters")
    )
    shared = select(harvesters.c.site_id, plot_households.c.plot_id).join(
        plot_households, plot_households.c.member_id == harvesters.c.member_id
    )
    # One pass over the areas' plots, each condition an uncorrelated set (hashed once).
    return and_(
        Plot.site_id.in_(select(pairs.c.site_id)),
        or_(
            Plot.site_id.in_(unnamed_lot_areas),
            Plot.id.not_in(select(plot_households.c.plot_id)),
            tuple_(Plot.site_id, Plot.id).in_(shared),
        ),
    )


def contributes(lot_id):
    """Whether ``Plot`` can have contributed to the lot ``lot_id`` harvested on its area: unless
    both name households and none is shared (the rule of ``contributing_plots``).

    Correlated explicitly: ``lot_id`` may come from a query two levels up (readiness), which
    automatic correlation (one level) would copy into the FROM instead.
    """
    lot_names_households = exists(
        select(BatchHousehold.member_id)
        .where(BatchHousehold.batch_id == lot_id)
        .correlate_except(BatchHousehold)
    )
    plot_names_households = exists(
        select(plot_households.c.member_id)
        .where(plot_households.c.plot_id == Plot.id)
        .correlate_except(plot_households)
    )
    shared_household = exists(
        select(BatchHousehold.member_id)
        .join(plot_households, plot_households.c.member_id == BatchHousehold.member_id)
        .where(BatchHousehold.batch_id == lot_id, plot_households.c.plot_id == Plot.id)
        .correlate_except(BatchHousehold, plot_households)
    )
    return or_(~lot_names_households, ~plot_names_households, shared_household)


def _plot_rows(contributing: ColumnElement[bool]) -> tuple[list[PlotRow], int]:
    """The plots with their stored feature text, and how many households farm them: one query
    (two more for the features not yet stored, written on the fly)."""
    passed = select(PlotCheck.plot_id).where(PlotCheck.passed)
    # The plots chosen once (a CTE read twice is computed once), joined by hash both times.
    chosen = select(Plot.id.label("id")).where(contributing).cte("chosen")
    households = select(func.count(plot_households.c.member_id.distinct())).join(
        chosen, chosen.c.id == plot_households.c.plot_id
    )
    rows = db.session.execute(
        select(
            Plot.id,
            Plot.name,
            Plot.eu_feature,
            Plot.geometry_type,
            Plot.area_ha,
            Plot.production_since,
            Plot.land_document_path.is_not(None),
            Plot.id.in_(passed),
            Site.id,
            Site.name,
            households.scalar_subquery(),
        )
        .join(chosen, chosen.c.id == Plot.id)
        .join(Site, Site.id == Plot.site_id)
    ).all()
    # Sorted here: in SQL the sort of 30,000 rows of feature text spilled to disk.
    plots = sorted((PlotRow(*row[:-1]) for row in rows), key=attrgetter("id"))
    if any(plot.feature is None for plot in plots):
        unwritten = select(Plot.id).where(contributing, Plot.eu_feature.is_(None))
        texts = features.compute(db.session.connection(), unwritten)
        for plot in plots:
            plot.feature = plot.feature or texts[plot.id]
    return plots, rows[0][-1] if rows else 0


def _areas_without_plots(site_ids: Select) -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Site.id, Site.name)
        .where(Site.id.in_(site_ids), ~exists(select(Plot.id).where(Plot.site_id == Site.id)))
        .order_by(Site.id)
    )
    return [(site_id, name) for site_id, name in rows]


_HEAD = '{"type":"FeatureCollection","features":['
_TAIL = "]}"


def feature_collections(plots: list[PlotRow], max_bytes: int = MAX_FILE_BYTES) -> list[str]:
    """The plots as FeatureCollections, as many as needed for each to stay under ``max_bytes``
    (UTF-8). No plots: one empty collection."""
    whole = _HEAD + ",".join(plot.feature for plot in plots) + _TAIL
    # Nearly always one file: its size in UTF-8 is at most 3 bytes a character.
    if len(whole) * 3 <= max_bytes or len(whole.encode()) <= max_bytes:
        return [whole]
    files, current, size = [], [], len(_HEAD) + len(_TAIL)
    for plot in plots:
        text = plot.feature
        length = len(text.encode()) + 1
        if current and size + length > max_bytes:
            files.append(_HEAD + ",".join(current) + _TAIL)
            current, size = [], len(_HEAD) + len(_TAIL)
        current.append(text)
        size += length
    files.append(_HEAD + ",".join(current) + _TAIL)
    return files


def file_name(index: int, count: int) -> str:
    """The name of the ``index``-th (from 1) GeoJSON file of ``count``."""
    return "plots.geojson" if count == 1 else f"plots-{index}-of-{count}.geojson"


def summary(evidence: Evidence) -> dict:
    """What the evidence holds and lacks, as JSON-ready data."""
    with collector_paused():
        return _summary(evidence)


def _summary(evidence: Evidence) -> dict:
    plots = evidence.plots
    dates = sorted(plot.production_since for plot in plots if plot.production_since)
    missing = [
        {
            "plot_id": plot.id,
            "plot": plot.name,
            "growing_area_id": plot.site_id,
            "growing_area": plot.site_name,
            "items": items,
        }
        for plot, items in ((plot, plot.missing) for plot in plots)
        if items
    ]
    return {
        "subject": evidence.subject,
        "generated_at": evidence.generated_at.isoformat(timespec="seconds"),
        "lots": evidence.lot_count,
        "plots": len(plots),
        "polygons": sum(1 for plot in plots if plot.geometry_type == "Polygon"),
        "points": sum(1 for plot in plots if plot.geometry_type == "Point"),
        "total_area_ha": round(sum(plot.area_ha for plot in plots), 4),
        "households": evidence.households,
        "production_since": {
            "earliest": dates[0].isoformat() if dates else None,
            "latest": dates[-1].isoformat() if dates else None,
            "dates": sorted({day.isoformat() for day in dates}),
            "unknown": sum(1 for plot in plots if plot.production_since is None),
            "after_cut_off": sum(1 for day in dates if day > CUT_OFF),
        },
        "files": [
            {
                "name": file_name(index, len(evidence.files)),
                "bytes": len(text.encode()),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
            }
            for index, text in enumerate(evidence.files, 1)
        ],
        "missing": missing,
        "growing_areas_without_plots": [
            {"id": site_id, "name": name} for site_id, name in evidence.areas_without_plots
        ],
        "complete": bool(plots) and not missing and not evidence.areas_without_plots,
    }
