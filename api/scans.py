"""Scans API: how often consumers opened the pages of the caller's lots, per day and in total.

Each figure is the number of distinct visitors per day (one visitor reloading counts once
a day), with the raw page views beside it as ``views``."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from webargs.fields import DelimitedList

from api.common import Blueprint, caller, load_bearer_user
from consumer import scans
from core.validation import InputSchema

blp = Blueprint("scans_api", __name__, description="Scans of consumer pages (lượt quét)")
blp.before_request(load_bearer_user)


class ScanCountsArgsSchema(InputSchema):
    """How many days back to count."""

    days = fields.Integer(load_default=30, validate=validate.Range(min=1, max=366))


class DayCountSchema(Schema):
    """Scans on one Vietnam calendar day."""

    date = fields.Date()
    count = fields.Integer(metadata={"description": "Distinct visitors that day"})
    views = fields.Integer(metadata={"description": "Page views that day, reloads included"})


class ScanCountsSchema(Schema):
    """A lot's scans per day (every day of the window, oldest first) and their total."""

    batch_id = fields.Integer()
    days = fields.Integer()
    total = fields.Integer(metadata={"description": "Distinct visitors per day, summed"})
    views = fields.Integer(metadata={"description": "Page views in the window"})
    per_day = fields.List(fields.Nested(DayCountSchema))


class ScanTotalsArgsSchema(InputSchema):
    """The lots to total, as comma-separated ids."""

    batch_ids = DelimitedList(
        fields.Integer(), required=True, validate=validate.Length(min=1, max=200)
    )


class ScanTotalsSchema(Schema):
    """All-time scans per lot id (lots of other organizations are left out)."""

    totals = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Distinct visitors per day, summed over every day"},
    )
    views = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Page views, reloads included"},
    )


@blp.route("/batches/<int:batch_id>/scans")
class BatchScans(MethodView):
    """Scans of one of the caller's lots."""

    @blp.arguments(ScanCountsArgsSchema, location="query")
    @blp.response(200, ScanCountsSchema)
    def get(self, args, batch_id):
        """Scans of a lot per day"""
        series = scans.scan_counts(caller(), batch_id, args["days"])
        return {
            "batch_id": batch_id,
            "days": args["days"],
            "total": sum(day.visitors for day in series),
            "views": sum(day.views for day in series),
            "per_day": [
                {"date": day.day, "count": day.visitors, "views": day.views} for day in series
            ],
        }


@blp.route("/scans/totals")
class ScanTotals(MethodView):
    """All-time scan totals of several of the caller's lots."""

    @blp.arguments(ScanTotalsArgsSchema, location="query")
    @blp.response(200, ScanTotalsSchema)
    def get(self, args):
        """Scan totals of lots"""
        totals = scans.scan_totals(caller(), args["batch_ids"])
        return {
            "totals": {str(batch_id): total.visitors for batch_id, total in totals.items()},
            "views": {str(batch_id): total.views for batch_id, total in totals.items()},
        }
