"""HTML views of EPCIS and trace data files: upload an EPCIS document (``capture``) and
download the trace report or EPCIS documents (``downloads``). One blueprint, ``epcis``
(``epcis.views.common``); importing the modules below attaches their routes to it."""

from epcis.views import capture, downloads  # noqa: F401 - routes
from epcis.views.common import bp

__all__ = ["bp"]
