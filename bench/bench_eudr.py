"""EUDR evidence for a shipment that traces back to 30,000 plots, beside the backward trace.

The genealogy dataset's deepest lot (``world.trace``, held by an enterprise) traces back to the
cooperative's harvest lots on its growing area; that area gets ``PLOTS`` plots (small squares,
one household each, a third of the households consenting to their names), written with one
Core executemany. ``eudr.export`` times what the ZIP download does for the enterprise
(``evidence.for_lot`` + summary + cover sheet + ZIP); ``eudr.geojson`` only the plots and
their GeoJSON files (``evidence.for_lot``). The baseline is the API's backward trace of the
same lot (``trace_json(...).encode()``), timed in alternation with each figure. The same two
figures are timed again beside the floor (``eudr.*_vs_floor``): the bare SELECT of the plots'
stored feature texts (``eudr_plots.eu_feature``) on the growing areas the lot traces to, what
any export must at least read (the trace itself reads no plot).
Target: under 5 s, and within 3× of the backward trace.
"""

import json
from datetime import date

from sqlalchemy import insert, select

from bench.common import Result, measure_pair, timing_result
from core.extensions import db
from eudr.models import NameConsent, Plot, plot_households
from eudr.services import evidence, features, package
from registry.models import MemberHousehold, User
from trace.models import Site
from trace.services.genealogy import reachable_ids
from trace.services.trace_json import trace_json

PLOTS = 30_000
SIDE = 0.0009  # degrees: about 97 m × 100 m, 0.97 ha
TARGET = "< 5 s and ≤ 3× the backward trace"
BASELINE = "the API's backward trace of the same lot (trace_json), alternating"
FLOOR = "the floor: bare SELECT of the stored features of the lot's growing areas, alternating"
BUDGET = 30.0


def _square(index: int) -> str:
    lon = 107.600003 + (index % 300) * 0.001
    lat = 13.600003 + (index // 300) * 0.001
    ring = [(lon, lat), (lon + SIDE, lat), (lon + SIDE, lat + SIDE), (lon, lat + SIDE), (lon, lat)]
    coordinates = [[[round(x, 6), round(y, 6)] for x, y in ring]]
    return json.dumps({"type": "Polygon", "coordinates": coordinates}, separators=(",", ":"))


def _plant(site: Site) -> int:
    """Write ``PLOTS`` plots on the growing area; return how many households they name."""
    members = list(
        db.session.scalars(
            select(MemberHousehold.id).where(
                MemberHousehold.organization_id == site.organization_id
            )
        )
    )
    rows = [
        {
            "id": None,
            "organization_id": site.organization_id,
            "site_id": site.id,
            "name": f"Thửa {index + 1}",
            "geometry": _square(index),
            "geometry_type": "Polygon",
            "area_ha": 0.97,
            "declared_area_ha": 1.0,
            "longitude": 107.6 + (index % 300) * 0.001,
            "latitude": 13.6 + (index // 300) * 0.001,
            "production_since": date(2012 + index % 12, 1, 1),
            "land_document_path": None if index % 10 == 0 else f"bench-{index}.pdf",
        }
        for index in range(PLOTS)
    ]
    for row in rows:
        row.pop("id")
    db.session.execute(insert(Plot.__table__), rows)
    plot_ids = list(db.session.scalars(select(Plot.id).where(Plot.site_id == site.id)))
    if members:
        # Every plot is farmed by the first household, which harvested the bench's lots (the
        # evidence keeps the plots of the harvesting households), and by one of the others.
        links = [
            {"plot_id": plot_id, "member_id": member}
            for n, plot_id in enumerate(plot_ids)
            for member in {members[0], members[n % len(members)]}
        ]
        db.session.execute(insert(plot_households), links)
        consents = [
            {"member_id": m, "agreed": True, "decided_on": date(2026, 11, 1)} for m in members[::3]
        ]
        db.session.execute(insert(NameConsent.__table__), consents)
    # Written as the app writes them when plots, households or consents are saved.
    features.store(db.session.connection(), select(Plot.id).where(Plot.site_id == site.id))
    db.session.commit()
    db.session.execute(db.text("ANALYZE eudr_plots"))
    db.session.execute(db.text("ANALYZE eudr_plot_households"))
    db.session.commit()
    return len(members)


def run(ctx) -> list[Result]:
    """The evidence export and its GeoJSON alone, each beside the backward trace."""
    graph = ctx.world.trace
    leaf_id, user_id = graph["leaf_id"], graph["leaf_user_id"]
    sites = list(
        db.session.scalars(
            select(Site).where(Site.id.in_(evidence.growing_areas(evidence.traced_lots([leaf_id]))))
        )
    )
    if not sites:
        return [Result("eudr.export", None, "s", None, BASELINE, note="skipped: no growing area")]
    households = _plant(sites[0])

    def prepare() -> User:
        db.session.rollback()
        db.session.expunge_all()
        return db.session.get(User, user_id)

    def trace(user):
        return trace_json(user, leaf_id, "backward").encode()

    def export(user):
        return package.evidence_zip(evidence.for_lot(user, leaf_id))

    def geojson(user):
        return evidence.for_lot(user, leaf_id).files

    found = evidence.for_lot(prepare(), leaf_id)
    facts = {
        "lot_id": leaf_id,
        "lots_traced": 1 + len(reachable_ids(leaf_id, "backward")),
        "plots": len(found.plots),
        "households": households,
        "geojson_bytes": sum(len(text.encode()) for text in found.files),
        "geojson_files": len(found.files),
        "zip_bytes": len(export(prepare())),
        "trace_bytes": len(trace(prepare())),
    }

    def floor(_user):
        areas = evidence.growing_areas(evidence.traced_lots([leaf_id]))
        return db.session.scalars(select(Plot.eu_feature).where(Plot.site_id.in_(areas))).all()

    results = []
    for name, call in (("export", export), ("geojson", geojson)):
        figure, baseline = measure_pair(call, trace, ctx.runs, ctx.warmup, prepare, budget_s=BUDGET)
        results.append(timing_result(f"eudr.{name}", figure, baseline, BASELINE, TARGET, **facts))
    # The second baseline: what any export must at least do, read the stored features.
    for name, call in (("export_vs_floor", export), ("geojson_vs_floor", geojson)):
        figure, baseline = measure_pair(call, floor, ctx.runs, ctx.warmup, prepare, budget_s=BUDGET)
        results.append(timing_result(f"eudr.{name}", figure, baseline, FLOOR, "reference", **facts))
    db.session.rollback()
    return results
