"""HTML views of linkage: contracts, deliveries, fulfilment, support, the role overview.

One blueprint, ``linkage`` (under ``/linkage``), defined in ``linkage.views.common``;
importing the modules below attaches their routes to it.
"""

from linkage.views import contract_form, contracts, dashboard, deliveries, home, support  # noqa: F401
from linkage.views.common import bp

__all__ = ["bp"]
