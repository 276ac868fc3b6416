"""HTML views of the trace side: products, sites, batches, events and genealogy.

One blueprint, ``trace`` (under ``/trace``), defined in ``trace.views.common``;
importing the modules below attaches their routes to it. The label printing page
(``labels.views``) and the EPCIS upload page (``epcis.views``) have blueprints of their
own under the same prefix.
"""

from trace.views import batches, events, home, products, season, sites  # noqa: F401 - routes
from trace.views.common import bp

__all__ = ["bp"]
