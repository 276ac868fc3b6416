"""Indicator services: the linkage and traceability rates (DESIGN.md section 8), in SQL.

The public interface the API, the dashboard and the reports build on:

- ``query``: ``IndicatorQuery``, ``parse_query``, ``scoped_query``, ``targets``, ``GROUP_BYS``;
- ``rates``: ``linkage_rate``, ``traceability_rate``, ``monthly_series`` and their row types;
- ``drilldown``: the lists behind each number (``unlinked_cooperatives``, ``linked_cooperatives``,
  ``untraced_products``, ``untraced_batches``) and ``page``;
- ``figures``: ``organization_figures`` (a cooperative's or enterprise's own view) and
  ``registry_figures`` (organizations and members by commune, ratings);
- ``open_data``: the public aggregate (province and communes, no names).
"""

from indicators.services.drilldown import (
    Page,
    all_rows,
    linked_cooperatives,
    page,
    unlinked_cooperatives,
    untraced_batches,
    untraced_products,
)
from indicators.services.figures import organization_figures, registry_figures
from indicators.services.open_data import open_data
from indicators.services.query import (
    GROUP_BYS,
    IndicatorQuery,
    local_today,
    parse_group_by,
    parse_query,
    scoped_query,
    targets,
)
from indicators.services.rates import (
    LinkageRow,
    TraceabilityRow,
    definitions,
    linkage_rate,
    monthly_series,
    traceability_rate,
)

__all__ = [
    "GROUP_BYS",
    "Page",
    "all_rows",
    "definitions",
    "local_today",
    "parse_group_by",
    "IndicatorQuery",
    "LinkageRow",
    "TraceabilityRow",
    "linkage_rate",
    "linked_cooperatives",
    "monthly_series",
    "open_data",
    "organization_figures",
    "page",
    "parse_query",
    "registry_figures",
    "scoped_query",
    "targets",
    "traceability_rate",
    "unlinked_cooperatives",
    "untraced_batches",
    "untraced_products",
]
