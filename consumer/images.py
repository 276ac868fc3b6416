"""Product images for the consumer page: the small copy kept beside each stored image.

The stored image (up to 1200 px) is too heavy for a phone on a slow link; the page shows
the copy at most 480 pixels wide that ``trace.services.products`` stores with
the image, in the file store. An image's name is its content hash and changes when the
image is replaced, so its URL can be cached as immutable. An image still in the old
upload folder (before ``flask files migrate``) is served as it is, nothing written.
"""

import re
from pathlib import Path

from flask import send_file, url_for
from sqlalchemy import select

from core.extensions import db
from files import store
from files.views import FOREVER, send_stored
from trace.models import Product
from trace.services.products import image_key, legacy_image_file

_LEGACY_NAME = re.compile(r"^\d+-[0-9A-Z]{13}\.jpg$")


def image_url(product: Product) -> str | None:
    """Where the consumer page loads the product's small image from, if it has one."""
    if not product.image_path:
        return None
    return url_for("resolver.product_image", name=product.image_path)


def small_image(name: str) -> str | Path | None:
    """The small copy of a current product image (its hash in the store; the old file
    for an image not moved yet), or None."""
    if not (store.key_of(name) or _LEGACY_NAME.match(name)):
        return None
    product = db.session.scalar(select(Product).where(Product.image_path == name).limit(1))
    if product is None:
        return None
    sha256 = image_key(product, small=True)
    if sha256 is not None:
        return sha256
    original = legacy_image_file(product)
    return original if original is not None and original.exists() else None


def image_response(found: str | Path):
    """The image with a year-long, immutable cache lifetime."""
    if isinstance(found, str):
        return send_stored(found)
    response = send_file(found, mimetype="image/jpeg", max_age=FOREVER, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={FOREVER}, immutable"
    return response
