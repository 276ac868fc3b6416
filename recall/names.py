"""Names of recall values as people read them (translated)."""

from flask_babel import lazy_gettext as _l

SEVERITY_LABELS = {
    "serious": _l("Serious: may cause serious harm to health"),
    "moderate": _l("Moderate: may cause temporary harm"),
    "low": _l("Low: unlikely to harm health"),
}
STATUS_LABELS = {"open": _l("Open"), "closed": _l("Closed")}
OUTCOME_LABELS = {
    "destroyed": _l("Goods destroyed"),
    "returned": _l("Goods returned to the producer"),
    "reprocessed": _l("Goods reprocessed"),
    "not_found": _l("Goods no longer found on the market"),
    "other": _l("Other (see note)"),
}
CHANNEL_LABELS = {"link": _l("E-mail link"), "web": _l("Web page"), "api": _l("API")}
NOTICE_LABELS = {"pending": _l("Waiting to be sent"), "sent": _l("Sent"), "failed": _l("Failed")}


def template_labels() -> dict:
    """The label tables, for templates."""
    return {
        "severity_labels": SEVERITY_LABELS,
        "recall_status_labels": STATUS_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "channel_labels": CHANNEL_LABELS,
        "notice_labels": NOTICE_LABELS,
    }
