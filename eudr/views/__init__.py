"""HTML views of the EUDR: a growing area's plots, and the evidence for a lot. One blueprint,
``eudr`` (under ``/eudr``), in ``common``."""

from eudr.views import edit, evidence, plots, readiness, walk  # noqa: F401 - attaches the routes
from eudr.views.common import bp, lot_statements

__all__ = ["bp", "lot_statements"]
