"""On a 360 px phone, the label page's "what to print" choices are radio buttons beside
their words, not stretched across the form on a line of their own above them (found by
the first-deployment walk, issue #26: inputs were full width, checkboxes alone excepted)."""

import pytest

from tests import labels_helpers
from tests.browser_helpers import fits_the_phone
from tests.conftest import PASSWORD

complete_batch = labels_helpers.complete_batch

pytestmark = pytest.mark.browser


def test_the_print_choices_sit_beside_their_words(page, base_url, world, complete_batch):
    batch = complete_batch()
    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("a@htx.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")
    page.goto(f"{base_url}/trace/batches/{batch['id']}/labels")
    radios = page.locator("#label-form input[type=radio]")
    assert radios.count() == 2
    for i in range(radios.count()):
        radio = radios.nth(i).bounding_box()
        words = radios.nth(i).locator("xpath=..").bounding_box()
        assert radio["width"] < 30, radio
        # On the first line of its label, at its start.
        assert radio["x"] - words["x"] < 10 and radio["y"] - words["y"] < 10, (radio, words)
    fits_the_phone(page, "labels-print-choices")
