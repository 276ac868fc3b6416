"""The printable report (PDF) for the periodic report to the province and the ministry.

Same filter as the dashboard; the numbers come from the same services and tables,
the wording from ``indicators.report`` (always Vietnamese).
"""

import io

from flask import send_file
from flask_babel import force_locale

from indicators import report
from indicators.services import (
    linkage_rate,
    linked_cooperatives,
    monthly_series,
    targets,
    traceability_rate,
)
from indicators.services.drilldown import all_rows
from indicators.views import tables
from indicators.views.common import area_name, bp, filters
from trace.names import CATEGORY_LABELS


@bp.get("/report.pdf", endpoint="report")
def report_pdf():
    """The two indicators, their trend, the table by commune and the linked cooperatives."""
    query, _raw, _errors = filters()
    with force_locale("vi"):
        data = report.ReportData(
            area=area_name(query.admin_unit),
            day=query.day,
            period=query.period,
            category=str(CATEGORY_LABELS[query.category]) if query.category else None,
            headlines=_headlines(query),
            months=_months(query),
            communes=_communes(query),
            linked=[
                (row["name"], row["commune"], row["contracts"], row["partners"] or "")
                for row in all_rows(linked_cooperatives(query))
            ],
        )
    content = report.build_pdf(data)
    name = f"bao-cao-chi-tieu-{query.day.isoformat()}.pdf"
    return send_file(
        io.BytesIO(content), mimetype="application/pdf", as_attachment=False, download_name=name
    )


def _headlines(query) -> list[report.Headline]:
    link, trace, goal = linkage_rate(query)[0], traceability_rate(query)[0], targets()
    num = report.num
    return [
        report.Headline(
            "Tỷ lệ hợp tác xã nông nghiệp liên kết với doanh nghiệp (mục tiêu e)",
            link.rate,
            goal["linkage"],
            f"{num(link.numerator)}/{num(link.denominator)} hợp tác xã; tổ hợp tác "
            f"{num(link.groups_linked)}/{num(link.groups)}; liên hiệp hợp tác xã "
            f"{num(link.unions_linked)}/{num(link.unions)}",
        ),
        report.Headline(
            "Tỷ lệ sản phẩm nông nghiệp được truy xuất nguồn gốc (mục tiêu đ)",
            trace.rate,
            goal["traceability"],
            f"{num(trace.numerator)}/{num(trace.denominator)} sản phẩm; lô đã truy xuất "
            f"{num(trace.traced_batches)}/{num(trace.batches)} ({report.pct(trace.batch_rate)}); "
            f"khối lượng {num(trace.traced_quantity_kg)}/{num(trace.quantity_kg)} kg "
            f"({report.pct(trace.quantity_rate)})",
        ),
    ]


def _months(query) -> list[tuple[str, float | None, float | None]]:
    links = monthly_series("linkage", query)
    traces = {row.key: row.rate for row in monthly_series("traceability", query)}
    return [(row.key, row.rate, traces.get(row.key)) for row in links]


def _communes(query) -> list[tuple]:
    def share(value):
        return None if value is None else value / 100

    return [
        (
            row[0],
            row[1],
            row[2],
            report.pct(share(row[3])),
            row[4],
            row[5],
            report.pct(share(row[6])),
            f"{report.num(row[8])}/{report.num(row[7])}",
        )
        for row in tables.by_commune(query, {}).rows
    ]
