"""``flask files migrate``: images of the old upload folder move into the store, once."""

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import update

from core.extensions import db
from files import store
from tests.consumer_helpers import make_lot
from tests.files.conftest import jpeg
from trace.models import Product

OLD_NAME = "{id}-0A1B2C3D4E5F6.jpg"


def _old_upload(app, product_id: int) -> Path:
    """An image as the old code left it: a file in INSTANCE_DIR/uploads/products."""
    folder = Path(app.config["INSTANCE_DIR"]) / "uploads" / "products"
    folder.mkdir(parents=True, exist_ok=True)
    name = OLD_NAME.format(id=product_id)
    (folder / name).write_bytes(jpeg(size=(1200, 900)))
    with app.app_context():
        db.session.execute(update(Product).where(Product.id == product_id).values(image_path=name))
        db.session.commit()
    return folder / name


def test_old_uploads_are_served_until_moved_then_moved_once(app, client, runner, farm):
    lot = make_lot(farm)
    product_id = lot["product"]["id"]
    old = _old_upload(app, product_id)
    missing = farm.product(name="Sản phẩm mất ảnh")
    with app.app_context():
        db.session.execute(
            update(Product).where(Product.id == missing["id"]).values(image_path="9-LOST.jpg")
        )
        db.session.commit()
    image_url = f"/api/v1/products/{product_id}/image"
    with client.get(image_url, headers=farm.headers) as legacy:
        assert legacy.status_code == 200  # still read from the old folder
    with client.get(f"/img/p/{OLD_NAME.format(id=product_id)}") as legacy:
        assert legacy.status_code == 200

    result = runner.invoke(args=["files", "migrate"])
    assert result.exit_code == 0, result.output
    assert "1 file(s) moved into the store." in result.output
    assert "Missing, left as it was:" in result.output and "9-LOST.jpg" in result.output
    assert not old.exists()
    with app.app_context():
        name = db.session.get(Product, product_id).image_path
        assert store.key_of(name) and store.exists(store.key_of(name))

    served = client.get(image_url, headers=farm.headers)
    assert served.status_code == 200 and served.headers["ETag"] == f'"{store.key_of(name)}"'
    page = client.get(f"/q/{lot['code']}").get_data(as_text=True)
    assert f"/img/p/{name}" in page
    small = client.get(f"/img/p/{name}")
    assert small.status_code == 200 and max(Image.open(io.BytesIO(small.data)).size) <= 480

    again = runner.invoke(args=["files", "migrate"])
    assert again.exit_code == 0 and "0 file(s) moved into the store." in again.output


def test_an_old_land_document_moves_into_the_store_as_a_private_file(app, client, runner, farm):
    from eudr.models import Plot
    from tests.eudr.conftest import Plots

    site = farm.site()
    plot = Plots(farm).add(site["id"])
    folder = Path(app.config["INSTANCE_DIR"]) / "uploads" / "eudr"
    folder.mkdir(parents=True, exist_ok=True)
    data = b"%PDF-1.4 so do cu\n" + bytes(range(256)) * 100
    name = f"{plot['id']}-0A1B2C3D4E5F6.pdf"
    (folder / name).write_bytes(data)
    with app.app_context():
        db.session.execute(
            update(Plot)
            .where(Plot.id == plot["id"])
            .values(land_document_path=name, land_document_name="sổ đỏ.pdf")
        )
        db.session.commit()

    result = runner.invoke(args=["files", "migrate"])
    assert result.exit_code == 0 and "1 file(s) moved" in result.output, result.output
    assert not (folder / name).exists()
    url = f"/api/v1/eudr/plots/{plot['id']}/document"
    served = client.get(url, headers=farm.headers)
    assert served.status_code == 200 and served.data == data
    assert served.mimetype == "application/pdf"
    # The real (Vietnamese) name in RFC 5987, an ASCII fallback beside it, as send_file does.
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="so o.pdf"; ')
    assert disposition.endswith("filename*=UTF-8''s%E1%BB%95%20%C4%91%E1%BB%8F.pdf")
    assert served.headers["Cache-Control"].startswith("private")
    sha256 = served.headers["ETag"].strip('"')
    assert client.get(f"/files/{sha256}").status_code == 404  # not public
