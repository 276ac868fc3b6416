"""The dashboard's tables, built once and used three ways: the page, the CSV/XLSX download
and the printed report, so that all three hold the same numbers.

A share is written as a percentage rounded to one decimal (``42.9``) under a header
that says "(%)"; counts as integers; quantities in kilograms to three decimals.
"""

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _

from indicators.services import (
    IndicatorQuery,
    linkage_rate,
    monthly_series,
    registry_figures,
    traceability_rate,
)
from trace.names import CATEGORY_LABELS


@dataclass
class Table:
    """A titled table: header, rows, the numeric columns, and per-row links by column."""

    name: str
    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    numeric: frozenset[int] = frozenset()
    links: list[dict[int, str]] = field(default_factory=list)


def percent(rate: float | None) -> float | None:
    """A share 0–1 as a percentage with one decimal (None stays None)."""
    return None if rate is None else round(rate * 100, 1)


def kg(value: float | None) -> float | None:
    """A quantity in kilograms to three decimals."""
    return None if value is None else round(float(value), 3)


def _rate_headers() -> list[str]:
    return [
        _("Cooperatives"),
        _("Linked"),
        _("Linkage rate (%)"),
        _("Products"),
        _("Traced products"),
        _("Traceability rate (%)"),
        _("Batches"),
        _("Traced batches"),
        _("Traced batches (%)"),
        _("Quantity (kg)"),
        _("Traced quantity (kg)"),
        _("Traced quantity (%)"),
    ]


def _rate_cells(link, trace) -> list:
    cells = [None] * 3
    if link is not None:
        cells = [link.denominator, link.numerator, percent(link.rate)]
    if trace is None:
        return cells + [None] * 9
    return cells + [
        trace.denominator,
        trace.numerator,
        percent(trace.rate),
        trace.batches,
        trace.traced_batches,
        percent(trace.batch_rate),
        kg(trace.quantity_kg),
        kg(trace.traced_quantity_kg),
        percent(trace.quantity_rate),
    ]


def _joined(query: IndicatorQuery, group_by: str):
    """(key, label, linkage row, traceability row) for every key either side has."""
    links = {row.key: row for row in linkage_rate(query, group_by)}
    traces = {row.key: row for row in traceability_rate(query, group_by)}
    labels = {row.key: row.label for row in [*links.values(), *traces.values()]}
    keys = sorted(labels, key=lambda key: (labels[key] or "").lower())
    return [(key, labels[key], links.get(key), traces.get(key)) for key in keys]


def _drill_links(args: dict, key_arg: str, key) -> dict[int, str]:
    """A row's links by column: who is linked, and the lists behind each rate."""
    scoped = {**args, key_arg: key}
    return {
        2: url_for("indicators.linked", **scoped),
        3: url_for("indicators.unlinked", **scoped),
        6: url_for("indicators.untraced_products", **scoped),
        9: url_for("indicators.untraced_batches", **scoped),
    }


def by_commune(query: IndicatorQuery, args: dict) -> Table:
    """Both rates per commune of the scope (communes with a cooperative or a product)."""
    table = Table("by-commune", _("Indicators by commune"), [_("Commune"), *_rate_headers()])
    for key, label, link, trace in _joined(query, "commune"):
        table.rows.append([label, *_rate_cells(link, trace)])
        table.links.append(_drill_links(args, "admin_unit", key))
    table.numeric = frozenset(range(1, len(table.header)))
    return table


def by_category(query: IndicatorQuery, args: dict) -> Table:
    """Both rates per product category."""
    table = Table(
        "by-category", _("Indicators by product category"), [_("Category"), *_rate_headers()]
    )
    for key, label, link, trace in _joined(query, "category"):
        table.rows.append([str(CATEGORY_LABELS.get(key, label)), *_rate_cells(link, trace)])
        table.links.append(_drill_links(args, "category", key))
    table.numeric = frozenset(range(1, len(table.header)))
    return table


def monthly(query: IndicatorQuery, months: int = 24) -> Table:
    """Both rates for each of the last ``months`` months, oldest first."""
    links = monthly_series("linkage", query, months)
    traces = {row.key: row for row in monthly_series("traceability", query, months)}
    table = Table("monthly", _("Monthly series"), [_("Month"), *_rate_headers()])
    for link in links:
        table.rows.append([link.key, *_rate_cells(link, traces.get(link.key))])
        table.links.append({})
    table.numeric = frozenset(range(1, len(table.header)))
    return table


def registry(query: IndicatorQuery) -> tuple[Table, dict]:
    """Cooperatives, groups, unions and their members by commune, and the rating figures."""
    figures = registry_figures(query)
    table = Table(
        "registry",
        _("Cooperatives, groups and unions by commune"),
        [
            _("Commune"),
            _("Cooperatives"),
            _("Cooperative groups"),
            _("Cooperative unions"),
            _("Members"),
        ],
        numeric=frozenset(range(1, 5)),
    )
    totals = {**figures["totals"], "label": _("Total")}
    for row in [*figures["rows"], totals]:
        table.rows.append(
            [row["label"], row["cooperatives"], row["groups"], row["unions"], int(row["members"])]
        )
        table.links.append({})
    return table, figures
