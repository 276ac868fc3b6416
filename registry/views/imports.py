"""HTML views that import organizations or member households from a CSV or XLSX file.

An import is all or nothing: the service checks every row and flushes; this view
commits only when the report has no error, and otherwise shows the report row by row.
"""

from io import BytesIO

from flask import render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user

from core.extensions import db
from registry.services import imports, members
from registry.services.scoping import require_department
from registry.views.common import FIELD_ERRORS, done, refusal
from registry.views.organizations import bp


@bp.route("/organizations/import", methods=["GET", "POST"], endpoint="import_organizations")
def import_organizations():
    """Import organizations from a spreadsheet (department)."""
    require_department(current_user)
    if request.method == "GET":
        return _import_page("organizations", None)
    return _run_import(
        "organizations",
        None,
        lambda name, data: imports.import_organizations(current_user, name, data),
        url_for(".organizations"),
    )


@bp.route("/organizations/<int:org_id>/members/import", methods=["GET", "POST"])
def import_members(org_id: int):
    """Import a cooperative's member households from a spreadsheet."""
    org = members.member_org(current_user, org_id)
    if request.method == "GET":
        return _import_page("members", org)
    return _run_import(
        "members",
        org,
        lambda name, data: imports.import_members(current_user, org.id, name, data),
        url_for(".members", org_id=org.id),
    )


@bp.get("/imports/<any(organizations, members):kind>/template.<any(csv, xlsx):fmt>")
def import_template(kind: str, fmt: str):
    """An empty spreadsheet with the columns an import expects."""
    content, mimetype, filename = imports.template_file(kind, fmt)
    return send_file(
        BytesIO(content), mimetype=mimetype, as_attachment=True, download_name=filename
    )


def _run_import(kind: str, org, run, done_url: str):
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _import_page(kind, org, errors={"file": [_("Choose a CSV or XLSX file.")]}), 422
    try:
        report = run(upload.filename, upload.read())
    except FIELD_ERRORS as exc:
        return _import_page(kind, org, errors=refusal(exc)), 422
    if not report.ok:
        db.session.rollback()
        return _import_page(kind, org, report=report), 422
    return done(_import_summary(report), done_url)


def _import_summary(report) -> str:
    """What the import did, in one sentence."""
    if report.updated or report.unchanged:
        return _(
            "Added: %(created)s. Updated: %(updated)s. Already up to date: %(unchanged)s.",
            created=format_decimal(report.created),
            updated=format_decimal(report.updated),
            unchanged=format_decimal(report.unchanged),
        )
    return _("Rows imported: %(count)s.", count=format_decimal(report.created))


def _import_page(kind: str, org, report=None, errors: dict | None = None):
    return render_template(
        "registry/import_form.html", kind=kind, org=org, report=report, errors=errors or {}
    )
