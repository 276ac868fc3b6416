"""EUDR demo data: plots on every coffee growing area, most with complete evidence and a few
deliberately incomplete (no production date, planted after 2020, no land-use right document,
no deforestation check), made through the plot services as the cooperative's user would."""

import random
from datetime import date

from sqlalchemy import select

from core.extensions import db
from eudr.services import plots
from registry.models import Organization
from trace.demo import demo_actor
from trace.models import (
    Batch,
    BatchHousehold,
    Product,
    ProductCategory,
    Site,
    SiteKind,
    batch_sites,
)

# A one-page PDF standing in for a scanned land-use right certificate (sổ đỏ).
DEMO_DOCUMENT = b"%PDF-1.4\n% demo: giay chung nhan quyen su dung dat\n%%EOF\n"
# Where the old Gia Lai's coffee grows (Đak Đoa, Ia Grai, Chư Păh): west, south, east, north.
COFFEE_BOX = (107.75, 13.80, 108.20, 14.20)


def create_eudr_demo(seed: int) -> dict[str, int]:
    """Map the plots of the coffee growing areas; returns counts."""
    rng = random.Random(seed * 31 + 25)
    counts = {"plots": 0, "incomplete plots": 0}
    harvesters = _harvesters()
    for number, site in enumerate(_coffee_areas()):
        user = demo_actor(site.organization)
        farmers = harvesters.get(site.id) or [member.id for member in site.households]
        for n in range(rng.randint(2, 4)):
            gap = _gap(number, n)
            _plot(rng, user, site, n, gap, farmers[n % 2 :: 2][:2])
            counts["plots"] += 1
            counts["incomplete plots"] += gap is not None
    return counts


def _coffee_areas() -> list[Site]:
    """Growing areas on which coffee lots were harvested."""
    coffee_sites = (
        select(batch_sites.c.site_id)
        .join(Batch, Batch.id == batch_sites.c.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.category == ProductCategory.COFFEE)
    )
    return list(
        db.session.scalars(
            select(Site)
            .join(Organization, Organization.id == Site.organization_id)
            .where(Site.kind == SiteKind.GROWING_AREA, Site.id.in_(coffee_sites))
            .order_by(Site.id)
        )
    )


def _harvesters() -> dict[int, list[int]]:
    """Per growing area, the households that harvested its coffee lots, so that each demo plot
    is farmed by households whose coffee the evidence reaches."""
    rows = db.session.execute(
        select(batch_sites.c.site_id, BatchHousehold.member_id)
        .join(BatchHousehold, BatchHousehold.batch_id == batch_sites.c.batch_id)
        .join(Batch, Batch.id == batch_sites.c.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(Product.category == ProductCategory.COFFEE)
        .distinct()
        .order_by(batch_sites.c.site_id, BatchHousehold.member_id)
    )
    found: dict[int, list[int]] = {}
    for site_id, member_id in rows:
        found.setdefault(site_id, []).append(member_id)
    return found


GAPS = ("production_since", "after_cut_off", "land_document", "check")


def _gap(area: int, n: int) -> str | None:
    """What this plot deliberately lacks: the second plot of every other area lacks one item."""
    if n != 1 or area % 2:
        return None
    return GAPS[(area // 2) % len(GAPS)]


def _plot(
    rng: random.Random, user, site: Site, n: int, gap: str | None, households: list[int]
) -> None:
    west, south, east, north = COFFEE_BOX
    lon, lat = rng.uniform(west, east), rng.uniform(south, north)
    side = rng.uniform(0.0012, 0.0030)  # 130–330 m: 1.7 to 10 ha
    ring = [(lon, lat), (lon + side, lat), (lon + side, lat + side * 0.9), (lon, lat + side)]
    geometry = {"type": "Polygon", "coordinates": [[*map(_position, ring), _position(ring[0])]]}
    if n == 1 and side < 0.0018:
        geometry = {"type": "Point", "coordinates": _position((lon, lat))}
    since = {
        "production_since": None,
        "after_cut_off": date(2022, rng.randint(1, 12), 1),
    }.get(gap, date(rng.randint(2005, 2019), rng.randint(1, 12), 1))
    plot = plots.create_plot(
        user,
        site.id,
        {
            "name": f"Thửa {n + 1}",
            "geometry": geometry,
            "declared_area_ha": round(side * side * 1.1e6, 2),
            "production_since": since,
            "land_document_number": None if gap == "land_document" else f"CS {site.id:03d}{n:02d}",
            "household_ids": households,
        },
    )
    if gap != "land_document":
        plots.save_land_document(user, plot.id, "so-do.pdf", DEMO_DOCUMENT)
    if gap != "check":
        values = {"tool": "Global Forest Watch", "checked_on": date(2026, 11, 20), "passed": True}
        plots.record_check(user, plot.id, values)


def _position(point: tuple[float, float]) -> list[float]:
    """[longitude, latitude] with 6 decimals, the sixth never 0 (so it always shows)."""
    return [round(value, 5) + 0.000001 * (1 + int(value * 1e7) % 9) for value in point]
