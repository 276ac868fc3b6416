"""The file store on the database: stored once by content, streamed in chunks, served with
its ETag and cache headers, and what nothing names deleted."""

import hashlib
import os
import tracemalloc
from datetime import timedelta

from sqlalchemy import func, select, update

from core.db import utcnow
from core.extensions import db
from files import store
from files.models import FileChunk, StoredFile
from tests.consumer_helpers import make_lot
from tests.files.conftest import jpeg, upload_image

TEN_MB = 10 * 1024 * 1024


def _counts() -> tuple[int, int]:
    return (
        db.session.scalar(select(func.count()).select_from(StoredFile)),
        db.session.scalar(select(func.count()).select_from(FileChunk)),
    )


def test_a_file_sent_twice_is_stored_once(ctx):
    data = os.urandom(600_000)  # three chunks
    first = store.put(data, "application/pdf")
    again = store.put(data, "application/pdf")
    db.session.commit()
    assert first.sha256 == again.sha256 == hashlib.sha256(data).hexdigest()
    assert _counts() == (1, 3)
    assert store.read(first.sha256) == data
    assert store.exists(first.sha256) and not store.exists("0" * 64)


def test_the_same_image_uploaded_twice_is_stored_once(client, farm):
    product = farm.product()
    other = farm.product(name="Cà phê nhân xanh Arabica")
    photo = jpeg()
    for product_id in (product["id"], product["id"], other["id"]):
        assert upload_image(client, farm.headers, product_id, photo).status_code == 200
    with client.application.app_context():
        assert _counts()[0] == 2  # the image and its small copy, once


def test_a_10_mb_upload_holds_at_most_one_chunk_in_memory(ctx, tmp_path):
    source = tmp_path / "big.bin"
    with source.open("wb") as out:
        for _ in range(TEN_MB // store.CHUNK_SIZE):
            out.write(os.urandom(store.CHUNK_SIZE))
    expected = hashlib.sha256(source.read_bytes()).hexdigest()

    tracemalloc.start()
    try:
        with source.open("rb") as file:
            stored = store.put(file, "application/octet-stream")
        db.session.commit()
        _, put_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest, size = hashlib.sha256(), 0
        for piece in store.stream(stored.sha256):
            digest.update(piece)
            size += len(piece)
            del piece  # as a server does once it has sent it
        _, stream_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (digest.hexdigest(), size) == (expected, TEN_MB) and stored.sha256 == expected
    assert _counts() == (1, TEN_MB // store.CHUNK_SIZE)
    # A chunk is read, hashed and written, then dropped: never the whole file (40 chunks).
    # psycopg2 hands bytea back as a memoryview that SQLAlchemy copies: two on the way out.
    postgres = db.engine.dialect.name == "postgresql"
    assert put_peak < 2 * store.CHUNK_SIZE, put_peak
    assert stream_peak < (3 if postgres else 2) * store.CHUNK_SIZE, stream_peak


def test_a_public_file_is_served_with_its_hash_as_etag_and_cached_for_good(app, client):
    with app.app_context():
        stored = store.put(b"\x89PNG\r\n\x1a\n" + b"x" * 300_000, "image/png", public=True)
        secret = store.put(b"%PDF-1.7 so do", "application/pdf")
        db.session.commit()
        sha256, secret_sha = stored.sha256, secret.sha256
    answer = client.get(f"/files/{sha256}")
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    assert answer.headers["ETag"] == f'"{sha256}"'
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashlib.sha256(answer.data).hexdigest() == sha256
    assert answer.headers["Content-Length"] == str(len(answer.data))
    again = client.get(f"/files/{sha256}.png", headers={"If-None-Match": f'"{sha256}"'})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == f'"{sha256}"'
    # Private files (a land document) and unknown names are not served here.
    assert client.get(f"/files/{secret_sha}").status_code == 404
    assert client.get("/files/" + "0" * 64).status_code == 404
    assert client.get("/files/..%2Fhtx.sqlite3").status_code == 404


def test_the_product_page_image_answers_304_to_a_client_that_has_it(client, farm):
    product = farm.product()
    assert upload_image(client, farm.headers, product["id"], jpeg()).status_code == 200
    first = client.get(f"/api/v1/products/{product['id']}/image", headers=farm.headers)
    assert first.status_code == 200 and "private" in first.headers["Cache-Control"]
    again = client.get(
        f"/api/v1/products/{product['id']}/image",
        headers={**farm.headers, "If-None-Match": first.headers["ETag"]},
    )
    assert again.status_code == 304


def test_delete_unreferenced_keeps_what_a_record_names(app, client, farm, runner):
    lot = make_lot(farm)
    product_id = lot["product"]["id"]
    assert upload_image(client, farm.headers, product_id, jpeg((1, 2, 3))).status_code == 200
    assert upload_image(client, farm.headers, product_id, jpeg((200, 2, 3))).status_code == 200
    with app.app_context():
        assert _counts()[0] == 4  # two images, two small copies
    young = runner.invoke(args=["files", "delete-unreferenced"])
    assert young.exit_code == 0 and "0 unreferenced" in young.output  # stored just now
    result = runner.invoke(args=["files", "delete-unreferenced", "--min-age-hours", "0"])
    assert result.exit_code == 0, result.output
    assert "2 unreferenced" in result.output
    with app.app_context():
        assert _counts()[0] == 2
    served = client.get(f"/api/v1/products/{product_id}/image", headers=farm.headers)
    assert served.status_code == 200
    page = client.get(f"/q/{lot['code']}").get_data(as_text=True)
    assert "<img" in page


def _age(sha256: str, hours: float) -> None:
    db.session.execute(
        update(StoredFile)
        .where(StoredFile.sha256 == sha256)
        .values(created_at=utcnow() - timedelta(hours=hours))
    )


def test_an_old_orphan_stored_again_is_spared(ctx):
    """A file nothing names for two days is deleted, unless somebody stores it again first:
    storing it again counts as storing it now (the request is about to name it)."""
    again, forgotten = store.put(b"a scan sent again", "image/png"), store.put(b"gone", "image/png")
    _age(again.sha256, 48)
    _age(forgotten.sha256, 48)
    store.put(b"a scan sent again", "image/png")
    assert store.delete_unreferenced() == [forgotten.sha256]
    db.session.commit()
    assert store.exists(again.sha256) and not store.exists(forgotten.sha256)
    assert store.read(again.sha256) == b"a scan sent again"
