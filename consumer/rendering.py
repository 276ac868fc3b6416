"""A lot's consumer page rendered from its rows: for a request (``consumer.views``) and ahead
of one, by the worker (``consumer.keeping``); the same bytes either way."""

from datetime import date

from flask import render_template
from flask_babel import get_locale

from consumer import http, images, page_cache, pages, slots


def helpers() -> dict:
    """What the public templates use: the language switch, today, and a date formatter."""
    return {
        "lang_url": http.with_language,
        "today": page_cache.today(),
        "day": http.day_formatter(),
    }


def render_lot(batch_id: int, helpers: dict) -> tuple[str, date | None]:
    """The lot's page, shared by its items: per-item and per-request parts left as slots;
    with the last day it reads the same (``pages.valid_through``)."""
    page = pages.consumer_page(batch_id, english=str(get_locale()) == "en")
    html = render_template(
        "public/lot.html",
        page=page,
        image=images.image_url(page.product),
        slot=slots.slot,
        **{
            **helpers,
            **http.template_gettext(),
            "lang_url": lambda code: slots.slot(f"lang:{code}"),
        },
    )
    return html, pages.valid_through(page, helpers["today"])
