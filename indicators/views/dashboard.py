"""The department's dashboard of the two indicators, and the download of each of its tables.

The headline numbers against their targets; tables and charts by commune, by month
(the last 24) and by product category; the registry's own figures beside them;
every number that counts something links to the list behind it.
"""

from flask import abort, render_template
from flask_babel import gettext as _

from indicators import charts
from indicators.services import linkage_rate, targets, traceability_rate
from indicators.services.rates import definitions
from indicators.views import tables
from indicators.views.common import (
    area_name,
    bp,
    category_options,
    export,
    filter_args,
    filters,
    pct,
    unit_options,
)

EXPORTABLE = ("by-commune", "by-category", "monthly", "registry")


@bp.get("/", endpoint="dashboard")
def dashboard():
    """The two indicators against their targets, by commune, month and category."""
    query, raw, errors = filters()
    args = filter_args(raw) if not errors else {}
    link = linkage_rate(query)[0]
    trace = traceability_rate(query)[0]
    goal = targets()
    communes = tables.by_commune(query, args)
    categories = tables.by_category(query, args)
    months = tables.monthly(query)
    registry, rating = tables.registry(query)
    return render_template(
        "indicators/dashboard.html",
        query=query,
        raw=raw,
        args=args,
        errors=errors,
        area=area_name(query.admin_unit),
        link=link,
        trace=trace,
        targets=goal,
        definitions=definitions(),
        tables=[communes, categories, months, registry],
        communes=communes,
        categories=categories,
        months=months,
        registry=registry,
        rating=rating,
        charts=_charts(communes, categories, months, goal),
        units=unit_options(),
        category_choices=category_options(),
    )


def _points(table: tables.Table, column: int) -> list[charts.Point]:
    return [
        charts.Point(
            row[0], None if row[column] is None else row[column] / 100, pct(_share(row[column]))
        )
        for row in table.rows
    ]


def _share(value: float | None) -> float | None:
    return None if value is None else value / 100


LINK_COLUMN, TRACE_COLUMN = 3, 6  # "Linkage rate (%)" and "Traceability rate (%)"


def _charts(communes, categories, months, goal) -> dict:
    target_link = _("Target %(value)s", value=pct(goal["linkage"]))
    target_trace = _("Target %(value)s", value=pct(goal["traceability"]))
    return {
        "commune_linkage": charts.bar_chart(
            _points(communes, LINK_COLUMN),
            _("Linkage rate by commune"),
            _("One bar per commune; the dashed line is the target."),
            kind="commune-linkage",
            maximum=1,
            target=goal["linkage"],
            target_text=target_link,
        ),
        "commune_traceability": charts.bar_chart(
            _points(communes, TRACE_COLUMN),
            _("Traceability rate by commune"),
            _("One bar per commune; the dashed line is the target."),
            kind="commune-traceability",
            maximum=1,
            target=goal["traceability"],
            target_text=target_trace,
        ),
        "category": charts.bar_chart(
            _points(categories, TRACE_COLUMN),
            _("Traceability rate by product category"),
            _("One bar per product category."),
            kind="category",
            maximum=1,
            target=goal["traceability"],
            target_text=target_trace,
        ),
        "monthly": charts.line_chart(
            [_month(row[0]) for row in months.rows],
            [
                charts.Series(
                    _("Linkage rate"),
                    "series-linkage",
                    [_share(row[LINK_COLUMN]) for row in months.rows],
                ),
                charts.Series(
                    _("Traceability rate"),
                    "series-traceability",
                    [_share(row[TRACE_COLUMN]) for row in months.rows],
                ),
            ],
            _("Both rates over the last 24 months"),
            _(
                "The linkage rate at the end of each month and the traceability rate of each "
                "month's batches; dashed lines are the targets."
            ),
            fmt=pct,
            targets=[(goal["linkage"], target_link), (goal["traceability"], target_trace)],
        ),
    }


def _month(key: str) -> str:
    """ "2026-11" as "11/26" (short enough for an axis on a phone)."""
    year, month = key.split("-")
    return f"{month}/{year[2:]}"


@bp.get("/tables/<name>.<fmt>", endpoint="table_export")
def table_export(name: str, fmt: str):
    """One of the dashboard's tables as CSV or XLSX, for the same filter as the page."""
    if name not in EXPORTABLE or fmt not in ("csv", "xlsx"):
        abort(404)
    query, raw, errors = filters()
    args = filter_args(raw) if not errors else {}
    if name == "registry":
        table = tables.registry(query)[0]
    elif name == "monthly":
        table = tables.monthly(query)
    else:
        table = (tables.by_commune if name == "by-commune" else tables.by_category)(query, args)
    return export(fmt, f"indicators-{name}", table.header, table.rows, table.title)
