"""The public aggregate: both rates for the province and each of its communes, no names."""

from datetime import date

from flask import current_app

from indicators.services.query import IndicatorQuery, local_today, resolve_unit, targets
from indicators.services.rates import (
    LinkageRow,
    TraceabilityRow,
    definitions,
    linkage_rate,
    traceability_rate,
)


def _linkage(row: LinkageRow | None) -> dict:
    if row is None:
        return {"numerator": 0, "denominator": 0, "rate": None}
    return {
        "numerator": row.numerator,
        "denominator": row.denominator,
        "rate": row.rate,
        "groups": row.groups,
        "groups_linked": row.groups_linked,
        "unions": row.unions,
        "unions_linked": row.unions_linked,
    }


def _traceability(row: TraceabilityRow | None) -> dict:
    if row is None:
        return {"numerator": 0, "denominator": 0, "rate": None}
    return {
        "numerator": row.numerator,
        "denominator": row.denominator,
        "rate": row.rate,
        "batches": row.batches,
        "traced_batches": row.traced_batches,
        "batch_rate": row.batch_rate,
        "quantity_kg": row.quantity_kg,
        "traced_quantity_kg": row.traced_quantity_kg,
        "quantity_rate": row.quantity_rate,
    }


def open_data(as_of: date | None = None) -> dict:
    """Province-level and commune-level aggregates only (no people, no contract terms).

    ``{"as_of": "YYYY-MM-DD", "period": {"from", "to"}, "targets": {...},
    "definitions": {"linkage": str, "traceability": str}, "province": {"code", "name",
    "linkage": {...}, "traceability": {...}}, "communes": [{"code", "name", "linkage",
    "traceability"}...]}`` where each rate is numerator, denominator, rate (and beside it
    the groups and unions, or the batch and quantity shares). Four SQL statements.
    """
    province = resolve_unit(current_app.config["PROVINCE_CODE"])
    query = IndicatorQuery(as_of=as_of or local_today(), admin_unit=province.code)
    start, end = query.period
    links = {row.key: row for row in linkage_rate(query, "commune")}
    traces = {row.key: row for row in traceability_rate(query, "commune")}
    names = {row.key: row.label for row in [*links.values(), *traces.values()]}
    return {
        "as_of": query.day.isoformat(),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "targets": targets(),
        "definitions": definitions(),
        "province": {
            "code": province.code,
            "name": province.full_name,
            "linkage": _linkage(linkage_rate(query)[0]),
            "traceability": _traceability(traceability_rate(query)[0]),
        },
        "communes": [
            {
                "code": code,
                "name": names[code],
                "linkage": _linkage(links.get(code)),
                "traceability": _traceability(traces.get(code)),
            }
            for code in sorted(names)
        ],
    }
