"""The acknowledgement link of a notice: a page anyone holding the link may confirm on.

Opening the link (GET) only shows the recall and a button: mail scanners that
follow links must not acknowledge on a person's behalf. The POST records it.
"""

from flask import render_template, request
from flask_babel import gettext as _

from core.extensions import db
from recall.schemas import AcknowledgeInputSchema
from recall.services import notices, recalls
from recall.views.common import bp, load


@bp.route("/ack/<token>", methods=["GET", "POST"], endpoint="acknowledge_link")
def acknowledge_link(token: str):
    """Show a notice's recall and record its acknowledgement (no login needed)."""
    recipient = notices.recipient_for_token(token)
    errors: dict = {}
    status = 200
    if request.method == "POST":
        values, errors = load(AcknowledgeInputSchema(), ("name",))
        if values is not None:
            recipient = recalls.acknowledge_by_token(token, values.get("name"))
            db.session.commit()
        else:
            status = 422
    response = render_template(
        "recall/acknowledge_link.html",
        recipient=recipient,
        recall=recipient.recall,
        errors=errors,
        done_message=_("Thank you: your acknowledgement has been recorded."),
    )
    return response, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
