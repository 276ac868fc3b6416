"""HTML views of products (sản phẩm): list, form with standards, detail and image."""

import re

from flask import abort, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from files.views import send_stored
from registry.views.common import (
    FIELD_ERRORS,
    done,
    form_number,
    form_text,
    load,
    paginate,
    refusal,
)
from trace.models import Product
from trace.schemas import ProductInputSchema, ProductQueryArgsSchema
from trace.services import products
from trace.views.common import (
    as_text,
    bp,
    compact,
    form_flag,
    placed,
    query_filters,
    require_recorder,
)

STANDARD_ROWS = 3  # blank rows offered; more come one at a time, after each save
MAX_STANDARD_ROWS = 20
_STANDARD_KEY = re.compile(r"standards\.(\d{1,2})\.")
STANDARD_FIELDS = ("kind", "stars", "certificate_number", "issuer", "issued_on", "expires_on")
PLAIN_FIELDS = ("name", "name_en", "category", "gtin", "unit", "description", "shelf_life_days")


@bp.get("/products", endpoint="products")
def product_list():
    """The products the user may see, filtered by category or name."""
    filters, errors, args = query_filters(ProductQueryArgsSchema(), ("category", "q"))
    page = paginate(products.products_query(current_user, **filters))
    return render_template("trace/product_list.html", page=page, args=args, errors=errors)


@bp.get("/products/<int:product_id>", endpoint="product")
def product_detail(product_id: int):
    """One product: its data, standards and image."""
    return _product_page(products.get_product(current_user, product_id), {})


@bp.route("/products/new", methods=["GET", "POST"], endpoint="product_new")
def product_new():
    """Register a product of the user's cooperative."""
    require_recorder()
    if request.method == "GET":
        return _product_form(None, {"unit": "kg", "is_agricultural": True}, {})
    return _save_product(None)


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"], endpoint="product_edit")
def product_edit(product_id: int):
    """Edit one of the cooperative's products."""
    require_recorder()
    product = products.get_product(current_user, product_id)
    if request.method == "GET":
        return _product_form(product, _product_values(product), {})
    return _save_product(product)


@bp.post("/products/<int:product_id>/image", endpoint="product_image_upload")
def product_image_upload(product_id: int):
    """Upload the product's photo (JPEG, PNG or WebP; stored re-encoded)."""
    require_recorder()
    product = products.get_product(current_user, product_id)
    upload = request.files.get("image")
    if upload is None or not upload.filename:
        errors = {"image": [_("Choose a photo to upload.")]}
        return _product_page(product, errors), 422
    try:
        products.save_image(current_user, product.id, upload.read(products.MAX_IMAGE_BYTES + 1))
    except FIELD_ERRORS as exc:
        return _product_page(products.get_product(current_user, product_id), refusal(exc)), 422
    return done(_("The photo has been saved."), url_for(".product", product_id=product.id))


@bp.get("/products/<int:product_id>/image", endpoint="product_image")
def product_image(product_id: int):
    """The product's photo, for users who may see the product."""
    product = products.get_product(current_user, product_id)
    sha256 = products.image_key(product)
    if sha256 is not None:
        return send_stored(sha256, private=True, max_age=3600)
    path = products.legacy_image_file(product)  # until `flask files migrate`
    if path is None or not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=3600)
    response.cache_control.public = False
    response.cache_control.private = True
    return response


def _save_product(product: Product | None):
    raw = _posted_product()
    values, errors = load(ProductInputSchema(), raw)
    if values is not None:
        try:
            if product is None:
                saved = products.create_product(current_user, values)
            else:
                saved = products.update_product(current_user, product.id, values)
        except FIELD_ERRORS as exc:
            errors = refusal(exc)
        else:
            message = _("%(name)s has been saved.", name=saved.name)
            return done(message, url_for(".product", product_id=saved.id))
    shown = {**raw, "is_agricultural": raw["is_agricultural"] == "true"}
    shown["shelf_life_days"] = form_text("shelf_life_days")  # as typed
    shown["no_standard_declared"] = raw["no_standard_declared"] == "true"
    return _product_form(product, shown, errors), 422


def _posted_product() -> dict:
    raw = {name: form_text(name) for name in PLAIN_FIELDS}
    raw["shelf_life_days"] = form_number("shelf_life_days")
    raw["is_agricultural"] = form_flag("is_agricultural")
    raw["no_standard_declared"] = form_flag("no_standard_declared")
    indexes = {int(m.group(1)) for key in request.form if (m := _STANDARD_KEY.match(key))}
    rows = [
        {
            name: (form_number if name == "stars" else form_text)(f"standards.{i}.{name}")
            for name in STANDARD_FIELDS
        }
        for i in sorted(indexes)[:MAX_STANDARD_ROWS]
    ]
    raw["standards"] = compact(rows)
    return raw


def _product_values(product: Product) -> dict:
    values = {name: as_text(getattr(product, name)) for name in PLAIN_FIELDS}
    values["is_agricultural"] = product.is_agricultural
    values["no_standard_declared"] = product.no_standard_declared
    values["standards"] = [
        {name: as_text(getattr(std, name)) for name in STANDARD_FIELDS} for std in product.standards
    ]
    return values


def _product_form(product: Product | None, values: dict, errors: dict):
    standards = list(values.get("standards") or [])
    standards += [{}] * max(1, STANDARD_ROWS - len(standards))
    fields = {*PLAIN_FIELDS, "is_agricultural", "no_standard_declared", "standards"}
    fields |= {f"standards.{i}.{name}" for i in range(len(standards)) for name in STANDARD_FIELDS}
    return render_template(
        "trace/product_form.html",
        product=product,
        values=values,
        standards=standards[:MAX_STANDARD_ROWS],
        errors=placed(errors, fields),
    )


def _product_page(product: Product, errors: dict):
    return render_template("trace/product_detail.html", product=product, errors=errors)
