"""Labels' part in ``flask demo``: most complete demo lots get their QR label printed."""

import random

from sqlalchemy import select

import labels
from core.extensions import db
from labels.prints import print_labels
from registry.models import Organization, OrgKind, OrgStatus
from trace.demo import demo_actor
from trace.models import Batch


def create_labels_demo(seed: int) -> dict[str, int]:
    """Print the label of about four in five complete lots of the active cooperatives (a few
    are left waiting for it); returns the count."""
    rng = random.Random(f"labels:{seed}")
    printed = 0
    coops = db.session.scalars(
        select(Organization)
        .where(Organization.kind == OrgKind.COOPERATIVE, Organization.status == OrgStatus.ACTIVE)
        .order_by(Organization.id)
    )
    for org in coops:
        user = demo_actor(org)
        lots = db.session.scalars(
            select(Batch).where(Batch.organization_id == org.id).order_by(Batch.id)
        )
        for batch in lots:
            if not labels.label_problems(batch) and rng.random() < 0.8:
                print_labels(user, batch.id, labels.DEFAULT_SINGLE)
                printed += 1
    return {"labels": printed}
