"""Trace API: products, sites, batches, events, completeness and genealogy."""

from flask import Response, request, send_file
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from api.common import Blueprint, caller, commits, load_bearer_user, paginate
from files import store
from files.views import send_stored
from trace.event_schemas import CorrectionInputSchema, EventInputSchema, EventSchema, TraceSchema
from trace.models import EventKind
from trace.schemas import (
    BatchInputSchema,
    BatchPatchSchema,
    BatchPutSchema,
    BatchQueryArgsSchema,
    BatchSchema,
    MissingItemSchema,
    ProductInputSchema,
    ProductPatchSchema,
    ProductPutSchema,
    ProductQueryArgsSchema,
    ProductSchema,
    SiteInputSchema,
    SitePatchSchema,
    SitePutSchema,
    SiteSchema,
)
from trace.services import batch_listing, batches, completeness, events, products, sites
from trace.services.trace_json import trace_json

blp = Blueprint("trace_api", __name__, description="Traceability: products, sites, batches, events")
blp.before_request(load_bearer_user)


@blp.route("/products")
class Products(MethodView):
    """Products of the caller's organization (the department sees all)."""

    @blp.arguments(ProductQueryArgsSchema, location="query")
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List products"""
        return paginate(products.products_query(caller(), **args), pagination_parameters)

    @commits
    @blp.arguments(ProductInputSchema)
    @blp.response(201, ProductSchema)
    def post(self, values):
        """Register a product"""
        return products.create_product(caller(), values)


@blp.route("/products/<int:product_id>")
class ProductById(MethodView):
    """One product."""

    @blp.response(200, ProductSchema)
    def get(self, product_id):
        """Get a product"""
        return products.get_product(caller(), product_id)

    @commits
    @blp.arguments(ProductPutSchema)
    @blp.response(200, ProductSchema)
    def put(self, values, product_id):
        """Replace a product (every field sent; null clears an optional one)"""
        return products.update_product(caller(), product_id, values)

    @commits
    @blp.arguments(ProductPatchSchema)
    @blp.response(200, ProductSchema)
    def patch(self, patch, product_id):
        """Change some fields of a product (only the fields sent)"""
        return products.patch_product(caller(), product_id, patch)


@blp.route("/products/<int:product_id>/image")
class ProductImage(MethodView):
    """A product's image (JPEG, PNG or WebP up to 5 MB; stored re-encoded as JPEG)."""

    @blp.response(
        200,
        {"type": "string", "format": "binary"},
        description="The image as JPEG",
        content_type="image/jpeg",
    )
    def get(self, product_id):
        """Download a product's image"""
        product = products.get_product(caller(), product_id)
        sha256 = products.image_key(product)
        if sha256 is not None and store.info(sha256) is not None:
            return send_stored(sha256, private=True, max_age=3600)
        path = products.legacy_image_file(product)  # until `flask files migrate`
        if path is None or not path.exists():
            abort(404, message=_("This product has no image."))
        return send_file(path, mimetype="image/jpeg", max_age=3600)

    @commits
    @blp.response(200, ProductSchema)
    def put(self, product_id):
        """Upload a product's image (multipart field "image")"""
        upload = request.files.get("image")
        if upload is None:
            abort(
                422,
                message=_("Send the image in a multipart field named image."),
                errors={"image": [_("Missing file.")]},
            )
        return products.save_image(caller(), product_id, upload.read(products.MAX_IMAGE_BYTES + 1))


@blp.route("/sites")
class Sites(MethodView):
    """Growing areas and facilities."""

    @blp.response(200, SiteSchema(many=True))
    @blp.paginate()
    def get(self, pagination_parameters):
        """List sites"""
        return paginate(sites.sites_query(caller()), pagination_parameters)

    @commits
    @blp.arguments(SiteInputSchema)
    @blp.response(201, SiteSchema)
    def post(self, values):
        """Register a site"""
        return sites.create_site(caller(), values)


@blp.route("/sites/<int:site_id>")
class SiteById(MethodView):
    """One site."""

    @blp.response(200, SiteSchema)
    def get(self, site_id):
        """Get a site"""
        return sites.get_site(caller(), site_id)

    @commits
    @blp.arguments(SitePutSchema)
    @blp.response(200, SiteSchema)
    def put(self, values, site_id):
        """Replace a site (every field sent; null clears an optional one)"""
        return sites.update_site(caller(), site_id, values)

    @commits
    @blp.arguments(SitePatchSchema)
    @blp.response(200, SiteSchema)
    def patch(self, patch, site_id):
        """Change some fields of a site (only the fields sent)"""
        return sites.patch_site(caller(), site_id, patch)


class CursorPageSchema(Schema):
    """Keyset paging: pass the previous page's ``next_cursor`` as ``cursor``."""

    cursor = fields.String(load_default=None)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


@blp.route("/batches")
class Batches(MethodView):
    """Batches (lots) the caller may see: its own, or delivered to it."""

    @blp.arguments(BatchQueryArgsSchema, location="query")
    @blp.arguments(CursorPageSchema, location="query", as_kwargs=True)
    @blp.response(200, BatchSchema(many=True))
    def get(self, args, cursor, limit):
        """List batches, newest first (cursor paging; X-Next-Cursor header)"""
        with_total = args.pop("with_total")
        page, next_cursor, total = batch_listing.batch_page(
            caller(), args, cursor, limit, with_total
        )
        headers = {"X-Next-Cursor": next_cursor or ""}
        if total is not None:
            headers["X-Total-Count"] = str(total)
        return page, 200, headers

    @commits
    @blp.arguments(BatchInputSchema)
    @blp.response(201, BatchSchema)
    def post(self, values):
        """Create a batch (draft)"""
        return batches.create_batch(caller(), values)


@blp.route("/batches/<int:batch_id>")
class BatchById(MethodView):
    """One batch."""

    @blp.response(200, BatchSchema)
    def get(self, batch_id):
        """Get a batch"""
        return batches.get_batch(caller(), batch_id)

    @commits
    @blp.arguments(BatchPutSchema)
    @blp.response(200, BatchSchema)
    def put(self, values, batch_id):
        """Replace a batch (every field sent; a null lot_code keeps the lot code)

        A draft changes in anything; an active batch only in its dates, growing areas and
        households. Once its labels are printed, a change needs a ``reason`` (else 409).
        """
        return batches.update_batch(caller(), batch_id, values)

    @commits
    @blp.arguments(BatchPatchSchema)
    @blp.response(200, BatchSchema)
    def patch(self, patch, batch_id):
        """Change some fields of a batch (only the fields sent)

        A draft changes in anything; an active batch can still be completed with its dates,
        growing areas and households. Once its labels are printed, a change is a correction:
        409 unless a ``reason`` is sent, which its revision keeps.
        """
        return batches.patch_batch(caller(), batch_id, patch)


@blp.route("/batches/<int:batch_id>/activate")
class BatchActivation(MethodView):
    """Making a draft batch active (a harvest or transformation does it too)."""

    @commits
    @blp.response(200, BatchSchema)
    def post(self, batch_id):
        """Activate a draft batch that a harvest or transformation made"""
        return batches.activate_batch(caller(), batch_id)


@blp.route("/batches/<int:batch_id>/close")
class BatchClosing(MethodView):
    """Closing an active batch (recalls are made through /recalls)."""

    @commits
    @blp.response(200, BatchSchema)
    def post(self, batch_id):
        """Close an active batch"""
        return batches.close_batch(caller(), batch_id)


class CompletenessSchema(Schema):
    """Whether a batch counts as traced, and its checklist."""

    traced = fields.Boolean()
    missing = fields.List(fields.String())
    checklist = fields.List(fields.Nested(MissingItemSchema))


@blp.route("/batches/<int:batch_id>/completeness")
class BatchCompleteness(MethodView):
    """A batch's traceability checklist (DESIGN.md section 6)."""

    @blp.response(200, CompletenessSchema)
    def get(self, batch_id):
        """Is this batch traced? What is missing?"""
        items = completeness.checklist(batches.get_batch(caller(), batch_id))
        return {
            "traced": all(i.ok for i in items),
            "missing": [i.key for i in items if not i.ok],
            "checklist": items,
        }


class TraceArgsSchema(Schema):
    """Direction and reach of a trace."""

    direction = fields.String(
        load_default="forward", validate=validate.OneOf(["forward", "backward"])
    )
    depth = fields.String(load_default="all", validate=validate.OneOf(["1", "all"]))


@blp.route("/batches/<int:batch_id>/trace")
class BatchTrace(MethodView):
    """A batch's genealogy with quantities and shipments."""

    @blp.arguments(TraceArgsSchema, location="query")
    @blp.response(200, TraceSchema)
    def get(self, args, batch_id):
        """Trace a batch backward or forward (one step with depth=1)"""
        depth = 1 if args["depth"] == "1" else None
        # The JSON is written in one piece by the service (a trace can have 10,000 lots);
        # TraceSchema documents it, and a test checks the two agree.
        body = trace_json(caller(), batch_id, args["direction"], depth)
        return Response(body, mimetype="application/json")


class EventQueryArgsSchema(Schema):
    """Filters of the event list."""

    batch_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf([kind.value for kind in EventKind]))
    since = fields.AwareDateTime(data_key="from")
    until = fields.AwareDateTime(data_key="to")


@blp.route("/events")
class Events(MethodView):
    """Critical tracking events (append-only)."""

    @blp.arguments(EventQueryArgsSchema, location="query")
    @blp.response(200, EventSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List events"""
        # The page's ids and the count in one statement, then the page's events.
        page, size = pagination_parameters.page, pagination_parameters.page_size
        rows, pagination_parameters.item_count = events.event_page(caller(), args, page, size)
        return rows

    @commits
    @blp.arguments(EventInputSchema)
    @blp.response(201, EventSchema)
    def post(self, values):
        """Record an event (harvest, input, transformation, shipping, receiving, inspection)"""
        return events.record_event(caller(), values)


@blp.route("/events/<int:event_id>")
class EventById(MethodView):
    """One event."""

    @blp.response(200, EventSchema)
    def get(self, event_id):
        """Get an event"""
        return events.get_event(caller(), event_id)


@blp.route("/events/<int:event_id>/corrections")
class EventCorrection(MethodView):
    """Declaring an event erroneous (a new event; the old one stays)."""

    @commits
    @blp.arguments(CorrectionInputSchema)
    @blp.response(201, EventSchema)
    def post(self, values, event_id):
        """Declare an event erroneous"""
        return events.declare_erroneous(caller(), event_id, values["reason"])
