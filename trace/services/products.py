"""Products of a producer organization, their standards and their image.

The image is kept in the file store (``files``), re-encoded as JPEG with a small copy for
phones beside it; ``Product.image_path`` holds its name, ``<sha256>.jpg``. Names of
another form are images still in the old folder, ``INSTANCE_DIR/uploads/products``, read
from there until ``flask files migrate`` moves them into the store.
"""

import io
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from core.db import vietnamese
from core.errors import Conflict, ValidationFailed
from core.extensions import db
from files import store
from registry.models import User
from registry.services.scoping import get_visible, require_own_org, scope_to_caller
from trace.inputs import ProductInput, ProductPatch, StandardInput
from trace.models import Product, ProductCategory, ProductStandard

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
IMAGE_MAX_SIDE = 1200
# The copy the consumer page shows: a phone on a slow link needs no more.
SMALL_VARIANT = "small"
SMALL_SIDE = 480
SMALL_QUALITY = 70


def products_query(
    user: User | None,
    category: str | None = None,
    q: str | None = None,
    organization_id: int | None = None,
) -> Select:
    """A select() of the products the caller may see (its own; the department all)."""
    stmt = select(Product).options(selectinload(Product.standards))
    stmt = scope_to_caller(stmt, user, Product.organization_id)
    if category:
        stmt = stmt.where(Product.category == ProductCategory(category))
    if organization_id:
        stmt = stmt.where(Product.organization_id == organization_id)
    if q:
        stmt = stmt.where(Product.name.icontains(q, autoescape=True))
    return stmt.order_by(vietnamese(Product.name), Product.id)


def get_product(user: User | None, product_id: int) -> Product:
    """A product the caller may see, or 404."""
    return get_visible(user, Product, product_id, _("No such product."))


def create_product(user: User, values: ProductInput) -> Product:
    """Register a product of the caller's organization."""
    require_own_org(user, user.organization_id)
    product = Product(organization_id=user.organization_id)
    _apply(product, values)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(user: User, product_id: int, values: ProductInput) -> Product:
    """Replace one of the caller's products with the whole representation sent (PUT)."""
    return _replace(user, get_product(user, product_id), values)


def patch_product(user: User, product_id: int, patch: ProductPatch) -> Product:
    """Change only the fields of one of the caller's products that a PATCH sent."""
    product = get_product(user, product_id)
    return _replace(user, product, product_input(product).patched(patch))


def _replace(user: User, product: Product, values: ProductInput) -> Product:
    require_own_org(user, product.organization_id)
    _apply(product, values)
    db.session.flush()
    return product


def product_input(product: Product) -> ProductInput:
    """A product as it stands, in the form its create and update take."""
    return ProductInput(
        name=product.name,
        name_en=product.name_en,
        category=product.category,
        gtin=product.gtin,
        unit=product.unit,
        description=product.description,
        is_agricultural=product.is_agricultural,
        no_standard_declared=product.no_standard_declared,
        shelf_life_days=product.shelf_life_days,
        standards=tuple(
            StandardInput(
                kind=std.kind,
                stars=std.stars,
                certificate_number=std.certificate_number,
                issuer=std.issuer,
                issued_on=std.issued_on,
                expires_on=std.expires_on,
            )
            for std in product.standards
        ),
    )


def _apply(product: Product, values: ProductInput) -> None:
    gtin = values.gtin14
    if gtin:
        clash = db.session.scalar(
            select(Product).where(Product.gtin == gtin, Product.id != (product.id or 0))
        )
        if clash is not None:
            raise Conflict.on_field(
                "gtin", _("GTIN %(gtin)s is already used by %(name)s.", gtin=gtin, name=clash.name)
            )
    product.name = values.name
    product.name_en = values.name_en
    product.category = values.category
    product.gtin = gtin
    product.unit = values.unit
    product.description = values.description
    product.is_agricultural = values.is_agricultural
    product.no_standard_declared = values.no_standard_declared
    product.shelf_life_days = values.shelf_life_days
    product.standards = [
        ProductStandard(
            kind=std.kind,
            stars=std.stars,
            certificate_number=std.certificate_number,
            issuer=std.issuer,
            issued_on=std.issued_on,
            expires_on=std.expires_on,
        )
        for std in values.standards
    ]


def save_image(user: User, product_id: int, data: bytes) -> Product:
    """Store a product image after checking its size and real type; re-encoded, metadata dropped."""
    product = get_product(user, product_id)
    require_own_org(user, product.organization_id)
    product.image_path = store_image(_verified_image(data))
    db.session.flush()
    return product


def store_image(image: Image.Image) -> str:
    """Put an image (at most ``IMAGE_MAX_SIDE`` px) and its small copy in the file store; its
    name. The old image, if any, stays until ``flask files delete-unreferenced``: another
    product may show the same bytes."""
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    image = image.convert("RGB")
    full = _jpeg(image, quality=82, optimize=True)
    stored = store.put(full, "image/jpeg", public=True)
    if store.variant(stored.sha256, SMALL_VARIANT) is None:
        image.thumbnail((SMALL_SIDE, SMALL_SIDE))
        small = _jpeg(image, quality=SMALL_QUALITY, optimize=True, progressive=True)
        store.set_variant(stored.sha256, SMALL_VARIANT, store.put(small, "image/jpeg", public=True))
    return f"{stored.sha256}.jpg"


def _jpeg(image: Image.Image, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", **options)
    return out.getvalue()


def image_key(product, small: bool = False) -> str | None:
    """The file store's hash of a product's image (or of its small copy), if it is stored.

    ``product`` is a ``Product`` or anything with its ``image_path``.
    """
    sha256 = store.key_of(product.image_path)
    if sha256 is not None and small:
        return store.variant(sha256, SMALL_VARIANT) or sha256
    return sha256


def legacy_image_file(product) -> Path | None:
    """Where an image not yet moved into the store is (the old upload folder), if it is one."""
    if not product.image_path or store.key_of(product.image_path):
        return None
    return _legacy_dir() / Path(product.image_path).name


def _legacy_dir() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "uploads" / "products"


def legacy_images() -> list[store.LegacyFile]:
    """The product images still in the old folder, for ``flask files migrate``."""
    rows = db.session.execute(
        select(Product.id, Product.image_path).where(Product.image_path.is_not(None))
    ).all()
    return [
        store.LegacyFile(_legacy_dir() / Path(name).name, _mover(product_id, name))
        for product_id, name in rows
        if not store.key_of(name)
    ]


def _mover(product_id: int, name: str):
    def move() -> None:
        with Image.open(_legacy_dir() / Path(name).name) as image:
            image.load()
            stored = store_image(image)
        db.session.get(Product, product_id).image_path = stored
        db.session.flush()

    return move


def _verified_image(data: bytes) -> Image.Image:
    if not data:
        raise ValidationFailed.on_field("image", _("The file is empty."))
    if len(data) > MAX_IMAGE_BYTES:
        raise ValidationFailed.on_field("image", _("The image is larger than 5 MB."))
    try:
        probe = Image.open(io.BytesIO(data))
        if probe.format not in IMAGE_FORMATS:
            raise ValidationFailed.on_field("image", _("Use a JPEG, PNG or WebP image."))
        if probe.width * probe.height > MAX_IMAGE_PIXELS:
            raise ValidationFailed.on_field("image", _("The image has too many pixels."))
        probe.verify()
        image = Image.open(io.BytesIO(data))
        image.load()
        return image
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValidationFailed.on_field("image", _("This file is not a readable image.")) from exc
