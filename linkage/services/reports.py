"""The contract list as a table for CSV/XLSX export (no contract terms beyond the summary).

Codes are written as the user reads them (status, linkage form, product categories);
the linkage form keeps its number from Decree 98 Art. 4 in front of its name.
"""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Select
from sqlalchemy.orm import selectinload

from core.clock import vn_today
from core.exports import table_file
from core.extensions import db
from linkage.models import Contract, ContractParty
from linkage.names import form_name
from linkage.services.fulfilment import fulfilment, is_behind
from linkage.services.lifecycle import status_label
from registry.models import Organization
from trace.names import CATEGORY_LABELS


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
    today = today or vn_today()
    contracts = list(
        db.session.scalars(
            stmt.options(
                selectinload(Contract.parties)
                .selectinload(ContractParty.organization)
                .selectinload(Organization.admin_unit),
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
                form_name(contract.linkage_form),
                ", ".join(sorted({_category(item.category.value) for item in contract.items})),
                status_label(contract, today),
                contract.signed_on,
                contract.effective_from,
                contract.effective_to,
                float(sum(s.committed for s in seasons)),
                float(sum(s.accepted for s in seasons)),
                _("yes") if is_behind(seasons) else "",
            ]
        )
    return rows


def _category(code: str) -> str:
    return str(CATEGORY_LABELS.get(code, code))


def contracts_file(stmt: Select, fmt: str) -> tuple[bytes, str, str]:
    """The contract list as CSV or XLSX."""
    return table_file(
        _header(),
        contract_rows(stmt),
        fmt,
        f"contracts-{vn_today().isoformat()}",
        title=_("Contracts"),
    )
