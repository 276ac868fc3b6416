"""Display names of linkage codes: Decree 98's linkage forms, statuses, prices, support.

The msgids are English; the Vietnamese wording of Decree 98/2018/NĐ-CP is kept in
the comments beside each form so the translator can use the decree's own words.
"""

from flask_babel import lazy_gettext as _l

# Decree 98/2018/NĐ-CP Art. 4 (hình thức liên kết): (short name, the decree's description).
LINKAGE_FORMS = {
    # Liên kết cung ứng vật tư, dịch vụ đầu vào, tổ chức sản xuất, thu hoạch, sơ chế,
    # chế biến gắn với tiêu thụ nông sản.
    1: (
        _l("Full chain"),
        _l(
            "Supply of inputs and services, organised production, harvest, preliminary "
            "processing and processing, tied to the sale of the products"
        ),
    ),
    # Liên kết cung ứng vật tư, dịch vụ đầu vào gắn với tiêu thụ nông sản.
    2: (
        _l("Inputs and sale"),
        _l("Supply of inputs and services tied to the sale of the products"),
    ),
    # Liên kết tổ chức sản xuất, thu hoạch gắn với tiêu thụ nông sản.
    3: (
        _l("Production and sale"),
        _l("Organised production and harvest tied to the sale of the products"),
    ),
    # Liên kết cung ứng vật tư, dịch vụ đầu vào, tổ chức sản xuất, thu hoạch gắn với
    # tiêu thụ nông sản.
    4: (
        _l("Inputs, production and sale"),
        _l(
            "Supply of inputs and services, organised production and harvest, tied to the "
            "sale of the products"
        ),
    ),
    # Liên kết tổ chức sản xuất, thu hoạch, sơ chế, chế biến gắn với tiêu thụ nông sản.
    5: (
        _l("Production, processing and sale"),
        _l(
            "Organised production, harvest, preliminary processing and processing, tied to "
            "the sale of the products"
        ),
    ),
    # Liên kết cung ứng vật tư, dịch vụ đầu vào, sơ chế, chế biến gắn với tiêu thụ nông sản.
    6: (
        _l("Inputs, processing and sale"),
        _l(
            "Supply of inputs and services, preliminary processing and processing, tied to "
            "the sale of the products"
        ),
    ),
    # Liên kết sơ chế, chế biến gắn với tiêu thụ nông sản.
    7: (
        _l("Processing and sale"),
        _l("Preliminary processing and processing tied to the sale of the products"),
    ),
}

CONTRACT_STATUS_LABELS = {
    "draft": _l("Draft"),
    "signed": _l("Signed, not yet in force"),
    "active": _l("In force"),
    "expired": _l("Expired"),
    "completed": _l("Completed"),
    "terminated": _l("Terminated"),
}
PRICE_MECHANISM_LABELS = {
    "fixed": _l("Fixed price"),
    "floor": _l("Guaranteed floor price"),
    "market_formula": _l("Market price formula"),
}
PARTY_ROLE_LABELS = {
    "lead": _l("Lead party"),
    "cooperative": _l("Cooperative party"),
}
SUPPORT_CATEGORY_LABELS = {
    "consulting": _l("Consulting (Decree 98 Art. 7)"),
    "infrastructure": _l("Linkage-project infrastructure (Art. 8)"),
    "inputs": _l("Seeds, materials, packaging and labels (Art. 9)"),
    "technology": _l("Technology transfer and chain quality management (Art. 9)"),
    "training": _l("Training"),
}
CLAIM_STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "granted": _l("Granted"),
    "rejected": _l("Rejected"),
}
DELIVERY_STATUS_LABELS = {
    "pending": _l("Waiting for the cooperative"),
    "confirmed": _l("Confirmed"),
    "rejected": _l("Rejected by the cooperative"),
}
# Every term of a contract in the order of the form and the contract page.
TERM_LABELS = {
    "quality_standard": _l("Quality standard and specification"),
    "delivery_terms": _l("Time, place and method of delivery"),
    "payment_terms": _l("Payment: schedule and method"),
    "input_advances": _l("Input advances and how they are offset"),
    "rights_obligations": _l("Rights and obligations of the parties"),
    "risk_sharing": _l("Risk sharing"),
    "force_majeure": _l("Force majeure"),
    "breach_liability": _l("Liability for breach"),
    "dispute_resolution": _l("Dispute resolution"),
    "amendment_termination": _l("Amendment and termination"),
}


def form_name(number: int) -> str:
    """ "n. short name" of a linkage form (the number alone for one the decree does not know)."""
    if number not in LINKAGE_FORMS:
        return str(number)
    return f"{number}. {LINKAGE_FORMS[number][0]}"


def form_options() -> list[tuple[str, str]]:
    """(value, "n. short name") of the seven forms, for a select."""
    return [(str(number), form_name(number)) for number in LINKAGE_FORMS]


def template_labels() -> dict:
    """The label tables, for the linkage templates."""
    return {
        "linkage_forms": LINKAGE_FORMS,
        "contract_status_labels": CONTRACT_STATUS_LABELS,
        "price_mechanism_labels": PRICE_MECHANISM_LABELS,
        "party_role_labels": PARTY_ROLE_LABELS,
        "support_category_labels": SUPPORT_CATEGORY_LABELS,
        "claim_status_labels": CLAIM_STATUS_LABELS,
        "delivery_status_labels": DELIVERY_STATUS_LABELS,
        "term_labels": TERM_LABELS,
    }
