"""The field app's pages (the shell, its manifest and service worker) and event photos: on
the lot page for the cooperative only, on the consumer page once it makes one public."""

import re

from core.security import sha256_source
from tests.conftest import csrf_token
from tests.consumer_helpers import page
from tests.field.conftest import inspection, photo_data

PATH = "/api/v1/field/records"


def test_the_shell_manifest_and_service_worker(client, world, login):
    assert client.get("/field").status_code == 302  # signed out: to the login page
    web = login(world["users"]["coop_a"])
    assert 'href="/field"' in web.get("/").get_data(as_text=True)  # the way in, in the menu
    shell = web.get("/field")
    assert shell.status_code == 200
    html = shell.get_data(as_text=True)
    assert 'rel="manifest"' in html and "Ghi chép đồng ruộng" in html  # Vietnamese first
    assert not re.search(r"(src|href)=\"(https?:)?//", html)  # nothing from elsewhere (no CDN)
    manifest = web.get("/field/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.json["start_url"] == "/field" and manifest.json["display"] == "standalone"
    assert {icon["sizes"] for icon in manifest.json["icons"]} == {"192x192", "512x512"}
    for icon in manifest.json["icons"]:
        with web.get(icon["src"]) as answer:
            assert answer.mimetype == "image/png"
    worker = web.get("/field/sw.js")
    assert worker.headers["Service-Worker-Allowed"] == "/field"
    assert worker.headers["Cache-Control"] == "no-cache"
    script = worker.get_data(as_text=True)
    assert "__VERSION__" not in script and '"/field"' in script
    # The app's script is in the page (one request on a slow link), allowed by its hash only.
    [inline] = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert "indexedDB" in inline
    policy = shell.headers["Content-Security-Policy"]
    assert (
        sha256_source(inline) in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert sha256_source(inline) not in web.get("/").headers["Content-Security-Policy"]
    for path in re.findall(r'"(/field[^"]*)"', script.split("SHELL = ", 1)[1].split(";")[0]):
        with web.get(path) as answer:
            assert answer.status_code == 200, path


def test_photos_on_the_lot_page_and_when_public_on_the_consumer_page(
    app, client, world, field, token_for, login
):
    headers = token_for(world["users"]["coop_a"])
    record = inspection(field, photo=photo_data())
    event_id = client.post(PATH, json={"records": [record]}, headers=headers).json["results"][0][
        "event_id"
    ]
    lot = field["farm"].get(f"/batches/{field['lot']}")
    web = login(world["users"]["coop_a"])
    lot_page = web.get(f"/trace/batches/{field['lot']}").get_data(as_text=True)
    assert f'src="/field/photos/{event_id}"' in lot_page
    with web.get(f"/field/photos/{event_id}") as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
        assert "private" in photo.headers["Cache-Control"]
    assert client.get(f"/field/photos/{event_id}").status_code == 404  # signed out
    other = login(world["users"]["coop_b"])
    assert other.get(f"/field/photos/{event_id}").status_code == 404

    consumer = page(client, f"/q/{lot['public_code']}").get_data(as_text=True)
    assert "field-photo" not in consumer  # not public until the cooperative says so

    def show(public: str):
        token = csrf_token(web, f"/trace/batches/{field['lot']}")
        form = {"csrf_token": token, "public": public, "batch_id": str(field["lot"])}
        answer = web.post(f"/field/photos/{event_id}/public", data=form)
        assert answer.status_code == 302 and answer.location.endswith("#photos")

    show("1")
    consumer = page(client, f"/q/{lot['public_code']}").get_data(as_text=True)
    shown = re.search(r'class="product field-photo" src="(/files/[0-9a-f]{64})"', consumer)
    assert shown, consumer[:2000]
    with client.get(shown.group(1)) as public:
        assert public.status_code == 200  # anyone may load a public photo
    refused = other.post(f"/field/photos/{event_id}/public", data={"public": "0"})
    assert refused.status_code in (400, 404)  # another cooperative (or no CSRF token)
    show("0")
    consumer = page(client, f"/q/{lot['public_code']}").get_data(as_text=True)
    assert "field-photo" not in consumer
    assert client.get(shown.group(1)).status_code == 404
