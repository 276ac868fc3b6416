"""``--check``: prove the generated data valid with the app's own functions (slow; opt-in).

Checks every organization's hash chain with ``verify_chain`` (which also
recomputes each event's CBV hash), that no organization holds a negative
quantity of any lot it ever touched (``held_quantities``), and that every lot
has a producing event.
"""

import click
from sqlalchemy import select, text

from core.extensions import db
from registry.models import Organization
from trace.services.chain import verify_chain
from trace.services.quantities import held_quantities


def check_world() -> list[str]:
    """Problems found in the generated data (an empty list when it is valid)."""
    problems = []
    org_ids = list(db.session.scalars(select(Organization.id).order_by(Organization.id)))
    with click.progressbar(org_ids, label="check: chains, holdings", file=_stderr()) as bar:
        for org_id in bar:
            broken = verify_chain(org_id)
            if broken:
                problems.append(f"chain of organization {org_id}: {broken}")
            problems += _negative_holdings(org_id)
            db.session.expunge_all()
    unmade = db.session.execute(
        text(
            "SELECT count(*) FROM batches b WHERE NOT EXISTS ("
            " SELECT 1 FROM event_lines el JOIN trace_events te ON te.id = el.event_id"
            " WHERE el.batch_id = b.id AND (el.role = 'output'"
            " OR (te.kind = 'harvest' AND el.role = 'object')))"
        )
    ).scalar()
    if unmade:
        problems.append(f"{unmade} lots have no harvest or transformation that made them")
    return problems


def _negative_holdings(org_id: int) -> list[str]:
    touched = list(
        db.session.scalars(
            text(
                "SELECT DISTINCT el.batch_id FROM event_lines el"
                " JOIN trace_events te ON te.id = el.event_id"
                " WHERE te.organization_id = :org OR te.destination_org_id = :org"
            ),
            {"org": org_id},
        )
    )
    held = {}
    for start in range(0, len(touched), 5_000):
        held |= held_quantities(touched[start : start + 5_000], org_id)
    negative = {batch: qty for batch, qty in held.items() if qty < 0}
    return [f"organization {org_id} holds {qty} of lot {b}" for b, qty in negative.items()]


def _stderr():
    return click.get_text_stream("stderr")
