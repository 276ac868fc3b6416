"""The contract list as a table for CSV/XLSX export (no contract terms beyond the summary)."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from core.exports import table_file
from core.extensions import db
from linkage.models import Contract, ContractParty
from linkage.services.fulfilment import fulfilment, is_behind
from linkage.services.lifecycle import status_on
from registry.models import Organization


def _header() -> list[str]:
    return [
        _("Number"),
        _("Version"),
        _("Lead party"),
        _("Cooperatives"),
        _("Communes"),
        _("Linkage form"),
        _("Products"),
        _("Status"),
        _("Signed on"),
        _("Effective from"),
        _("Effective to"),
        _("Committed"),
        _("Accepted"),
        _("Behind schedule"),
    ]


def contract_rows(stmt: Select, today: date | None = None) -> list[list]:
    """One row per contract of ``stmt`` (a contracts_query), fulfilment included."""
    today = today or date.today()
    contracts = list(
        db.session.scalars(
            stmt.options(
                selectinload(Contract.parties)
                .selectinload(ContractParty.organization)
                .selectinload(Organization.admin_unit),
                selectinload(Contract.lead_org),
            )
        )
    )
    progress = fulfilment(contracts, today)
    rows = []
    for contract in contracts:
        coops = [p.organization for p in contract.cooperative_parties]
        seasons = progress[contract.id]
        rows.append(
            [
                contract.number,
                contract.version,
                contract.lead_org.name,
                "; ".join(o.name for o in coops),
                "; ".join(sorted({o.admin_unit.full_name for o in coops})),
                contract.linkage_form,
                ", ".join(sorted({i.category.value for i in contract.items})),
                status_on(contract, today),
                contract.signed_on,
                contract.effective_from,
                contract.effective_to,
                float(sum(s.committed for s in seasons)),
                float(sum(s.accepted for s in seasons)),
                _("yes") if is_behind(seasons) else "",
            ]
        )
    return rows


def contracts_file(stmt: Select, fmt: str) -> tuple[bytes, str, str]:
    """The contract list as CSV or XLSX."""
    return table_file(
        _header(),
        contract_rows(stmt),
        fmt,
        f"contracts-{date.today().isoformat()}",
        title=_("Contracts"),
    )
