"""HTML views of the indicators: the department's dashboard and drill-down lists, exports,
the printable report, an organization's own figures and the public open-data page.

One blueprint, ``indicators`` (under ``/indicators``), defined in
``indicators.views.common``; importing the modules below attaches their routes to it.
The open-data page lives on its own blueprint, at ``/open-data``, open to everyone.
"""

from indicators.views import dashboard, drilldown, home, mine, report  # noqa: F401
from indicators.views.common import bp
from indicators.views.open_data import bp as open_data_bp

__all__ = ["bp", "open_data_bp"]
