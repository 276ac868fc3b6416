"""The department's home: both targets of plan 1003/KH-UBND today, and the communes
furthest from them."""

from dataclasses import dataclass

from indicators.services.query import IndicatorQuery, targets
from indicators.services.rates import linkage_rate, traceability_rate

WEAKEST = 5  # communes listed under each target


@dataclass
class TargetSummary:
    """One target: the province's rate, the target, and the weakest communes (code, name,
    rate, numerator, denominator), lowest rate first."""

    key: str
    rate: float | None
    target: float
    numerator: int
    denominator: int
    weakest: list


def targets_summary(weakest: int = WEAKEST) -> list[TargetSummary]:
    """Linkage and traceability as of today, each with its weakest communes (four
    aggregate queries: a total and a by-commune table per target)."""
    query, goal = IndicatorQuery(), targets()
    result = []
    for key, rate_of in (("linkage", linkage_rate), ("traceability", traceability_rate)):
        total = rate_of(query)[0]
        # A commune with nothing to count (rate None) is not "weak"; it is left out.
        communes = sorted(
            (row for row in rate_of(query, "commune") if row.rate is not None),
            key=lambda row: (row.rate, -row.denominator, row.label),
        )
        result.append(
            TargetSummary(
                key,
                total.rate,
                goal[key],
                total.numerator,
                total.denominator,
                [row for row in communes if row.rate < goal[key]][:weakest],
            )
        )
    return result
