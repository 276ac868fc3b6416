"""The recall report: the recalled lot, its forward trace, each recipient with the quantities it
received, and when its notices went out and it acknowledged — as PDF (reportlab, DejaVu font
for Vietnamese) or XLSX (``core.exports``, with extra sheets for the recall and the lots)."""

import io
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.exports import XLSX_MIMETYPE, safe_cell, to_xlsx
from labels.fonts import FILES, FONT_DIR, clean
from recall import names as labels
from recall.models import NoticeStatus, Recall, RecallRecipient

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
FORMATS = ("pdf", "xlsx")
FONT, FONT_BOLD = "RecallSans", "RecallSans-Bold"
SHORT = 12  # characters that fit the narrowest column at 7.5 pt
RECIPIENT_WIDTHS = [w * mm for w in (32, 24, 19, 29, 24, 14, 12, 20, 20, 17, 20, 26, 16)]


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(VIETNAM).strftime("%Y-%m-%d %H:%M")


def summary(recall: Recall) -> list[tuple[str, str]]:
    """The recall's key facts, as (label, value) pairs."""
    return [
        (_("Recall"), f"#{recall.id}"),
        (_("Lot"), recall.batch.lot_code),
        (_("Product"), recall.batch.product.name),
        (_("Producer"), recall.organization.name),
        (_("Reason"), recall.reason),
        (_("Severity"), str(labels.SEVERITY_LABELS[recall.severity.value])),
        (_("Opened at"), _when(recall.opened_at)),
        (_("Opened by"), recall.opened_by.full_name),
        (_("Deadline (24 hours)"), _when(recall.deadline_at)),
        (_("Status"), str(labels.STATUS_LABELS[recall.status.value])),
        (_("Closed at"), _when(recall.closed_at)),
        (_("Outcome"), str(labels.OUTCOME_LABELS[recall.outcome.value]) if recall.outcome else ""),
        (_("Outcome note"), recall.outcome_note or ""),
    ]


def lot_header() -> list[str]:
    """Columns of the affected lots table."""
    return [_("Depth"), _("Lot"), _("Product"), _("Held by"), _("Held when recalled"), _("Unit")]


def lot_rows(recall: Recall) -> list[list]:
    """One row per lot the recall reaches, the recalled lot first."""
    return [
        [
            row.depth,
            row.batch.lot_code,
            row.batch.product.name,
            row.organization.name,
            float(row.quantity),
            row.unit.value,
        ]
        for row in recall.batches
    ]


def recipient_header() -> list[str]:
    """Columns of the recipients table."""
    return [
        _("Recipient"),
        _("Contact"),
        _("Phone"),
        _("E-mail"),
        _("Lot received"),
        _("Quantity"),
        _("Unit"),
        _("Shipped at"),
        _("Notice sent at"),
        _("Notice status"),
        _("Acknowledged at"),
        _("Acknowledged by"),
        _("Acknowledged via"),
    ]


def _notice_cells(recipient: RecallRecipient) -> list[str]:
    sent = [n.sent_at for n in recipient.notices if n.status == NoticeStatus.SENT]
    statuses = sorted({str(labels.NOTICE_LABELS[n.status.value]) for n in recipient.notices})
    return [_when(min(sent)) if sent else "", ", ".join(statuses) or _("No e-mail address")]


def _recipient_cells(recipient: RecallRecipient) -> tuple[list, list]:
    head = [
        recipient.organization.name,
        recipient.contact_name or "",
        recipient.contact_phone or "",
        recipient.contact_email or "",
    ]
    tail = _notice_cells(recipient) + [
        _when(recipient.acknowledged_at),
        recipient.acknowledged_by_name or "",
        str(labels.CHANNEL_LABELS[recipient.acknowledged_via.value])
        if recipient.acknowledged_via
        else "",
    ]
    return head, tail


def _received_cells(item: dict | None) -> list:
    if item is None:
        return ["", "", "", ""]
    return [item["lot_code"], item["quantity"], item["unit"], _iso_local(item["shipped_at"])]


def recipient_rows(recall: Recall) -> list[list]:
    """One row per shipment line a recipient received (one row if it only holds lots)."""
    rows = []
    for recipient in recall.recipients:
        head, tail = _recipient_cells(recipient)
        for item in recipient.received or [None]:
            rows.append(head + _received_cells(item) + tail)
    return rows


def recipient_rows_grouped(recall: Recall) -> list[list]:
    """One row per recipient, what it received listed line by line in the same cells."""
    rows = []
    for recipient in recall.recipients:
        head, tail = _recipient_cells(recipient)
        columns = zip(*(_received_cells(i) for i in recipient.received or [None]), strict=True)
        rows.append(head + ["\n".join(str(v) for v in column) for column in columns] + tail)
    return rows


def _iso_local(text: str) -> str:
    return _when(datetime.fromisoformat(text))


def to_report_xlsx(recall: Recall) -> bytes:
    """The report as XLSX: recipients (sortable), then the recall's facts and the lots."""
    content = to_xlsx(recipient_header(), recipient_rows(recall), title=_("Recipients"))
    book = load_workbook(io.BytesIO(content))
    facts = book.create_sheet(_("Recall"), 0)
    for label, value in summary(recall):
        facts.append([label, safe_cell(value)])
        facts.cell(facts.max_row, 1).font = Font(bold=True)
    facts.column_dimensions["A"].width, facts.column_dimensions["B"].width = 24, 80
    lots = book.create_sheet(_("Lots"))
    lots.append(lot_header())
    for cell in lots[1]:
        cell.font = Font(bold=True)
    for row in lot_rows(recall):
        lots.append([safe_cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@cache
def _fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_DIR / FILES[False])))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(FONT_DIR / FILES[True])))


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=15, leading=19),
        "h2": ParagraphStyle("h2", fontName=FONT_BOLD, fontSize=11, leading=15, spaceBefore=8),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9.5),
        "head": ParagraphStyle("head", fontName=FONT_BOLD, fontSize=7.5, leading=9.5),
    }


def _para(value, style) -> Paragraph:
    text = clean("" if value is None else str(value))
    return Paragraph(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"), style)


def _cell(value, style):
    # A Paragraph wraps but costs ~10x a plain string: only text that may not fit gets one.
    text = "" if value is None else str(value)
    if "\n" in text:  # a list, one short item a line: reportlab breaks plain strings at \n
        return "\n".join(clean(line) for line in text.split("\n"))
    text = clean(text)
    return text if len(text) <= SHORT else _para(text, style)


def _table(header, rows, styles, widths=None) -> Table:
    data = [[_para(h, styles["head"]) for h in header]]
    data += [[_cell(v, styles["cell"]) for v in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 1), (-1, -1), FONT, 7.5, 9.5),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _facts_table(facts, styles) -> Table:
    data = [[_para(label, styles["head"]), _para(value, styles["cell"])] for label, value in facts]
    table = Table(data, colWidths=[45 * mm, 220 * mm])
    table.setStyle(
        TableStyle(
            [("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
        )
    )
    return table


def to_report_pdf(recall: Recall) -> bytes:
    """The report as an A4 landscape PDF with a font that has every Vietnamese letter."""
    _fonts()
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=clean(_("Recall report: lot %(lot)s", lot=recall.batch.lot_code)),
    )
    story = [
        _para(_("Recall report: lot %(lot)s", lot=recall.batch.lot_code), styles["title"]),
        Spacer(1, 4 * mm),
        _facts_table(summary(recall), styles),
        _para(_("Lots reached by the recall (forward trace)"), styles["h2"]),
        _table(lot_header(), lot_rows(recall), styles, [w * mm for w in (14, 40, 80, 80, 25, 15)]),
        _para(_("Recipients, quantities, notices and acknowledgements"), styles["h2"]),
        _table(recipient_header(), recipient_rows_grouped(recall), styles, RECIPIENT_WIDTHS),
    ]
    doc.build(story)
    return buffer.getvalue()


def report_file(recall: Recall, fmt: str) -> tuple[bytes, str, str]:
    """(content, mimetype, filename) of the report in ``fmt`` ("pdf" or "xlsx")."""
    name = f"recall-{recall.id}-{recall.batch.lot_code}"
    if fmt == "pdf":
        return to_report_pdf(recall), "application/pdf", f"{name}.pdf"
    return to_report_xlsx(recall), XLSX_MIMETYPE, f"{name}.xlsx"
