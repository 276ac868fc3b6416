"""Trace jobs for the worker: every hour, the day's anchor of every chain head, written once a
day (``trace.services.anchors``); hourly so a worker down at midnight still writes it."""

import logging

from jobs import periodic
from trace.services.anchors import write_daily_anchor

log = logging.getLogger(__name__)

ANCHOR_JOB = "trace.anchor_chain_heads"


@periodic(ANCHOR_JOB, every=lambda config: 60)
def anchor_chain_heads() -> None:
    """Append today's chain heads to the anchors file, unless they are there already."""
    line = write_daily_anchor()
    if line is not None:
        log.info("chain heads anchored for %s: %s", line["day"], line["digest"])
