"""HTML views: download the trace report (CSV, XLSX) and EPCIS 2.0 documents.

For one lot (links on the batch page) and for a range of whole days (``/trace/exports``).
The files are the API's (``/api/v1/trace-report``, ``/api/v1/epcis/events``), made by the
same services, which give each caller only what it may see: these views read the request
and name the field at fault, nothing more. Nothing here writes.
"""

import io
import re
from datetime import date, datetime, time, timedelta

from flask import render_template, request, send_file
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import ValidationError, fields, validate, validates_schema

from core.extensions import db
from core.validation import InputSchema
from epcis import export as epcis_export
from epcis.views.common import bp
from registry.services.organizations import organizations_query
from registry.views.common import load
from trace.services import batches
from trace.services import report as trace_report
from trace.views.common import user_zone

LD_JSON = "application/ld+json"
DEFAULT_DAYS = 30
MAX_DAYS = 366  # a year, leap day included: a sane size for a browser download
EARLIEST = date(2000, 1, 1)  # no event may be older (trace.services.events.EARLIEST)
KIND_LABELS = {
    "csv": _l("Trace report (CSV)"),
    "xlsx": _l("Trace report (XLSX)"),
    "epcis": _l("EPCIS 2.0 (JSON-LD)"),
}
# The report service's SORTS, named. Not read from SORTS: trace.services.report imports
# trace.views (for its labels), so it may be half loaded when this module is; the service
# checks the sort again, and a test keeps the two lists alike.
SORT_LABELS = {"event_time": _l("Event time"), "lot": _l("Lot"), "event_type": _l("Event type")}
FORM_FIELDS = ("from", "to", "kind", "sort", "organization_id")
CHOICE_ERROR = _l("Must be one of: {choices}.")


class ExportFormSchema(InputSchema):
    """The exports page's query: whole days in the user's time zone, a kind of file, a sort."""

    first_day = fields.Date(required=True, data_key="from")
    last_day = fields.Date(required=True, data_key="to")
    kind = fields.String(
        required=True, validate=validate.OneOf(list(KIND_LABELS), error=CHOICE_ERROR)
    )
    sort = fields.String(
        load_default="event_time",
        validate=validate.OneOf(list(SORT_LABELS), error=CHOICE_ERROR),
    )
    organization_id = fields.Integer()

    @validates_schema
    def _check_days(self, data, **kwargs):
        first, last = data["first_day"], data["last_day"]
        if first < EARLIEST:
            raise ValidationError(_("Choose a date in 2000 or later."), "from")
        if last > local_today():
            raise ValidationError(_("The date is in the future."), "to")
        if last < first:
            raise ValidationError(_("The period ends before it starts."), "to")
        if (last - first).days >= MAX_DAYS:
            raise ValidationError(
                _("At most %(days)s days at a time: choose a later start date.", days=MAX_DAYS),
                "from",
            )

    @validates_schema
    def _check_organization(self, data, **kwargs):
        # The trace report's service has no such filter; a silently ignored choice would mislead.
        if data.get("organization_id") and data["kind"] != "epcis":
            raise ValidationError(
                _("Only the EPCIS document can be narrowed to one organization."),
                "organization_id",
            )


@bp.get("/batches/<int:batch_id>/report.<any(csv, xlsx):fmt>", endpoint="batch_report")
def batch_report(batch_id: int, fmt: str):
    """The lot's trace report as a CSV or XLSX download (``?sort=`` event_time, lot, event_type)."""
    batch = batches.get_batch(current_user, batch_id)
    rows = trace_report.trace_report_rows(current_user, batch.id)
    # A bad ?sort= is refused by the service (422, naming the field) like the API's.
    stem = f"trace-report-{file_part(batch.lot_code)}"
    return report_download(rows, fmt, request.args.get("sort"), stem)


@bp.get("/batches/<int:batch_id>/epcis.jsonld", endpoint="batch_epcis")
def batch_epcis(batch_id: int):
    """The lot's events as an EPCIS 2.0 document (JSON-LD) download."""
    batch = batches.get_batch(current_user, batch_id)
    document = epcis_export.export_document(current_user, batch_id=batch.id)
    return epcis_download(document, f"epcis-{file_part(batch.lot_code)}.jsonld")


@bp.get("/exports", endpoint="exports")
def exports():
    """Trace data for a range of days: the form, and once ``kind`` is chosen, the download."""
    organizations = organization_options()
    if "kind" not in request.args:
        return _form_page(default_values(), {}, organizations)
    raw = {name: request.args.get(name) for name in FORM_FIELDS}
    if organizations is None:
        raw.pop("organization_id")  # the filter is the department's; others see theirs anyway
    values, errors = load(ExportFormSchema(), raw)
    if values is not None and not _listed(values.get("organization_id"), organizations):
        values, errors = None, {"organization_id": [_("Choose an organization from the list.")]}
    if errors:
        return _form_page(raw, errors, organizations), 422
    return range_download(values)


def range_download(values: dict):
    """The file the exports form asked for, over its days from the first to the last."""
    first, last = values["first_day"], values["last_day"]
    since, until = day_bounds(first, last)
    stem = f"{first:%Y%m%d}-{last:%Y%m%d}"
    if values["kind"] == "epcis":
        document = epcis_export.export_document(
            current_user, organization_id=values.get("organization_id"), since=since, until=until
        )
        return epcis_download(document, f"epcis-{stem}.jsonld")
    rows = trace_report.trace_report_rows(current_user, None, since, until)
    return report_download(rows, values["kind"], values["sort"], f"trace-report-{stem}")


def report_download(rows: list[dict], fmt: str, sort: str | None, stem: str):
    """The trace report's rows as a CSV or XLSX attachment named ``stem``.``fmt``."""
    data, mimetype, _name = trace_report.trace_report_file(rows, fmt, sort)
    return attachment(data, mimetype, f"{stem}.{fmt}")


def epcis_download(document: dict, filename: str):
    """An EPCISDocument as a JSON-LD attachment, written as the API writes it."""
    return attachment(epcis_export.as_json(document).encode(), LD_JSON, filename)


def attachment(data: bytes, mimetype: str, filename: str):
    """Bytes sent as a file to save, kept out of shared caches (they are private records)."""
    response = send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=filename
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of ``first`` to the start of the day after ``last``, in the user's zone."""
    zone = user_zone()
    return (
        datetime.combine(first, time.min, zone),
        datetime.combine(last + timedelta(days=1), time.min, zone),
    )


def local_today() -> date:
    """Today in the user's time zone."""
    return datetime.now(user_zone()).date()


def default_values() -> dict[str, str]:
    """The form as first shown: the trace report (CSV) of the last 30 days up to today."""
    today = local_today()
    start = today - timedelta(days=DEFAULT_DAYS - 1)
    return {"from": start.isoformat(), "to": today.isoformat(), "kind": "csv"}


def organization_options() -> list[tuple[str, str]] | None:
    """(id, name) of the organizations, for the department's EPCIS filter; None for others."""
    if not current_user.is_department:
        return None
    stmt = organizations_query(current_user)
    return [(str(org.id), org.name) for org in db.session.scalars(stmt)]


def _listed(organization_id: int | None, organizations: list[tuple[str, str]] | None) -> bool:
    return not organization_id or str(organization_id) in dict(organizations or ())


def file_part(lot_code: str) -> str:
    """A lot code made fit for a file name (CSET 82 allows / and other such characters)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", lot_code).strip("-.") or "lot"


def _form_page(raw: dict, errors: dict, organizations):
    return render_template(
        "trace/exports.html",
        raw=raw,
        errors=errors,
        kinds=[(key, str(label)) for key, label in KIND_LABELS.items()],
        sorts=[(key, str(label)) for key, label in SORT_LABELS.items()],
        organizations=organizations,
        earliest=EARLIEST.isoformat(),
        today=local_today().isoformat(),
    )
