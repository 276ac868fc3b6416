"""Processing steps named by what they are (sơ chế, chế biến): a vocabulary per product category.

A processing event (a TransformationEvent of kind "processing") may name its step:
drying, hulling, roasting… The step is carried into EPCIS as a business step of our
own, ``{PUBLIC_BASE_URL}/ns/bizstep/{step}`` (CBV 2.0 allows a URI where it has no
term), so a partner reading our events sees it, and the pages read it back from there.
An event that names no step keeps CBV's ``commissioning``.
"""

from flask_babel import lazy_gettext as _l

from trace.models import ProductCategory as C

STEP_NAMES = {
    "cleaning": _l("Cleaning"),
    "washing": _l("Washing"),
    "fermenting": _l("Fermenting"),
    "threshing": _l("Threshing"),
    "drying": _l("Drying"),
    "hulling": _l("Hulling"),
    "shelling": _l("Shelling"),
    "peeling": _l("Peeling"),
    "steaming": _l("Steaming"),
    "milling": _l("Milling"),
    "polishing": _l("Polishing"),
    "sorting": _l("Sorting and grading"),
    "roasting": _l("Roasting"),
    "grinding": _l("Grinding"),
    "cutting": _l("Cutting"),
    "pulping": _l("Pulping"),
    "freezing": _l("Freezing"),
    "coagulating": _l("Coagulating"),
    "pressing": _l("Pressing"),
    "chilling": _l("Chilling"),
}

# The steps each category goes through, in their usual order.
BY_CATEGORY: dict[C, tuple[str, ...]] = {
    C.COFFEE: ("washing", "fermenting", "drying", "hulling", "sorting", "roasting", "grinding"),
    C.PEPPER: ("threshing", "washing", "drying", "sorting", "grinding"),
    C.DURIAN: ("cleaning", "sorting", "freezing"),
    C.PASSION_FRUIT: ("cleaning", "sorting", "pulping", "freezing"),
    C.CASHEW: ("drying", "steaming", "shelling", "peeling", "sorting", "roasting"),
    C.MACADAMIA: ("drying", "shelling", "sorting", "roasting"),
    C.RICE: ("threshing", "drying", "hulling", "milling", "polishing", "sorting"),
    C.VEGETABLES: ("cleaning", "washing", "sorting", "cutting", "chilling"),
    C.FRUIT: ("cleaning", "sorting", "drying", "freezing"),
    C.RUBBER: ("coagulating", "pressing", "drying"),
    C.CASSAVA: ("peeling", "cutting", "drying", "grinding"),
    C.SUGARCANE: ("cleaning", "pressing"),
    C.MEDICINAL_HERBS: ("cleaning", "cutting", "drying", "grinding"),
    C.LIVESTOCK: ("cutting", "chilling", "freezing"),
    C.SEAFOOD: ("cleaning", "sorting", "drying", "freezing"),
    C.OTHER: tuple(STEP_NAMES),
}
_OURS = "/ns/bizstep/"


def steps_for(categories) -> list[str]:
    """The steps of these product categories, each once, in vocabulary order."""
    wanted = {step for category in categories for step in BY_CATEGORY[C(category)]}
    return [step for step in STEP_NAMES if step in wanted]


def biz_step_uri(base: str, step: str) -> str:
    """The EPCIS business step of ours that names ``step``."""
    return f"{base}{_OURS}{step}"


def step_of(biz_step: str | None) -> str | None:
    """The processing step an EPCIS business step of ours names, or None."""
    if not biz_step or _OURS not in biz_step:
        return None
    step = biz_step.rsplit(_OURS, 1)[1]
    return step if step in STEP_NAMES else None
