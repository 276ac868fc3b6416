"""A second implementation as the partner: epcis2.js (GS1 France's EPCIS 2.0 SDK, on npm) writes
a harvest, a transformation and a shipment; we capture its document unchanged, and the SDK
reads our export of them back. Node and npm come from Debian (.ci/run installs them); the SDK
is installed by npm into a folder of this test run. Without them the test skips (fails under
CI)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.epcis.capture_helpers import base, capture
from tests.epcis_helpers import schema_errors
from tests.missing import unavailable
from tests.trace_helpers import GTIN, when

HERE = Path(__file__).resolve().parent / "node"


@pytest.fixture(scope="module")
def sdk(tmp_path_factory) -> Path:
    """A folder holding partner.js and epcis2.js in its node_modules."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        unavailable("node and npm are needed to run epcis2.js")
    folder = tmp_path_factory.mktemp("epcis2js")
    for name in ("package.json", "partner.js"):
        shutil.copy(HERE / name, folder / name)
    shutil.copytree(HERE / "fs-stub", folder / "fs-stub")
    try:
        subprocess.run(  # noqa: S603 - fixed command
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as failure:
        output = getattr(failure, "stderr", b"") or b""
        unavailable(f"npm could not install epcis2.js: {output.decode(errors='replace')[-500:]}")
    return folder


def run(sdk: Path, mode: str, body: dict) -> dict:
    result = subprocess.run(  # noqa: S603 - fixed command
        [shutil.which("node"), "partner.js", mode],
        cwd=sdk,
        input=json.dumps(body).encode(),
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return json.loads(result.stdout)


def test_epcis2_js_documents_are_captured_and_our_export_reads_back(sdk, app, farm, world):
    site = farm.site()
    farm.product(name="Cà phê quả tươi", gtin=GTIN)
    green = farm.product(name="Cà phê nhân xanh")
    ours = base(app)
    plan = {
        "prefixes": {"cbvmda": "urn:epcglobal:cbv:mda:", "htx": f"{ours}/ns/"},
        "site": f"{ours}/l/{site['code']}",
        "seller": f"{ours}/p/{world['coop_a']}",
        "buyer": f"{ours}/p/{world['ent_x']}",
        "harvested": f"https://id.gs1.org/01/{GTIN}/10/JS-26-001",
        "harvestIlmd": {"cbvmda:lotNumber": "JS-26-001", "cbvmda:harvestStartDate": "2026-11-20"},
        "made": f"{ours}/q/9J5S2D8F4G6HK",
        "madeIlmd": {
            "cbvmda:lotNumber": "JS-GX-01",
            "cbvmda:productionDate": "2026-11-25",
            "htx:product": f"{ours}/api/v1/products/{green['id']}",
        },
        "quantities": {"harvested": 900, "used": 900, "made": 200, "shipped": 150},
        "times": {
            "harvest": when(10),
            "made": when(6),
            "shipped": when(2),
            "created": when(1),
        },
    }
    written = run(sdk, "write", plan)
    assert [e["type"] for e in written["epcisBody"]["eventList"]] == [
        "ObjectEvent",
        "TransformationEvent",
        "ObjectEvent",
    ]
    report = capture(farm.client, farm.headers, written, 201)
    assert report["stored"] == 3 and report["lots_created"] == 2, report
    exported = farm.get("/epcis/events")
    assert schema_errors(exported) == []
    sent_ids = [e.get("eventID") for e in written["epcisBody"]["eventList"]]
    exported_ids = [e["eventID"] for e in exported["epcisBody"]["eventList"]]
    assert all(sent_ids) and set(sent_ids) <= set(exported_ids)
    read = run(sdk, "read", exported)
    assert read["valid"] is True
    assert read["eventIDs"] == exported_ids
    assert read["types"] == ["ObjectEvent", "TransformationEvent", "ObjectEvent"]
    assert read["bizSteps"] == ["commissioning", "commissioning", "shipping"]
    assert read["vocabularies"] == 2  # the site and the two parties, named
