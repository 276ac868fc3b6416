"""The printable periodic report (PDF) to the province and the ministry, in Vietnamese.

The report is an official document addressed to Vietnamese authorities, so its
text is Vietnamese whatever language the person printing it reads the site in
(its wording is therefore written here, not looked up in the UI's catalogue).
It holds the two indicators against their targets, their monthly trend (a chart
and a table), the table by commune and the linked cooperatives with their
enterprise partners. The font is DejaVu Sans Condensed from static/fonts, the
one the labels use, embedded so every Vietnamese letter prints.
"""

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from babel.numbers import format_decimal, format_percent
from reportlab.graphics.shapes import Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.clock import vn_today

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT, BOLD = "DejaVuSansCondensed", "DejaVuSansCondensed-Bold"
GREEN, BLUE = colors.HexColor("#1f6f43"), colors.HexColor("#175cd3")

TITLE = "BÁO CÁO CHỈ TIÊU TRUY XUẤT NGUỒN GỐC VÀ LIÊN KẾT CHUỖI GIÁ TRỊ"
HEADINGS = {
    "indicators": "1. Hai chỉ tiêu so với mục tiêu",
    "trend": "2. Diễn biến theo tháng",
    "communes": "3. Chỉ tiêu theo xã, phường",
    "linked": "4. Danh sách hợp tác xã đã liên kết và doanh nghiệp đối tác",
    "definitions": "Cách tính",
}
DEFINITIONS = (
    "Tỷ lệ liên kết (mục tiêu e): số hợp tác xã nông nghiệp đang hoạt động có ít nhất một hợp "
    "đồng liên kết với doanh nghiệp đã được các bên ký và còn hiệu lực tại ngày báo cáo, chia "
    "cho số hợp tác xã nông nghiệp đang hoạt động tại ngày đó. Tổ hợp tác và liên hiệp hợp tác "
    "xã được nêu riêng, không tính vào tỷ lệ.",
    "Tỷ lệ truy xuất nguồn gốc (mục tiêu đ): số sản phẩm nông nghiệp của các hợp tác xã có ít "
    "nhất một lô trong kỳ và mọi lô trong kỳ đều đủ dữ liệu truy xuất (Nghị định 37/2026/NĐ-CP "
    "Điều 23.5), chia cho tổng số sản phẩm nông nghiệp đang hoạt động của các hợp tác xã đó. "
    "Kèm theo: số lô đã truy xuất trên tổng số lô, khối lượng đã truy xuất trên tổng khối lượng.",
)


@dataclass
class Headline:
    """One indicator's line: name, rate, target, and the counts behind the rate."""

    name: str
    rate: float | None
    target: float
    detail: str


@dataclass
class ReportData:
    """Everything the report prints, already computed (the view gathers it)."""

    area: str
    day: date
    period: tuple[date, date]
    category: str | None
    headlines: list[Headline]
    months: list[tuple[str, float | None, float | None]]  # (YYYY-MM, linkage, traceability)
    communes: list[Sequence] = field(default_factory=list)
    linked: list[Sequence] = field(default_factory=list)  # (name, commune, contracts, partners)


def pct(value: float | None) -> str:
    """A share in Vietnamese notation (``42,9 %``); "—" when undefined."""
    return "—" if value is None else format_percent(value, format="#,##0.0%", locale="vi")


def num(value) -> str:
    """A number in Vietnamese notation (``1.234,5``); "—" when undefined."""
    return "—" if value is None else format_decimal(value, format="#,##0.###", locale="vi")


def vn_date(day: date) -> str:
    """A date as 27/11/2026."""
    return day.strftime("%d/%m/%Y")


@cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / "DejaVuSansCondensed.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSansCondensed-Bold.ttf")))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
        "title": ParagraphStyle(
            "title", parent=base, fontName=BOLD, fontSize=14, leading=18, alignment=1
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=BOLD,
            fontSize=11.5,
            leading=15,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=1,
            textColor=GREEN,
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(unicodedata.normalize("NFC", str(text))), style)


def build_pdf(data: ReportData) -> bytes:
    """The report as PDF bytes (A4 portrait, page numbers in the footer)."""
    _fonts()
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=TITLE,
        author="Sở Nông nghiệp và Môi trường",
    )
    story = [_p(TITLE, styles["title"]), Spacer(1, 2 * mm)]
    start, end = data.period
    scope = f"Địa bàn: {data.area}" + (
        f" · Nhóm sản phẩm: {data.category}" if data.category else ""
    )
    story += [
        _p(scope, styles["base"]),
        _p(
            f"Liên kết tính tại ngày {vn_date(data.day)}; lô hàng từ {vn_date(start)} "
            f"đến {vn_date(end)}. Lập ngày {vn_date(vn_today())}.",
            styles["base"],
        ),
        _p(HEADINGS["indicators"], styles["h2"]),
        _table(
            [["Chỉ tiêu", "Kết quả", "Mục tiêu", "Số liệu"]]
            + [[h.name, pct(h.rate), pct(h.target), h.detail] for h in data.headlines],
            styles,
            widths=(50, 22, 22, 86),
        ),
        _p(HEADINGS["definitions"], styles["h2"]),
        *[_p(text, styles["small"]) for text in DEFINITIONS],
        _p(HEADINGS["trend"], styles["h2"]),
        _trend_chart(data.months),
        _table(
            [["Tháng", "Tỷ lệ liên kết", "Tỷ lệ truy xuất"]]
            + [[_month(key), pct(link), pct(trace)] for key, link, trace in data.months[-12:]],
            styles,
            widths=(30, 40, 40),
        ),
        _p(HEADINGS["communes"], styles["h2"]),
        _table(
            [
                [
                    "Xã, phường",
                    "HTX",
                    "Đã liên kết",
                    "Tỷ lệ LK",
                    "Sản phẩm",
                    "Đã truy xuất",
                    "Tỷ lệ TX",
                    "Lô đã TX / lô",
                ]
            ]
            + [list(row) for row in data.communes]
            or [["—"] * 8],
            styles,
            widths=(44, 14, 18, 18, 18, 20, 18, 30),
        ),
        _p(HEADINGS["linked"], styles["h2"]),
        _table(
            [["Hợp tác xã", "Xã, phường", "Hợp đồng", "Doanh nghiệp đối tác"]]
            + (
                [list(row) for row in data.linked]
                or [["Chưa có hợp tác xã nào liên kết.", "", "", ""]]
            ),
            styles,
            widths=(55, 40, 18, 67),
        ),
    ]
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()


def _month(key: str) -> str:
    year, month = key.split("-")
    return f"{month}/{year}"


def _table(rows: list[list], styles, widths: Sequence[float]) -> Table:
    cells = [
        [_p(value if isinstance(value, str) else num(value), styles["cell"]) for value in row]
        for row in rows
    ]
    table = Table(cells, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b9c4be")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef3f0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def _trend_chart(months) -> Drawing:
    """Both rates over the months as two lines on a 0–100 % scale, the legend above."""
    width, height, left, bottom = 170 * mm, 60 * mm, 12 * mm, 8 * mm
    plot_w, plot_h = width - left - 6 * mm, height - bottom - 12 * mm
    drawing = Drawing(width, height)
    for tick in (0, 0.5, 1):
        y = bottom + plot_h * tick
        drawing.add(Line(left, y, left + plot_w, y, strokeColor=colors.HexColor("#d8dfdb")))
        drawing.add(String(0, y - 3, f"{round(tick * 100)}%", fontName=FONT, fontSize=7))
    step = plot_w / max(len(months) - 1, 1)
    for index, (key, *_rates) in enumerate(months):
        if index % 3 == (len(months) - 1) % 3:
            year, month = key.split("-")
            x = left + index * step - 6
            drawing.add(String(x, 0, f"{month}/{year[2:]}", fontName=FONT, fontSize=6.5))
    series = ((1, BLUE, "Tỷ lệ liên kết"), (2, GREEN, "Tỷ lệ truy xuất"))
    for number, (column, color, label) in enumerate(series):
        points = []
        for index, row in enumerate(months):
            if row[column] is not None:
                points += [left + index * step, bottom + plot_h * min(max(row[column], 0), 1)]
        if len(points) >= 4:
            drawing.add(PolyLine(points, strokeColor=color, strokeWidth=1.5))
        x, y = left + number * 45 * mm, height - 4 * mm
        drawing.add(Line(x, y, x + 10, y, strokeColor=color, strokeWidth=2))
        drawing.add(String(x + 13, y - 2.5, label, fontName=FONT, fontSize=7.5))
    return drawing


def _footer(canvas, doc) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 8)
    canvas.setFillColor(colors.HexColor("#5b6660"))
    canvas.drawRightString(A4[0] - 15 * mm, 8 * mm, f"Trang {doc.page}")
    canvas.drawString(15 * mm, 8 * mm, "Hệ thống truy xuất nguồn gốc và liên kết hợp tác xã")
    canvas.restoreState()
