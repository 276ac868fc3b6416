"""The consumer pages' job for the worker: render ahead the pages of lots that changed."""

from consumer import keeping
from consumer.page_cache import KEEP_PAGES_JOB
from jobs import task


@task(KEEP_PAGES_JOB)
def keep_pages_ahead(batch_ids: list[int]) -> None:
    """Render and keep the pages of these changed lots and of the lots made from them."""
    keeping.keep_pages(keeping.lots_ahead(batch_ids))
