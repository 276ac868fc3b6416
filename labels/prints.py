"""Print jobs: printing a lot's labels is recorded, and the first print issues its label.

Rendering a label (``labels.label_png``, ``labels_pdf``…) changes nothing; a print job
does. ``print_labels`` checks the sheet exactly as its PDF would be made, records who
printed which labels on which stock, and — the first time the lot's own organization
prints — sets ``Batch.label_issued_at``, the checklist's "QR label issued". The job's
PDF can be downloaded again (``print_pdf``) with the same labels. Services flush; the
caller commits.
"""

from flask_babel import gettext as _
from sqlalchemy import Select, select

import labels
from core.db import utcnow
from core.errors import NotFound
from core.extensions import db
from labels.models import LabelPrint, PrintKind
from registry.models import User
from registry.services.scoping import require_own_org, sees_everything
from trace.models import Batch
from trace.services.batches import get_batch


def print_labels(
    user: User,
    batch_id: int,
    layout: str,
    units: str | None = None,
    copies: int | None = None,
    id_range: tuple[int, int] | None = None,
) -> tuple[LabelPrint, labels.Sheet]:
    """Record a print job of the caller's own lot: ``copies`` of its label (one sheet by
    default) or, with ``units="all"``, one label per unit code (those in ``id_range`` when
    given). Returns the job and its checked sheet, ready for ``labels.render_sheet``."""
    batch = get_batch(user, batch_id)
    require_own_org(user, batch.organization_id)
    sheet = labels.sheet(user, batch.id, layout, units, copies, id_range)
    first, last = sheet.unit_range or (None, None)
    job = LabelPrint(
        batch_id=batch.id,
        printed_by_id=user.id,
        layout=layout,
        kind=PrintKind.BATCH if sheet.items is None else PrintKind.UNITS,
        labels=sheet.labels,
        first_unit_id=first,
        last_unit_id=last,
        issued_label=_issue(batch),
    )
    db.session.add(job)
    db.session.flush()
    return job, sheet


def _issue(batch: Batch) -> bool:
    """Set the lot's ``label_issued_at`` unless an earlier print did; True when this one did."""
    # Locked (PostgreSQL), so of two first prints at once only one issues the label.
    db.session.refresh(batch, attribute_names=["label_issued_at"], with_for_update=True)
    if batch.label_issued_at is not None:
        return False
    batch.label_issued_at = utcnow()
    return True


def prints_query(user: User, batch_id: int) -> Select:
    """The print jobs of a lot, newest first: for its organization and the department."""
    batch = _visible_batch(user, batch_id)
    return select(LabelPrint).where(LabelPrint.batch_id == batch.id).order_by(LabelPrint.id.desc())


def get_print(user: User, batch_id: int, print_id: int) -> LabelPrint:
    """One print job of a lot the caller may see the jobs of, or 404."""
    batch = _visible_batch(user, batch_id)
    job = db.session.scalar(
        select(LabelPrint).where(LabelPrint.id == print_id, LabelPrint.batch_id == batch.id)
    )
    if job is None:
        raise NotFound(_("No such print job for this batch."))
    return job


def print_pdf(user: User, batch_id: int, print_id: int) -> bytes:
    """The PDF of a print job again, with the labels it printed (records nothing)."""
    job = get_print(user, batch_id, print_id)
    if job.kind == PrintKind.BATCH:
        return labels.labels_pdf(user, batch_id, job.layout, copies=job.labels)
    unit_range = (job.first_unit_id, job.last_unit_id)
    return labels.labels_pdf(user, batch_id, job.layout, units="all", id_range=unit_range)


def _visible_batch(user: User, batch_id: int) -> Batch:
    batch = get_batch(user, batch_id)
    if user.organization_id != batch.organization_id and not sees_everything(user):
        raise NotFound(_("No such batch."))  # a buyer sees the lot, not its print jobs
    return batch
