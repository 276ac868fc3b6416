"""Charts of the indicators as inline SVG, drawn on the server: no script, no CDN, no font file.

Each chart carries a ``<title>`` and a ``<desc>`` (read by screen readers), writes
every value as text beside its mark, and scales to its container through its
``viewBox`` (the stylesheet caps it at the screen's width), so it reads the same
on a laptop and on a 360 px phone.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

# Widths in viewBox units: the page scales them to the container, so a narrower box
# means larger text on a phone; the stylesheet caps the width on a laptop.
BAR_WIDTH = 320
WIDTH = 360  # the line chart: 24 months need the room
LABEL_HEIGHT = 18
BAR_HEIGHT = 14
ROW_GAP = 8
VALUE_ROOM = 64  # right of the longest bar: room for its value written as text
_ids = count(1)


@dataclass(frozen=True)
class Point:
    """One value of a chart: its label, its value (a share 0–1 or a count), that value as text."""

    label: str
    value: float | None
    text: str


def _open(
    kind: str, shape: str, width: float, height: float, title: str, desc: str
) -> tuple[list[str], str]:
    uid = f"chart-{kind}-{next(_ids)}"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-{shape} chart-{kind}" '
        f'viewBox="0 0 {width} {height:g}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" preserveAspectRatio="xMinYMin meet">'
    )
    return [
        head,
        f'<title id="{uid}-t">{escape(title)}</title>',
        f'<desc id="{uid}-d">{escape(desc)}</desc>',
    ], uid


def bar_chart(
    points: Sequence[Point],
    title: str,
    desc: str,
    kind: str = "bars",
    maximum: float | None = None,
    target: float | None = None,
    target_text: str = "",
) -> Markup:
    """Horizontal bars, one per point, the label above each bar and the value at its end.

    Bars are the ``rect`` elements of class ``bar`` (one per point, in order); a
    value of None draws no length but keeps its row and writes "—".
    """
    scale_max = maximum or max([p.value or 0 for p in points] + [target or 0]) or 1
    room = BAR_WIDTH - VALUE_ROOM
    row = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    height = max(row * len(points), row) + (14 if target is not None else 0)
    parts, _uid = _open(kind, "bar", BAR_WIDTH, height, title, desc)
    for index, point in enumerate(points):
        y = index * row
        length = 0 if point.value is None else max(0.0, min(point.value, scale_max)) / scale_max
        width = round(length * room, 1)
        parts.append(
            f'<g class="bar-row"><title>{escape(point.label)}: {escape(point.text)}</title>'
        )
        parts.append(f'<text class="bar-label" x="0" y="{y + 13}">{escape(point.label)}</text>')
        parts.append(
            f'<rect class="bar" x="0" y="{y + LABEL_HEIGHT}" width="{width:g}" '
            f'height="{BAR_HEIGHT}" rx="2" data-value={quoteattr(_data(point.value))}/>'
        )
        parts.append(
            f'<text class="bar-value" x="{width + 4:g}" y="{y + LABEL_HEIGHT + 12}">'
            f"{escape(point.text)}</text></g>"
        )
    if target is not None:
        x = round(min(target, scale_max) / scale_max * room, 1)
        parts.append(
            f'<line class="target" x1="{x:g}" x2="{x:g}" y1="0" y2="{height - 14:g}"/>'
            f'<text class="target-label" x="{x:g}" y="{height - 2:g}" text-anchor="middle">'
            f"{escape(target_text)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above


def _data(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name, a CSS class and one value per x label (None: no data)."""

    name: str
    css: str
    values: Sequence[float | None]


LINE_HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 46, 18, 10, 40


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    desc: str,
    fmt: Callable[[float], str],
    targets: Sequence[tuple[float, str]] = (),
) -> Markup:
    """Shares (0–1) over time: one polyline per series, a dot with its value per month,
    dashed lines at the targets, every fourth month labelled on the axis, a legend below."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, LINE_HEIGHT - TOP - BOTTOM
    legend_rows = len(series)
    height = LINE_HEIGHT + 16 * legend_rows
    parts, _uid = _open("months", "line", WIDTH, height, title, desc)
    step = plot_w / max(len(labels) - 1, 1)

    def xy(index: int, value: float) -> tuple[float, float]:
        return LEFT + index * step, TOP + plot_h * (1 - max(0.0, min(value, 1.0)))

    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = TOP + plot_h * (1 - tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:g}" y2="{y:g}"/>'
            f'<text class="axis" x="{LEFT - 4}" y="{y + 4:g}" text-anchor="end">'
            f"{round(tick * 100)}%</text>"
        )
    for value, text in targets:
        y = xy(0, value)[1]
        parts.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:g}" y2="{y:g}">'
            f"<title>{escape(text)}</title></line>"
        )
    for index, label in enumerate(labels):
        if index % 4 == (len(labels) - 1) % 4:
            x = LEFT + index * step
            parts.append(
                f'<text class="axis" x="{x:g}" y="{TOP + plot_h + 14}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    for line in series:
        parts.append(_polyline(line, labels, xy, fmt))
    for row, line in enumerate(series):
        y = LINE_HEIGHT + 16 * row
        parts.append(
            f'<g class="legend {line.css}"><rect x="{LEFT}" y="{y - 9}" width="14" height="4"/>'
            f'<text x="{LEFT + 20}" y="{y - 4}">{escape(line.name)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above


def _polyline(line: Series, labels, xy, fmt) -> str:
    """A month without data breaks the line: one polyline per run of months with a value."""
    runs: list[list[str]] = [[]]
    dots = []
    for index, value in enumerate(line.values):
        if value is None:
            runs.append([])
            continue
        x, y = xy(index, value)
        runs[-1].append(f"{x:.1f},{y:.1f}")
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5">'
            f"<title>{escape(labels[index])}: {escape(fmt(value))}</title></circle>"
        )
    paths = "".join(
        f'<polyline fill="none" points="{" ".join(run)}"/>' for run in runs if len(run) > 1
    )
    return (
        f'<g class="series {line.css}" data-name={quoteattr(line.name)}>{paths}{"".join(dots)}</g>'
    )
