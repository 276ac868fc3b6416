"""Products of a producer organization, their standards and their image."""

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
from gs1.codes import new_public_code
from registry.models import User
from registry.services.scoping import get_visible, require_own_org, scope_to_caller
from trace.inputs import ProductInput, ProductPatch, StandardInput
from trace.models import Product, ProductCategory, ProductStandard

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
IMAGE_MAX_SIDE = 1200


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
    image = _verified_image(data)
    image.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
    folder = Path(current_app.config["INSTANCE_DIR"]) / "uploads" / "products"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{product.id}-{new_public_code()}.jpg"
    image.convert("RGB").save(folder / name, "JPEG", quality=82, optimize=True)
    old = product.image_path
    product.image_path = name
    db.session.flush()
    if old:
        (folder / old).unlink(missing_ok=True)
    return product


def image_file(product: Product) -> Path | None:
    """Where a product's image is stored, if it has one."""
    if not product.image_path:
        return None
    return Path(current_app.config["INSTANCE_DIR"]) / "uploads" / "products" / product.image_path


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
