"""Display names of the trace side's codes (categories, units, statuses, event kinds…)."""

from flask_babel import lazy_gettext as _l

from trace.process_steps import STEP_NAMES, step_of

CATEGORY_LABELS = {
    "coffee": _l("Coffee"),
    "pepper": _l("Pepper"),
    "durian": _l("Durian"),
    "passion_fruit": _l("Passion fruit"),
    "cashew": _l("Cashew"),
    "macadamia": _l("Macadamia"),
    "rice": _l("Rice"),
    "vegetables": _l("Vegetables"),
    "fruit": _l("Fruit"),
    "rubber": _l("Rubber"),
    "cassava": _l("Cassava"),
    "sugarcane": _l("Sugarcane"),
    "medicinal_herbs": _l("Medicinal herbs"),
    "livestock": _l("Livestock"),
    "seafood": _l("Seafood"),
    "other": _l("Other"),
}
UNIT_LABELS = {
    "kg": _l("kg"),
    "t": _l("tonne"),
    "g": _l("g"),
    "l": _l("litre"),
    "piece": _l("piece"),
    "box": _l("box"),
    "bag": _l("bag"),
}
STANDARD_LABELS = {
    "vietgap": "VietGAP",
    "globalgap": "GlobalGAP",
    "organic": _l("Organic"),
    "ocop": "OCOP",
    "rainforest": "Rainforest Alliance",
    "4c": "4C",
    "haccp": "HACCP",
    "other": _l("Other"),
}
SITE_KIND_LABELS = {
    "growing_area": _l("Growing area"),
    "facility": _l("Facility (packing house, store, factory)"),
}
BATCH_STATUS_LABELS = {
    "draft": _l("Draft"),
    "active": _l("Active"),
    "closed": _l("Closed"),
    "recalled": _l("Recalled"),
}
EVENT_LABELS = {
    "harvest": _l("Harvest"),
    "input_applied": _l("Input applied"),
    "transformation": _l("Processing or packing"),
    "shipping": _l("Shipping"),
    "receiving": _l("Receipt"),
    "inspection": _l("Inspection"),
    "recall": _l("Recall"),
    "correction": _l("Correction"),
    "other": _l("Other event"),
}
TRANSFORMATION_LABELS = {
    "processing": _l("Processing (drying, hulling, roasting…)"),
    "packing": _l("Packing"),
    "splitting": _l("Splitting into smaller lots"),
    "merging": _l("Merging lots"),
}
REFERENCE_LABELS = {
    "contract": _l("Contract"),
    "invoice": _l("Invoice"),
    "po": _l("Purchase order"),
    "desadv": _l("Delivery note"),
    "other": _l("Other document"),
}
# A transformation's EPCIS bizStep, read back for the timeline.
STEP_LABELS = {
    "commissioning": _l("processing"),
    "packing": _l("packing"),
    "repackaging": _l("splitting or merging"),
}
RESULT_LABELS = {"pass": _l("Passed"), "fail": _l("Failed")}
ROLE_LABELS = {"object": "", "input": _l("used"), "output": _l("made")}


def template_labels() -> dict:
    """The label tables, for the trace templates."""
    return {
        "category_labels": CATEGORY_LABELS,
        "unit_labels": UNIT_LABELS,
        "standard_labels": STANDARD_LABELS,
        "site_kind_labels": SITE_KIND_LABELS,
        "batch_status_labels": BATCH_STATUS_LABELS,
        "event_labels": EVENT_LABELS,
        "transformation_labels": TRANSFORMATION_LABELS,
        "reference_labels": REFERENCE_LABELS,
        "step_labels": STEP_LABELS,
        "process_step_names": STEP_NAMES,
        "process_step_of": step_of,
        "result_labels": RESULT_LABELS,
        "line_role_labels": ROLE_LABELS,
    }
