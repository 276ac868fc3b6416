"""The lists behind the dashboard's numbers, one page at a time, and their downloads.

The cooperatives not yet linked (with commune, phone and products), the linked ones
(with their enterprise partners), the products not traced (and why) and the batches
not traced (with what each is missing). Each list keeps the dashboard's filter.
"""

from dataclasses import dataclass

from flask import abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from indicators import services
from indicators.services.drilldown import all_rows
from indicators.views.common import (
    PER_PAGE,
    area_name,
    bp,
    category_options,
    export,
    filter_args,
    filters,
    unit_options,
)
from indicators.views.tables import Table, kg
from trace.names import CATEGORY_LABELS, UNIT_LABELS


@dataclass(frozen=True)
class Column:
    """A column of a list: the row's key, its header, and how the page links or shows it."""

    key: str
    header: object
    numeric: bool = False
    link: str | None = None  # endpoint taking the row's id under ``link_arg``
    link_key: str = "id"
    link_arg: str = "org_id"


@dataclass(frozen=True)
class DrillList:
    """One drill-down list: its title, the service giving its select(), its columns."""

    title: object
    intro: object
    query: object  # IndicatorQuery -> select()
    columns: tuple[Column, ...]


REASONS = {
    "no_batch": _l("No batch in the period"),
    "untraced_batches": _l("Some batches lack data"),
}

LISTS = {
    "unlinked": DrillList(
        _l("Cooperatives not yet linked"),
        _l("Active agricultural cooperatives with no contract in force with an enterprise."),
        services.unlinked_cooperatives,
        (
            Column("name", _l("Cooperative"), link="registry.organization"),
            Column("commune", _l("Commune")),
            Column("phone", _l("Phone")),
            Column("products", _l("Products")),
            Column("main_products", _l("Main products (registry)")),
        ),
    ),
    "linked": DrillList(
        _l("Linked cooperatives"),
        _l("Cooperatives with a contract signed by every party and in force on the date."),
        services.linked_cooperatives,
        (
            Column("name", _l("Cooperative"), link="registry.organization"),
            Column("commune", _l("Commune")),
            Column("phone", _l("Phone")),
            Column("contracts", _l("Contracts in force"), numeric=True),
            Column("partners", _l("Enterprise partners")),
        ),
    ),
    "untraced_products": DrillList(
        _l("Products not traced"),
        _l("Active agricultural products not counted as traced in the period, and why."),
        services.untraced_products,
        (
            Column("name", _l("Product"), link="trace.product", link_arg="product_id"),
            Column("category", _l("Category")),
            Column(
                "cooperative",
                _l("Cooperative"),
                link="registry.organization",
                link_key="organization_id",
            ),
            Column("commune", _l("Commune")),
            Column("batches", _l("Batches"), numeric=True),
            Column("untraced_batches", _l("Batches not traced"), numeric=True),
            Column("reason", _l("Why")),
        ),
    ),
    "untraced_batches": DrillList(
        _l("Batches not traced"),
        _l("Batches of the period that lack some item of the traceability checklist."),
        services.untraced_batches,
        (
            Column("lot_code", _l("Lot"), link="trace.batch", link_arg="batch_id"),
            Column("product", _l("Product")),
            Column(
                "cooperative",
                _l("Cooperative"),
                link="registry.organization",
                link_key="organization_id",
            ),
            Column("commune", _l("Commune")),
            Column("day", _l("Date")),
            Column("quantity", _l("Quantity"), numeric=True),
            Column("unit", _l("Unit")),
            Column("missing", _l("Missing")),
        ),
    ),
}


def _value(column: Column, row: dict):
    value = row.get(column.key)
    if column.key == "category":
        return str(CATEGORY_LABELS.get(value, value or ""))
    if column.key == "reason":
        return str(REASONS.get(value, value or ""))
    if column.key == "unit":
        return str(UNIT_LABELS.get(value, value or ""))
    if column.key == "quantity":
        return kg(value)
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    return value


def table_of(name: str, rows: list[dict], links: bool = True) -> Table:
    """A list's rows as a Table (the page and the download share it)."""
    spec = LISTS[name]
    table = Table(
        name,
        str(spec.title),
        [str(column.header) for column in spec.columns],
        numeric=frozenset(i for i, c in enumerate(spec.columns) if c.numeric),
    )
    for row in rows:
        table.rows.append([_value(column, row) for column in spec.columns])
        table.links.append(_links(spec, row) if links else {})
    return table


def _links(spec: DrillList, row: dict) -> dict[int, str]:
    return {
        index: url_for(column.link, **{column.link_arg: row[column.link_key]})
        for index, column in enumerate(spec.columns)
        if column.link and row.get(column.link_key) is not None
    }


def _show(name: str):
    query, raw, errors = filters()
    args = filter_args(raw) if not errors else {}
    number = max(request.args.get("page", 1, type=int), 1)
    found = services.page(LISTS[name].query(query), number, PER_PAGE)
    pages = max((found.total + PER_PAGE - 1) // PER_PAGE, 1)
    return render_template(
        "indicators/drilldown.html",
        name=name,
        spec=LISTS[name],
        table=table_of(name, found.rows),
        found=found,
        pages=pages,
        raw=raw,
        args=args,
        errors=errors,
        area=area_name(query.admin_unit),
        units=unit_options(),
        category_choices=category_options(),
    )


def _download(name: str, fmt: str):
    if fmt not in ("csv", "xlsx"):
        abort(404)
    query, _raw, _errors = filters()
    table = table_of(name, all_rows(LISTS[name].query(query)), links=False)
    return export(
        fmt, f"indicators-{name.replace('_', '-')}", table.header, table.rows, table.title
    )


@bp.get("/unlinked", endpoint="unlinked")
def unlinked():
    """The cooperatives not yet linked with an enterprise."""
    return _show("unlinked")


@bp.get("/linked", endpoint="linked")
def linked():
    """The linked cooperatives and their enterprise partners."""
    return _show("linked")


@bp.get("/untraced-products", endpoint="untraced_products")
def untraced_products():
    """The products not counted as traced, and why."""
    return _show("untraced_products")


@bp.get("/untraced-batches", endpoint="untraced_batches")
def untraced_batches():
    """The batches not traced, with what each is missing."""
    return _show("untraced_batches")


@bp.get("/lists/<name>.<fmt>", endpoint="list_export")
def list_export(name: str, fmt: str):
    """A drill-down list as CSV or XLSX (every row, same filter as the page)."""
    if name not in LISTS:
        abort(404)
    return _download(name, fmt)
