"""HTML views of the trace side: products, sites, batches, events and genealogy.

One blueprint, ``trace`` (under ``/trace``), defined in ``trace.views.common``;
importing the modules below attaches their routes to it.
"""

from trace.views import (  # noqa: F401 - routes
    batches,
    capture,
    events,
    exports,
    print_labels,
    products,
    sites,
)
from trace.views.common import bp

__all__ = ["bp"]
