"""HTML views of a batch's QR labels: print labels, preview one, list the print jobs.

The cooperative that owns a batch prints its labels here: a layout from the
list, then either sheets of the batch's own label or per-item codes (N unit
codes made, then one PDF of exactly those). Printing is a POST that records a
print job (the lot's first issues its label) and answers with its PDF; the page
lists the jobs, each PDF downloadable again. A batch that is not complete gets
no label: the page names what is missing instead.

(``trace.names`` holds the display names of codes, hence this name.)
"""

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

import labels
from core.errors import Forbidden
from core.extensions import db
from core.numbers import number
from labels import prints
from labels.models import LabelPrint
from registry.views.common import FIELD_ERRORS, form_number, form_text, refusal
from trace.models import Batch, UnitCode
from trace.services.batches import get_batch
from trace.views.common import require_recorder, trace_blueprint

bp = trace_blueprint("labels", __name__)

MODES = ("batch", "units", "existing")
PRINTS_SHOWN = 20  # the latest print jobs listed on the page


def _own_batch(batch_id: int) -> Batch:
    """The batch, if it belongs to the user's cooperative (others: 404 or 403)."""
    require_recorder()
    batch = get_batch(current_user, batch_id)
    if batch.organization_id != current_user.organization_id:
        raise Forbidden(_("Only the cooperative that made this batch prints its labels."))
    return batch


@bp.get("/batches/<int:batch_id>/labels", endpoint="batch_labels")
def batch_labels(batch_id: int):
    """The "Print labels" page: layout, batch label or item codes, preview; or what is missing."""
    batch = _own_batch(batch_id)
    return _page(batch, {"layout": labels.DEFAULT_SINGLE, "mode": "batch"}, {})


@bp.post("/batches/<int:batch_id>/labels", endpoint="batch_labels_print")
def batch_labels_print(batch_id: int):
    """Print: record a print job (batch labels, N new unit codes' labels, or the existing
    units') and answer with its PDF."""
    batch = _own_batch(batch_id)
    values = {name: form_text(name) for name in ("layout", "mode")}
    values.update({name: form_number(name) for name in ("copies", "count")})
    errors, status = _checked(values), 422
    if not errors:
        try:
            job, sheet = _print(batch, values)
        except FIELD_ERRORS as exc:
            errors, status = refusal(exc), exc.status
        else:
            data = labels.render_sheet(sheet)
            db.session.commit()
            return _download(data, _file_name(batch, values, job.id))
    return _page(get_batch(current_user, batch_id), values, errors), status


@bp.get("/batches/<int:batch_id>/label-prints/<int:print_id>.pdf", endpoint="label_print_pdf")
def label_print_pdf(batch_id: int, print_id: int):
    """A print job's PDF again, with the labels it printed (records nothing)."""
    batch = _own_batch(batch_id)
    data = prints.print_pdf(current_user, batch.id, print_id)
    return _download(data, f"nhan-lo-{batch.id}-in-{print_id}.pdf")


@bp.get("/batches/<int:batch_id>/labels/preview.png", endpoint="batch_label_preview")
def batch_label_preview(batch_id: int):
    """A preview of the batch's label on a layout (does not count as issuing the label)."""
    batch = _own_batch(batch_id)
    layout = request.args.get("layout", labels.DEFAULT_SINGLE)
    if layout not in labels.LAYOUTS:
        layout = labels.DEFAULT_SINGLE
    data = labels.label_png(current_user, batch.id, layout=layout, dpi=150)
    return Response(data, mimetype="image/png", headers={"Cache-Control": "private, no-store"})


def _checked(values: dict) -> dict[str, list[str]]:
    """Form-level checks the services do not make: the mode, and whole numbers."""
    errors: dict[str, list[str]] = {}
    if values["layout"] not in labels.LAYOUTS:
        errors["layout"] = [_("Choose a label layout from the list.")]
    if values["mode"] not in MODES:
        errors["mode"] = [_("Choose what to print.")]
    field = {"batch": "copies", "units": "count"}.get(values["mode"])
    raw = values.get(field) if field else None
    if raw is not None and not raw.isdigit():
        errors[field] = [_("Enter a whole number, like %(example)s.", example=number(12))]
    elif field == "count" and raw is None:
        errors["count"] = [_("How many items should get their own code?")]
    return errors


def _print(batch: Batch, values: dict):
    layout, mode = values["layout"], values["mode"]
    if mode == "batch":
        copies = int(values["copies"]) if values["copies"] else None
        return prints.print_labels(current_user, batch.id, layout, copies=copies)
    if mode == "units":
        minted = labels.mint_units(current_user, batch.id, int(values["count"]))
        made = (min(unit.id for unit in minted), max(unit.id for unit in minted))
        return prints.print_labels(current_user, batch.id, layout, units="all", id_range=made)
    return prints.print_labels(current_user, batch.id, layout, units="all")


def _file_name(batch: Batch, values: dict, print_id: int) -> str:
    kind = {"batch": "lo", "units": "san-pham", "existing": "san-pham"}[values["mode"]]
    return f"nhan-{kind}-{batch.id}-{values['layout']}-in-{print_id}.pdf"


def _download(data: bytes, filename: str) -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


def _page(batch: Batch, values: dict, errors: dict):
    units = db.session.scalar(select(func.count(UnitCode.id)).where(UnitCode.batch_id == batch.id))
    jobs = db.session.scalars(
        prints.prints_query(current_user, batch.id)
        .options(joinedload(LabelPrint.printed_by))
        .limit(PRINTS_SHOWN)
    )
    return render_template(
        "trace/batch_labels.html",
        batch=batch,
        problems=labels.label_problems(batch),
        layouts=list(labels.LAYOUTS.values()),
        values=values,
        errors=errors,
        units=units,
        max_units=labels.MAX_UNITS,
        max_copies=labels.MAX_COPIES,
        prints=list(jobs),
        layout_titles={key: layout.name() for key, layout in labels.LAYOUTS.items()},
    )
