"""The department's status page of the portal outbox: pending, sent, failing; retry."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

import jobs
from core.extensions import db, login_manager
from core.i18n import ngettext
from portal.models import OutboxStatus, RecordKind
from portal.services import status
from portal.tasks import SYNC_JOB, sync_every
from registry.services.scoping import require_department
from registry.views.home import add_home_panel

bp = Blueprint("portal", __name__, url_prefix="/portal")

PER_PAGE = 25


@bp.record_once
def _register_home_panel(state) -> None:
    add_home_panel(state.app, problems_panel, order=40)


def problems_panel(user) -> Markup | str:
    """The department's home-page line on portal-sync problems; nothing when none."""
    if not user.is_department:
        return ""
    problems = status.problem_counts()
    if not any(problems.values()):
        return ""
    html = render_template("portal/_home_problems.html", problems=problems)
    return Markup(html)  # noqa: S704 - rendered by Jinja, which escaped every value


@bp.before_request
def _require_department():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    require_department(current_user)
    return None


@bp.get("/", endpoint="index")
def index():
    """What is pending, sent and failing towards each destination; the failing rows."""
    destination = request.args.get("destination") or None
    page = request.args.get("page", 1, type=int)
    problems = db.paginate(
        status.problems_query(current_user, destination),
        page=page,
        per_page=PER_PAGE,
        error_out=False,
    )
    return render_template(
        "portal/status.html",
        counts=status.counts(current_user),
        problems=problems,
        destination=destination,
        statuses=list(OutboxStatus),
        status_labels=_status_labels(),
        kind_labels=_kind_labels(),
        link_args={"destination": destination} if destination else {},
        sync_minutes=sync_every(current_app.config),
        worker=jobs.worker_state(),
    )


@bp.post("/retry", endpoint="retry")
def retry():
    """Make every failing record due again now, and ask the worker to sync at once."""
    destination = request.form.get("destination") or None
    count = status.retry(current_user, destination)
    db.session.commit()
    jobs.enqueue(SYNC_JOB)
    message = ngettext(
        "%(num)s record will be sent again on the next sync.",
        "%(num)s records will be sent again on the next sync.",
        count,
    )
    flash(message, "success")
    return redirect(url_for(".index", **({"destination": destination} if destination else {})))


def _status_labels() -> dict[str, str]:
    return {
        OutboxStatus.PENDING.value: _("Pending"),
        OutboxStatus.RETRYING.value: _("Retrying"),
        OutboxStatus.FAILING.value: _("Failing"),
        OutboxStatus.SENT.value: _("Sent"),
    }


def _kind_labels() -> dict[str, str]:
    return {
        RecordKind.ORGANIZATION.value: _("Organization profile"),
        RecordKind.PRODUCT.value: _("Product"),
        RecordKind.SITE.value: _("Growing area"),
        RecordKind.EVENT.value: _("Trace event"),
    }
