"""Deforestation checks made elsewhere, recorded here: the results file of a checking tool
(CSV keyed by plot id), imported all or nothing with a report per row. No network call: the
plots go out as GeoJSON (``transfer.export_plots``), the results come back as this file.

Columns (header row; Vietnamese or English names): ``plot_id``, ``passed`` (yes/no,
true/false, 1/0, có/không, đạt/không đạt), and optionally ``note``. The tool's name and the
check date are given once for the whole file.
"""

import csv
import io
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from core.extensions import db
from core.text import fold
from eudr.models import Plot, PlotCheck
from eudr.services.transfer import FeatureError, PlotImportReport
from registry.models import User
from registry.services.scoping import require_own_org, scope_to_caller

HEADERS = {
    "plot_id": ("plot_id", "plot", "ma thua", "id"),
    "passed": ("passed", "result", "ket qua", "dat"),
    "note": ("note", "ghi chu"),
}
YES = {"yes", "true", "1", "pass", "passed", "co", "dat"}
NO = {"no", "false", "0", "fail", "failed", "khong", "khong dat"}
MAX_ROWS = 50_000


def import_checks(user: User, tool: str, checked_on: date, data: bytes) -> PlotImportReport:
    """Record a check on each plot of the file (the caller's own plots), or none."""
    require_own_org(user, user.organization_id)
    report = PlotImportReport()
    try:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error) as exc:
        report.errors.append(FeatureError(0, "file", _("Unreadable file: %(why)s", why=exc)))
        return report
    columns = _columns(rows[0] if rows else [], report)
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)][:MAX_ROWS]
    report.total = len(body)
    if report.errors:
        return report
    wanted = [_read_row(number, row, columns, report) for number, row in enumerate(body, 2)]
    own = _own_plots(user, {plot_id for plot_id, _passed, _note in wanted if plot_id})
    for number, (plot_id, _passed, _note) in enumerate(wanted, 2):
        if plot_id and plot_id not in own:
            report.errors.append(FeatureError(number, "plot_id", _("No such plot.")))
    if report.errors:
        return report
    for plot_id, passed, note in wanted:
        db.session.add(
            PlotCheck(plot_id=plot_id, tool=tool, checked_on=checked_on, passed=passed, note=note)
        )
    db.session.flush()
    report.created = len(wanted)
    return report


def _columns(header: list[str], report: PlotImportReport) -> dict[str, int]:
    names = [fold(cell).strip().replace("_", " ") for cell in header]
    found = {}
    for key, labels in HEADERS.items():
        for index, name in enumerate(names):
            if name in {label.replace("_", " ") for label in labels}:
                found[key] = index
                break
    for key in ("plot_id", "passed"):
        if key not in found:
            report.errors.append(
                FeatureError(1, key, _("The header has no %(name)s column.", name=key))
            )
    return found


def _read_row(number: int, row: list[str], columns: dict[str, int], report) -> tuple:
    def cell(key: str) -> str:
        index = columns.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    plot_id = int(cell("plot_id")) if cell("plot_id").isdigit() else None
    if plot_id is None:
        report.errors.append(FeatureError(number, "plot_id", _("A plot id is a whole number.")))
    verdict = fold(cell("passed"))
    passed = True if verdict in YES else False if verdict in NO else None
    if passed is None:
        report.errors.append(FeatureError(number, "passed", _("Write yes or no.")))
    return plot_id, passed, cell("note")[:500] or None


def _own_plots(user: User, ids: set[int]) -> set[int]:
    if not ids or user.organization_id is None:
        return set()  # the department reads plots but records no checks
    stmt = scope_to_caller(select(Plot.id), user, Plot.organization_id)
    return set(db.session.scalars(stmt.where(Plot.id.in_(ids))))
