"""The public JSON of a lot: exactly what its consumer page shows, for machines.

The lot's linkset points its ``gs1:traceability`` link here, so the link opens for
anyone, like the page. The document is made from the page's own data
(``consumer.pages.consumer_page``) and its words from the page's own macros (the
history's lines, the standards' names), in the page's language: it holds nothing the
page does not show (no ids, no households' names, the producer's phone only while
the lot is recalled, as the page's banner shows it).
"""

from datetime import UTC, date, datetime

from flask import get_template_attribute
from flask_babel import gettext as _

from consumer.images import image_url
from consumer.pages import ConsumerPage
from consumer.scans import VIETNAM
from core.urls import base_url


def page_document(page: ConsumerPage, page_uri: str, today: date, language: str) -> dict:
    """The JSON document of the consumer page ``page`` (whose address is ``page_uri``)."""
    batch = page.batch
    image = image_url(page.product)
    return {
        "language": language,
        "page": page_uri,
        "product": {"name": page.product.name, "image": base_url() + image if image else None},
        "lot": {
            "lotCode": batch.lot_code,
            "status": batch.status.value,
            "harvested": _iso(batch.harvest_date),
            "produced": _iso(batch.production_date),
            "packed": _iso(batch.packing_date),
            "useBy": _iso(batch.expiry_date),
        },
        "recall": _recall(page),
        "producer": _producer(page),
        "origins": [
            {
                "name": origin.name,
                "place": origin.commune,
                "plantingAreaCode": origin.planting_area_code,
            }
            for origin in page.origins
        ],
        "households": page.households,
        "certificates": [_certificate(page, standard, today) for standard in page.standards],
        "sales": [{"enterprise": s.enterprise, "contract": s.reference} for s in page.sales],
        "history": _history(page),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime) -> str:
    """A moment in Vietnam time, with its offset (SQLite hands back naive UTC)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM).isoformat(timespec="seconds")


def _recall(page: ConsumerPage) -> dict | None:
    if not page.recalled:
        return None
    notice = page.recall
    return {
        "date": _moment(notice.time) if notice else None,
        "reason": notice.reason if notice else None,
        "whatToDo": _(
            "Do not eat or use this product. Take it back to the shop where you bought it; "
            "it will be taken back."
        ),
    }


def _producer(page: ConsumerPage) -> dict:
    producer = page.producer
    return {
        "name": producer.name,
        "address": producer.address,
        "place": page.producer_place,
        "phone": producer.phone if page.recalled else None,
    }


def _certificate(page: ConsumerPage, standard, today: date) -> dict:
    name = get_template_attribute("public/_macros.html", "standard_name")(standard)
    if page.recalled:
        state = "suspended"
    elif standard.expires_on is None:
        state = None
    else:
        state = "valid" if standard.expires_on >= today else "expired"
    return {
        "name": name.striptags(),  # a macro's output is Markup
        "certificate": standard.certificate_number,
        "issuer": standard.issuer,
        "expiresOn": _iso(standard.expires_on),
        "state": state,
    }


def _history(page: ConsumerPage) -> list[dict]:
    step_text = get_template_attribute("public/_macros.html", "step_text")
    return [
        {"time": _moment(step.time), "text": step_text(step).striptags()} for step in page.steps
    ]
