"""Two hosts with their own instance folders on one database: an image uploaded through one
is served by the other, and its lots stay traced; with the database store and with S3."""

import hashlib
import io
import re

import pytest
from PIL import Image

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
