"""Two hosts with their own instance folders on one database: an image uploaded through one
is served by the other, and its lots stay traced; with the database store and with S3."""

import hashlib
import io
import re
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select

from core.extensions import db
from files import store
from files.models import StoredFile
from tests.consumer_helpers import make_lot
from tests.files.conftest import BUCKET, jpeg, upload_image


def _written_files(folder) -> list[str]:
    """What a host wrote in its instance folder, besides the shared cache and job queue."""
    if not folder.exists():
        return []
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(("shared-cache", "jobs"))
    )


@pytest.mark.parametrize("backing", ["database", "s3"])
def test_an_image_uploaded_on_one_host_is_served_by_the_other(
    backing, request, app, farm, make_host
):
    settings = {}
    if backing == "s3":
        client, settings = request.getfixturevalue("s3")
    one, other = make_host("host-a", **settings), make_host("host-b", **settings)
    lot = make_lot(farm)
    product_id = lot["product"]["id"]

    uploaded = upload_image(one.test_client(), farm.headers, product_id, jpeg())
    assert uploaded.status_code == 200, uploaded.json
    assert uploaded.json["has_image"] is True

    # The other host serves it: to the cooperative (whole) and on the consumer page (small).
    served = other.test_client().get(f"/api/v1/products/{product_id}/image", headers=farm.headers)
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["ETag"] == f'"{hashlib.sha256(served.data).hexdigest()}"'
    assert max(Image.open(io.BytesIO(served.data)).size) == 1200

    page = other.test_client().get(f"/q/{lot['code']}").get_data(as_text=True)
    src = re.search(r'<img class="product" src="([^"]+)"', page).group(1)
    small = other.test_client().get(src)
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    assert max(Image.open(io.BytesIO(small.data)).size) <= 480
    assert "immutable" in small.headers["Cache-Control"]

    # Its lot is traced as far as the image goes, whichever host answers.
    for host in (one, other):
        report = host.test_client().get(
            f"/api/v1/batches/{lot['batch']['id']}/completeness", headers=farm.headers
        )
        assert report.status_code == 200
        assert "product_image" not in report.json["missing"]

    # Nothing was written to either host's disk.
    for host in (one, other):
        assert _written_files(host.config["INSTANCE_DIR"]) == []
    if backing == "s3":
        keys = [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET)["Contents"]]
        assert len(keys) == 2 and all(key.startswith("htx/") for key in keys)  # image, copy


def test_the_bytes_of_a_rolled_back_upload_are_swept_from_the_bucket(s3, make_host, farm):
    """An upload writes its object, then its transaction rolls back: the object names no row.
    ``delete_unreferenced`` removes it once it is old enough, and leaves the image that a
    product names alone."""
    client, settings = s3
    host = make_host("host-s3", **settings)
    product_id = make_lot(farm)["product"]["id"]
    assert upload_image(host.test_client(), farm.headers, product_id, jpeg()).status_code == 200
    with host.test_request_context():
        named = set(db.session.scalars(select(StoredFile.sha256)))
        stray = store.put(b"an upload whose request failed", "application/pdf").sha256
        db.session.rollback()
        assert f"htx/{stray}" in _objects(client)
        assert stray not in store.delete_unreferenced()  # young: an upload may be under way
        swept = store.delete_unreferenced(timedelta(seconds=-5))
        db.session.commit()
    assert swept == [stray]
    assert _objects(client) == {f"htx/{sha}" for sha in named}  # the image and its copy


def _objects(client) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
