"""An enterprise downloads a shipment's EUDR evidence in a real browser (Debian's Chromium):
from the received lot's page, one click on the download, a ZIP with the EU GeoJSON."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser_helpers import fits_the_phone
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_an_enterprise_downloads_a_shipments_evidence(base_url, page, farm, plots, world):
    site = farm.site()
    plots.add(site["id"], name="Thửa Làng Kon")
    product = farm.product()
    lot = farm.batch(product["id"], 500)
    farm.harvest(lot["id"], site["id"])
    farm.ship(lot["id"], 500, world["ent_x"])

    page.goto(f"{base_url}/login")
    page.locator("main input[name=email]").fill("x@dn.vn")
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base_url}/")

    page.goto(f"{base_url}/trace/batches/{lot['id']}")
    page.locator("#eudr-evidence").click()
    page.wait_for_load_state()
    expect(page.locator("#plot-count")).to_have_text("1")
    fits_the_phone(page, "eudr-evidence")
    with page.expect_download() as download_info:
        page.locator("#download-evidence").click()
    download = download_info.value
    assert download.suggested_filename == f"eudr-lot-{lot['id']}.zip"
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    collection = json.loads(archive.read("plots.geojson"))
    (feature,) = collection["features"]
    assert feature["properties"]["ProducerCountry"] == "VN"
    assert feature["properties"]["ProductionPlace"].startswith("Thửa Làng Kon")
