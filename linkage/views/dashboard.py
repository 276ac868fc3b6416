"""The linkage overview (``/linkage/``), one per role.

An enterprise sees its contracts, the latest deliveries and its supplier
cooperatives; a cooperative its contracts, what it still owes per season and the
deliveries its buyers recorded that wait for its confirmation;
the department the contracts counted by status and by linkage form.
"""

from flask import render_template
from flask_login import current_user

from core.clock import vn_today
from linkage.models import Contract
from linkage.services import deliveries, overview
from linkage.services.fulfilment import fulfilment, is_behind
from linkage.services.lifecycle import status_on
from linkage.views import progress
from linkage.views.common import bp

RECENT = 10
# Contracts shown on the overview; the full list is one click away.
SHOWN = 20


@bp.get("/", endpoint="index")
def index():
    """The overview of the user's role."""
    if current_user.is_department:
        return _department()
    org = current_user.organization
    if org is not None and org.is_cooperative_kind:
        return _cooperative()
    return _enterprise()


def _department():
    by_form = overview.counts_by_form(current_user)
    return render_template(
        "linkage/dashboard.html",
        role="department",
        by_status=overview.counts_by_status(current_user),
        by_form=by_form,
        total=sum(by_form.values()),
    )


def _recent_contracts() -> tuple[list[Contract], dict]:
    """The user's latest current contracts, with status, fulfilment share and behind flag."""
    found = overview.recent_contracts(current_user, SHOWN)
    rows = fulfilment(found)
    today = vn_today()
    summary = {
        c.id: {
            "status": status_on(c, today),
            "share": progress.overall_share(rows[c.id]),
            "behind": is_behind(rows[c.id]),
        }
        for c in found
    }
    return found, summary


def _enterprise():
    found, summary = _recent_contracts()
    suppliers: dict[int, dict] = {}
    for contract in overview.in_force_contracts(current_user):
        for party in contract.cooperative_parties:
            entry = suppliers.setdefault(party.organization_id, {"org": party.organization, "n": 0})
            entry["n"] += 1
    return render_template(
        "linkage/dashboard.html",
        role="enterprise",
        contracts=found,
        summary=summary,
        deliveries=deliveries.list_deliveries(current_user, limit=RECENT),
        suppliers=sorted(suppliers.values(), key=lambda e: e["org"].name),
    )


def _cooperative():
    found, summary = _recent_contracts()
    in_force = overview.in_force_contracts(current_user)
    rows = fulfilment(in_force)
    owed = [
        {
            "contract": contract,
            "item": next(i for i in contract.items if i.id == row.item_id),
            "row": row,
            "left": row.committed - row.accepted,
        }
        for contract in in_force
        for row in rows[contract.id]
        if row.committed > row.accepted
    ]
    return render_template(
        "linkage/dashboard.html",
        role="cooperative",
        contracts=found,
        summary=summary,
        owed=owed,
        waiting=deliveries.pending_for_seller(current_user.organization_id),
    )
