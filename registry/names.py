"""Display names of the registry's codes, in the translation catalogue."""

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "cooperative": _l("Cooperative"),
    "cooperative_group": _l("Cooperative group"),
    "cooperative_union": _l("Cooperative union"),
    "enterprise": _l("Enterprise"),
    "agency": _l("Agency"),
}
STATUS_LABELS = {
    "active": _l("Active"),
    "suspended": _l("Suspended"),
    "dissolved": _l("Dissolved"),
}
# The buttons of the status changes (registry.services.statuses.StatusAction).
STATUS_ACTION_LABELS = {
    "suspend": _l("Suspend"),
    "reactivate": _l("Reactivate"),
    "dissolve": _l("Dissolve"),
}
SECTOR_LABELS = {
    "agricultural": _l("Agricultural"),
    "non_agricultural": _l("Non-agricultural"),
}
RATING_LABELS = {
    "good": _l("Good"),
    "fair": _l("Fair"),
    "average": _l("Average"),
    "weak": _l("Weak"),
}
MEMBER_TYPE_LABELS = {
    "official": _l("Official member"),
    "associate": _l("Associate member"),
}
ROLE_LABELS = {
    "department_admin": _l("Department administrator"),
    "cooperative": _l("Cooperative user"),
    "enterprise": _l("Enterprise user"),
}
LEVEL_LABELS = {
    "province": _l("Province"),
    "district": _l("District"),
    "commune": _l("Commune"),
    "ward": _l("Ward"),
    "special_zone": _l("Special zone"),
}


def template_labels() -> dict:
    """The label tables, for templates."""
    return {
        "kind_labels": KIND_LABELS,
        "status_labels": STATUS_LABELS,
        "status_action_labels": STATUS_ACTION_LABELS,
        "sector_labels": SECTOR_LABELS,
        "rating_labels": RATING_LABELS,
        "member_type_labels": MEMBER_TYPE_LABELS,
        "role_labels": ROLE_LABELS,
        "level_labels": LEVEL_LABELS,
    }
