"""Housekeeping jobs of the core: stored API responses dropped once their keys expire."""

from flask import current_app

from core.idempotency import delete_expired
from jobs.queue import periodic


@periodic("core.prune_idempotency_records", every=lambda config: 60)
def prune_idempotency_records() -> int:
    """Every hour: delete stored responses older than IDEMPOTENCY_TTL_HOURS."""
    return delete_expired(current_app.config["IDEMPOTENCY_TTL_HOURS"])
