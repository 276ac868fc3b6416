"""CI's check of a bare clone's running service (.ci/run starts it as `make run` does).

Given the service's address and a demo cooperative's API token: picks one of the
cooperative's active demo lots, captures an EPCIS 2.0 document written here (a new
inspection of that lot; 201 expected), then opens the lot's consumer page (200, with the
lot's code on it). Standard library only: it runs before and beside any virtualenv.
"""

import json
import sys
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"


def call(
    method: str,
    url: str,
    token: str | None = None,
    body: dict | None = None,
    accept: str = "application/json",
):
    """The status and the body (text) of one request."""
    headers = {
        "Accept": accept,
        "User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile",
    }
    data = None
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/ld+json"
        data = json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def inspection(base: str, lot: dict) -> dict:
    """An EPCIS document of one inspection of ``lot``, made a minute ago."""
    moment = datetime.now(UTC) - timedelta(minutes=1)
    event = {
        "type": "ObjectEvent",
        "eventTime": moment.isoformat(timespec="milliseconds"),
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "conformant",
        "readPoint": {"id": "urn:epc:id:sgln:9520123.00001.0"},
        "quantityList": [
            {"epcClass": f"{base}/q/{lot['public_code']}", "quantity": 1, "uom": "KGM"}
        ],
    }
    return {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "epcisBody": {"eventList": [event]},
    }


def main(base: str, token: str) -> int:
    """0 when the capture is stored and the page opens; else 1, saying what failed."""
    status, text = call("GET", f"{base}/api/v1/batches?page_size=200", token)
    if status != 200:
        print(f"listing lots: {status} {text[:500]}")
        return 1
    lots = [lot for lot in json.loads(text) if lot.get("status") == "active"]
    if not lots:
        print("no active demo lot to inspect")
        return 1
    lot = lots[0]
    status, text = call("POST", f"{base}/api/v1/epcis/capture", token, inspection(base, lot))
    print(f"EPCIS capture of an inspection of lot {lot['lot_code']}: {status}")
    if status != 201:
        print(text[:2000])
        return 1
    status, text = call("GET", f"{base}/q/{lot['public_code']}", accept="text/html")
    print(f"consumer page /q/{lot['public_code']}: {status}, {len(text)} characters")
    if status != 200 or "<html" not in text or lot["lot_code"] not in text:
        print(text[:2000])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1].rstrip("/"), sys.argv[2]))
