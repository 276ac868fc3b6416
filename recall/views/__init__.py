"""HTML views of recalls: the list, the open form, the detail with its clock, the public
acknowledgement page. One blueprint, ``recall`` (under ``/recalls``), in ``common``."""

from recall.views import home, pages, public  # noqa: F401 - attaches the routes
from recall.views.common import bp

__all__ = ["bp"]
