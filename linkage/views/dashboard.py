"""The linkage overview (``/linkage/``), one per role.

An enterprise sees its contracts, the latest deliveries and its supplier
cooperatives; a cooperative its contracts and what it still owes per season;
the department the contracts counted by status and by linkage form.
"""

from datetime import date

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core.extensions import db
from linkage.labels import CONTRACT_STATUS_LABELS, LINKAGE_FORMS
from linkage.models import Contract
from linkage.services import contracts, deliveries
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


def _count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))


def _department():
    by_status = {
        status: _count(contracts.contracts_query(current_user, status=status))
        for status in CONTRACT_STATUS_LABELS
    }
    current = contracts.contracts_query(current_user).order_by(None).subquery()
    rows = db.session.execute(
        select(current.c.linkage_form, func.count()).group_by(current.c.linkage_form)
    ).all()
    by_form = {number: 0 for number in LINKAGE_FORMS} | {form: n for form, n in rows}
    return render_template(
        "linkage/dashboard.html",
        role="department",
        by_status=by_status,
        by_form=by_form,
        total=sum(by_form.values()),
    )


def _recent_contracts() -> tuple[list[Contract], dict]:
    """The user's latest current contracts, with status, fulfilment share and behind flag."""
    stmt = contracts.contracts_query(current_user).options(selectinload(Contract.lead_org))
    found = list(db.session.scalars(stmt.limit(SHOWN)))
    rows = fulfilment(found)
    today = date.today()
    summary = {
        c.id: {
            "status": status_on(c, today),
            "share": progress.overall_share(rows[c.id]),
            "behind": is_behind(rows[c.id]),
        }
        for c in found
    }
    return found, summary


def _in_force() -> list[Contract]:
    """The user's contracts signed by every party: in force now, or starting later."""
    found = []
    for status in ("active", "signed"):
        found += db.session.scalars(contracts.contracts_query(current_user, status=status))
    return found


def _enterprise():
    found, summary = _recent_contracts()
    suppliers: dict[int, dict] = {}
    for contract in _in_force():
        for party in contract.cooperative_parties:
            entry = suppliers.setdefault(party.organization_id, {"org": party.organization, "n": 0})
            entry["n"] += 1
    recent = db.session.scalars(deliveries.deliveries_query(current_user).limit(RECENT))
    return render_template(
        "linkage/dashboard.html",
        role="enterprise",
        contracts=found,
        summary=summary,
        deliveries=list(recent),
        suppliers=sorted(suppliers.values(), key=lambda e: e["org"].name),
    )


def _cooperative():
    found, summary = _recent_contracts()
    in_force = _in_force()
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
    )
