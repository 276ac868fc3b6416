"""Fulfilment as the pages show it: a share per contract and a bar chart drawn on the server.

The chart is HTML (no JavaScript, no CDN): per season, three bars for the committed,
delivered and accepted quantities, and a tick where deliveries should have reached by now.
"""

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from linkage.services.fulfilment import SeasonFulfilment

BAR_MAX = 180  # the widest bar, in the chart's own units (the page draws it as a share)
BAR_HEIGHT = 16
BAR_GAP = 4
LABEL_HEIGHT = 22
SEASON_GAP = 14
WIDTH = 320
BARS = (
    ("committed", _l("Committed")),
    ("delivered", _l("Delivered")),
    ("accepted", _l("Accepted")),
)


@dataclass
class Bar:
    """One bar of the chart."""

    kind: str
    label: str
    value: object
    y: int
    width: float


@dataclass
class SeasonChart:
    """The bars of one season, and where the expected-by-now tick goes."""

    row: SeasonFulfilment
    y: int
    bars: list[Bar]
    expected_x: float


def overall_share(rows: list[SeasonFulfilment]) -> float | None:
    """Accepted ÷ committed over a contract's seasons; None when nothing is committed.

    Quantities are added only when every season counts in the same unit; otherwise
    the seasons' shares are averaged.
    """
    if not rows:
        return None
    if len({row.unit for row in rows}) == 1:
        committed = sum(row.committed for row in rows)
        return float(sum(row.accepted for row in rows) / committed) if committed else None
    return sum(row.share for row in rows) / len(rows)


def chart(rows: list[SeasonFulfilment]) -> dict:
    """Geometry of the fulfilment chart: its seasons, bars, width and height."""
    seasons, y = [], 0
    for row in rows:
        scale = max(row.committed, row.delivered, row.accepted) or 1
        bars = []
        for index, (kind, label) in enumerate(BARS):
            value = getattr(row, kind)
            bars.append(
                Bar(
                    kind,
                    str(label),
                    value,
                    y + LABEL_HEIGHT + index * (BAR_HEIGHT + BAR_GAP),
                    round(float(value / scale) * BAR_MAX, 1),
                )
            )
        expected_x = round(float(row.expected_by_now / scale) * BAR_MAX, 1)
        seasons.append(SeasonChart(row, y, bars, expected_x))
        y += LABEL_HEIGHT + len(BARS) * (BAR_HEIGHT + BAR_GAP) + SEASON_GAP
    return {
        "seasons": seasons,
        "width": WIDTH,
        "height": max(y - SEASON_GAP, 1),
        "bar_max": BAR_MAX,
        "bar_height": BAR_HEIGHT,
    }
