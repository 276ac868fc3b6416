"""Browser fixtures shared by the browser tests: Debian's Chromium on a phone-sized page.

The app runs behind a real HTTP server in a thread; the browser is Debian's
(``apt-get install chromium``), never one Playwright downloads. Where it is missing
the tests skip, except under CI, where that is a failure.
"""

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.missing import unavailable

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, headless; skipped where it is missing, except under CI."""
    if not Path(CHROMIUM).exists():
        unavailable(f"{CHROMIUM} is missing (apt-get install -y --no-install-recommends chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def base_url(app):
    """The app behind a real HTTP server on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture
def page(browser):
    """A fresh phone-sized page; fails the test if any response was a server error."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="vi-VN")
    page = context.new_page()
    server_errors = []
    page.on("response", lambda r: server_errors.append(r.url) if r.status >= 500 else None)
    yield page
    context.close()
    assert server_errors == [], f"server errors: {server_errors}"


def fits_the_phone(page, name: str) -> None:
    """Save a full-page screenshot ``name``.png and check that nothing scrolls sideways on
    a 360 px screen."""
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {width} px wide on a {PHONE['width']} px screen"


def axe_violations(page) -> list[str]:
    """axe-core's violations on the page as it stands, one line each ("rule: selector, ...").

    axe-core comes inside the ``axe-playwright-python`` package (no download at test time);
    where it is missing the test skips, except under CI."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        unavailable("axe-playwright-python is missing (pip install -r requirements-dev.txt)")
    results = Axe().run(page).response
    return [
        f"{rule['id']}: {', '.join(str(node['target']) for node in rule['nodes'][:5])}"
        for rule in results["violations"]
    ]


def cut_off(page) -> list[str]:
    """Elements that stick out of the viewport sideways, outside a frame that scrolls on
    purpose (a table's .table-wrap, the contents bar)."""
    return page.evaluate(
        """() => [...document.body.querySelectorAll('*')]
            .filter(e => !e.closest('.table-wrap, .contents, .visually-hidden'))
            .filter(e => { const r = e.getBoundingClientRect();
                           return r.width > 0 && (r.right > innerWidth + 1 || r.left < -1); })
            .slice(0, 5).map(e => e.outerHTML.slice(0, 120))"""
    )
