"""Charts of the indicators, drawn on the server: no script, no CDN, no font file.

Bar charts are HTML (a list of bars whose text is page text); the line chart is inline
SVG with a ``<title>`` and a ``<desc>`` (read by screen readers) that scales to its
container through its ``viewBox``. Each writes every value as text beside its mark, so
it reads the same on a laptop and on a 360 px phone.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import count
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup

# Widths in viewBox units: the page scales them to the container, so a narrower box
# means larger text on a phone; the stylesheet caps the width on a laptop.
WIDTH = 360  # the line chart: 24 months need the room
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
    """Horizontal bars as HTML, one list item per point: its label, a bar whose width is the
    value's share of the scale, and the value written beside it.

    HTML rather than SVG so that the text is page text: it wraps on a phone and its contrast
    can be measured. Bars are the elements of class ``bar`` (one per point, in order) with
    the value in ``data-value``; a value of None draws no length but keeps its row ("—").
    The target is a dashed line across every row, named below the list.
    """
    scale_max = maximum or max([p.value or 0 for p in points] + [target or 0]) or 1
    uid = f"chart-{kind}-{next(_ids)}"
    at = "" if target is None else f' style="--target: {_share_of(target, scale_max):g}%"'
    parts = [
        f'<div class="chart hbars chart-{kind}" role="group" '
        f'aria-labelledby="{uid}-t" aria-describedby="{uid}-d"{at}>',
        f'<p class="visually-hidden" id="{uid}-t">{escape(title)}</p>',
        f'<p class="visually-hidden" id="{uid}-d">{escape(desc)}</p><ul>',
    ]
    for point in points:
        width = 0 if point.value is None else _share_of(point.value, scale_max)
        parts.append(
            f'<li><span class="bar-label">{escape(point.label)}</span>'
            f'<span class="track"><span class="bar" style="width: {width:g}%" '
            f"data-value={quoteattr(_data(point.value))}></span></span>"
            f'<span class="bar-value">{escape(point.text)}</span></li>'
        )
    parts.append("</ul>")
    if target is not None:
        parts.append(f'<p class="target-label">{escape(target_text)}</p>')
    parts.append("</div>")
    return Markup("".join(parts))  # noqa: S704 - every text in it was escaped above


def _share_of(value: float, scale_max: float) -> float:
    return round(max(0.0, min(value, scale_max)) / scale_max * 100, 1)


def _data(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


@dataclass(frozen=True)
class Series:
    """One line of a line chart: its name, a CSS class and one value per x label (None: no data)."""

    name: str
    css: str
    values: Sequence[float | None]


LINE_HEIGHT = 200
LEFT, RIGHT, TOP, BOTTOM = 6, 8, 10, 6  # the axis labels sit outside, in HTML


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    desc: str,
    fmt: Callable[[float], str],
    targets: Sequence[tuple[float, str]] = (),
) -> Markup:
    """Shares (0–1) over time: one polyline per series, a dot with its value per month,
    dashed lines at the targets, every fourth month labelled on the axis, a legend below.

    The axis labels and the legend are HTML beside and under the SVG (placed in percent of
    its box): page text, whose contrast axe-core can measure, unlike SVG text."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, LINE_HEIGHT - TOP - BOTTOM
    parts, _uid = _open("months", "line", WIDTH, LINE_HEIGHT, title, desc)
    step = plot_w / max(len(labels) - 1, 1)
    axis: list[str] = []

    def xy(index: int, value: float) -> tuple[float, float]:
        return LEFT + index * step, TOP + plot_h * (1 - max(0.0, min(value, 1.0)))

    def place(css: str, where: str, share: float, text: str) -> str:
        return f'<span class="{css}" style="{where}: {share * 100:.2f}%">{escape(text)}</span>'

    for tick in (0, 0.25, 0.5, 0.75, 1):
        y = TOP + plot_h * (1 - tick)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:g}" y2="{y:g}"/>')
        axis.append(place("tick tick-y", "top", y / LINE_HEIGHT, f"{round(tick * 100)}%"))
    for value, text in targets:
        y = xy(0, value)[1]
        parts.append(
            f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:g}" y2="{y:g}">'
            f"<title>{escape(text)}</title></line>"
        )
    for index, label in enumerate(labels):
        if index % 4 == (len(labels) - 1) % 4:
            axis.append(place("tick tick-x", "left", (LEFT + index * step) / WIDTH, label))
    for line in series:
        parts.append(_polyline(line, labels, xy, fmt))
    parts.append("</svg>")
    legend = "".join(
        f'<li class="{line.css}"><span class="key" aria-hidden="true"></span>'
        f"{escape(line.name)}</li>"
        for line in series
    )
    return Markup(  # noqa: S704 - every text in it was escaped above
        f'<div class="line-chart">{"".join(parts)}'
        f'<div aria-hidden="true">{"".join(axis)}</div></div>'
        f'<ul class="chart-legend">{legend}</ul>'
    )


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
