"""Indicators API: the linkage and traceability rates, grouped and filtered."""

from flask import make_response
from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.common import Blueprint, caller, load_bearer_user, public
from indicators.services import (
    GROUP_BYS,
    definitions,
    linkage_rate,
    open_data,
    parse_query,
    scoped_query,
    targets,
    traceability_rate,
)

blp = Blueprint("indicators_api", __name__, description=__doc__.splitlines()[0])
blp.before_request(load_bearer_user)

OPEN_DATA_MAX_AGE = 300  # seconds: the aggregate changes slowly; caches may share it


class IndicatorArgsSchema(Schema):
    """A date or a period, an area, a category and a grouping."""

    as_of = fields.Date(metadata={"description": "The date (default today); not with from/to."})
    date_from = fields.Date(data_key="from", metadata={"description": "First day of a period."})
    date_to = fields.Date(data_key="to", metadata={"description": "Last day of a period."})
    admin_unit = fields.String(
        validate=validate.Length(max=10),
        metadata={"description": "Province or commune code, or a former district's code."},
    )
    category = fields.String(validate=validate.Length(max=40))
    group_by = fields.String(validate=validate.OneOf(GROUP_BYS), metadata={"enum": GROUP_BYS})


class OpenDataArgsSchema(Schema):
    """The date of the public aggregate."""

    as_of = fields.Date(metadata={"description": "The date (default today)."})


class RowSchema(Schema):
    """One line of a rate: the whole scope, or one group."""

    key = fields.String(allow_none=True, metadata={"description": "Code, category or YYYY-MM."})
    label = fields.String()
    numerator = fields.Integer()
    denominator = fields.Integer()
    rate = fields.Float(allow_none=True)


class LinkageRowSchema(RowSchema):
    """Linked cooperatives ÷ cooperatives, with groups and unions beside."""

    groups = fields.Integer()
    groups_linked = fields.Integer()
    unions = fields.Integer()
    unions_linked = fields.Integer()


class TraceabilityRowSchema(RowSchema):
    """Traced products ÷ products, with batches and kilograms beside."""

    products_with_batches = fields.Integer()
    batches = fields.Integer()
    traced_batches = fields.Integer()
    batch_rate = fields.Float(allow_none=True)
    quantity_kg = fields.Float()
    traced_quantity_kg = fields.Float()
    quantity_rate = fields.Float(allow_none=True)


class PeriodSchema(Schema):
    """First and last day (inclusive)."""

    date_from = fields.Date(data_key="from")
    date_to = fields.Date(data_key="to")


class IndicatorSchema(Schema):
    """A rate with its definition and target."""

    indicator = fields.String()
    definition = fields.String()
    target = fields.Float()
    as_of = fields.Date()
    period = fields.Nested(PeriodSchema)
    admin_unit = fields.String(allow_none=True)
    category = fields.String(allow_none=True)
    group_by = fields.String(allow_none=True)


class LinkageSchema(IndicatorSchema):
    """The linkage rate."""

    rows = fields.List(fields.Nested(LinkageRowSchema))


class TraceabilitySchema(IndicatorSchema):
    """The traceability rate."""

    rows = fields.List(fields.Nested(TraceabilityRowSchema))


def _indicator(kind: str, compute, args: dict) -> dict:
    group_by = args.pop("group_by", None) or None
    raw = {
        "as_of": args.get("as_of"),
        "from": args.get("date_from"),
        "to": args.get("date_to"),
        "admin_unit": args.get("admin_unit"),
        "category": args.get("category"),
    }
    query = scoped_query(caller(), parse_query(raw))
    start, end = query.period
    return {
        "indicator": kind,
        "definition": definitions()[kind],
        "target": targets()[kind],
        "as_of": query.day,
        "period": {"date_from": start, "date_to": end},
        "admin_unit": query.admin_unit,
        "category": query.category,
        "group_by": group_by,
        "rows": compute(query, group_by),
    }


@blp.route("/indicators/linkage")
class Linkage(MethodView):
    """The linkage rate (DESIGN.md section 8): department any scope, a cooperative its own."""

    @blp.arguments(IndicatorArgsSchema, location="query")
    @blp.response(200, LinkageSchema)
    def get(self, args):
        """Linkage rate, grouped by commune, former district, category or month"""
        return _indicator("linkage", linkage_rate, args)


@blp.route("/indicators/traceability")
class Traceability(MethodView):
    """The traceability rate, with traced batches and quantity beside it."""

    @blp.arguments(IndicatorArgsSchema, location="query")
    @blp.response(200, TraceabilitySchema)
    def get(self, args):
        """Traceability rate, grouped by commune, former district, category or month"""
        return _indicator("traceability", traceability_rate, args)


class AreaRatesSchema(Schema):
    """Both rates of one area."""

    code = fields.String()
    name = fields.String()
    linkage = fields.Dict()
    traceability = fields.Dict()


class OpenDataSchema(Schema):
    """The public aggregate: the province and its communes, no names of people."""

    as_of = fields.String()
    period = fields.Dict()
    targets = fields.Dict()
    definitions = fields.Dict()
    province = fields.Nested(AreaRatesSchema)
    communes = fields.List(fields.Nested(AreaRatesSchema))


@blp.route("/indicators/open-data")
class OpenData(MethodView):
    """Open data: province and commune aggregates only, anonymous and cacheable."""

    @public
    @blp.arguments(OpenDataArgsSchema, location="query")
    @blp.response(200, OpenDataSchema)
    @blp.doc(security=[])
    def get(self, args):
        """Province and commune indicators (public, no sign-in)"""
        response = make_response(OpenDataSchema().dump(open_data(args.get("as_of"))))
        response.headers["Cache-Control"] = f"public, max-age={OPEN_DATA_MAX_AGE}"
        return response
