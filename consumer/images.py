"""Product images for the consumer page: small copies made once, then cached for good.

The stored image (up to 1200 px) is too heavy for a phone on a slow link; the
page shows a copy at most ``SMALL_SIDE`` pixels wide, made on first request and
kept beside the original. An image's file name holds a random code and changes
when the image is replaced, so its URL can be cached as immutable.
"""

import os
import re
import tempfile
from pathlib import Path

from flask import send_file, url_for
from PIL import Image
from sqlalchemy import select

from core.extensions import db
from trace.models import Product
from trace.services.products import image_file

SMALL_SIDE = 480
SMALL_QUALITY = 70
FOREVER = 365 * 24 * 3600
_NAME = re.compile(r"^\d+-[0-9A-Z]{13}\.jpg$")


def image_url(product: Product) -> str | None:
    """Where the consumer page loads the product's small image from, if it has one."""
    if not product.image_path:
        return None
    return url_for("resolver.product_image", name=product.image_path)


def small_image(name: str) -> Path | None:
    """The small copy of a current product image (made now if missing), or None."""
    if not _NAME.match(name):
        return None
    product = db.session.scalar(select(Product).where(Product.image_path == name))
    original = image_file(product) if product is not None else None
    if original is None or not original.exists():
        return None
    small = original.parent / "small" / name
    if not small.exists():
        _shrink(original, small)
    return small


def _shrink(original: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(original) as image:
        image.thumbnail((SMALL_SIDE, SMALL_SIDE))
        handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                image.convert("RGB").save(
                    out, "JPEG", quality=SMALL_QUALITY, optimize=True, progressive=True
                )
            os.replace(temporary, target)  # atomic: two workers may race to make it
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def image_response(path: Path):
    """The image with a year-long, immutable cache lifetime."""
    response = send_file(path, mimetype="image/jpeg", max_age=FOREVER, conditional=True)
    response.headers["Cache-Control"] = f"public, max-age={FOREVER}, immutable"
    return response
