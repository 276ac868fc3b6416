"""Fixtures of the consumer page tests: which requests reached the views, and which pages
were rendered from the lots' rows."""

import pytest

from consumer import front, pages


@pytest.fixture
def views_calls(app):
    """The public pages' requests that reached Flask's own ``wsgi_app`` (the front answered
    the others)."""
    found = app.wsgi_app
    while not isinstance(found, front.PageFront):
        found = found.app  # ProxyFix, when PROXY_COUNT is set
    inner, calls = found.wsgi_app, []

    def counted(environ, start_response):
        if environ["PATH_INFO"].startswith(("/q/", "/01/")):
            calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    found.wsgi_app = counted
    yield calls
    found.wsgi_app = inner


@pytest.fixture
def renders(app, monkeypatch):
    """Count the pages rendered from the lots' rows; no copy of a page in the store."""
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_CACHE_SECONDS", 0)
    counted = []
    read = pages.consumer_page

    def counting(batch_id, english=False):
        counted.append(batch_id)
        return read(batch_id, english)

    monkeypatch.setattr(pages, "consumer_page", counting)
    return counted
