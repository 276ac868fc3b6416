"""The public resolver (blueprint ``resolver``, no prefix): what a scanned QR code opens.

- ``/q/{code}`` — a lot's or unit's public code (Crockford: any case, O/I/L forgiven);
- ``/01/{GTIN}[/10/{lot}][/21/{serial}]`` — GS1 Digital Link; ``/01/{GTIN}`` alone is the
  product's page; query attributes (17, 7007, 422…) are checked and then ignored;
- ``?linkType=linkset`` (or ``all``) or ``Accept: application/linkset+json`` — the RFC 9264
  linkset; ``?linkType=gs1:traceability`` (or ``gs1:certificationInfo``) — a 307 redirect
  with the query string passed on; any other link type — the page (our pip);
- ``/q/{code}/trace.json`` — the public JSON of what the lot's page shows (the lot's
  ``gs1:traceability`` link);
- ``/img/p/{name}`` — a product's image, small; ``/.well-known/gs1resolver``; ``/healthz``.

A malformed identifier is answered 400, an unknown one 404, each with a page
(or JSON when asked for). Page views by people are recorded as scans.
"""

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from consumer import (
    answer,
    http,
    images,
    limit,
    lookup,
    page_cache,
    pages,
    public_json,
    rendering,
    scans,
)
from consumer.linkset import (
    CERTIFICATION,
    GS1_VOC,
    LINKSET_CONTEXT,
    LINKSET_MEDIA_TYPE,
    TRACEABILITY,
    Anchor,
    find_link,
    link_header,
    linkset_document,
    linkset_href,
    lot_anchors,
    normalise_link_type,
    product_anchor,
)
from consumer.lookup import Resolved
from consumer.places import place_name
from core.errors import error_body
from core.i18n import LOCALE_SESSION_KEY
from core.urls import base_url
from gs1.digital_link import Malformed, check_attributes, parse_digital_link, parse_public_code
from trace.models import Product
from trace.process_steps import STEP_NAMES
from trace.services.uris import public_uri

bp = Blueprint("resolver", __name__)
bp.after_request(http.add_cors)
# The consumer page's history names processing steps (its macros see globals only).
bp.add_app_template_global(STEP_NAMES, "process_step_names")


@bp.get("/q/<code>", strict_slashes=False)
@limit.limited
def by_code(code):
    """The page (or linkset) of the lot or unit with this public code."""
    try:
        code = parse_public_code(code)
        check_attributes(request.args)
    except Malformed as exc:
        return _malformed(exc)
    return _resolve(lookup.code_key(code), lambda language: lookup.by_code(code, language))


@bp.get("/q/<code>/trace.json")
@limit.limited
def page_json(code):
    """What the consumer page of the lot with this public code shows, as JSON."""
    try:
        code = parse_public_code(code)
    except Malformed as exc:
        return error_body(400, "malformed_identifier", _(exc.message, **exc.params)), 400
    limit.check()
    found = lookup.by_code(code)
    if found is None or found.unit is not None:
        message = _("We do not know this code. Check that you scanned the whole label.")
        return error_body(404, "not_found", message), 404
    language = str(get_locale())
    page = pages.consumer_page(found.id, english=language == "en")
    helpers = rendering.helpers()
    document = public_json.page_document(page, public_uri(found), helpers["today"], language)
    response = current_app.response_class(
        json.dumps(document, ensure_ascii=False), mimetype="application/json"
    )
    response.headers["Content-Language"] = language
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return http.conditional(response, http.LOT_CACHE, vary_accept=False)


@bp.get("/01/<path:rest>", strict_slashes=False)
@limit.limited
def digital_link(rest):
    """A GS1 Digital Link URI of ours: a lot, a unit or (GTIN alone) a product."""
    try:
        link = parse_digital_link(http.raw_path())
        check_attributes(request.args)
    except Malformed as exc:
        return _malformed(exc)
    if link.cpv is None and link.lot is None and link.serial is None:
        limit.check()
        return _product_level(pages.product_by_gtin(link.gtin))
    return _resolve(lookup.link_key(link), lambda language: lookup.by_link(link, language))


def _resolve(key: str, find):
    """Answer for the identifier ``key``; ``find(language)`` reads what it names from the
    database, with the lot's page kept in ``language`` (None: not a page request).

    A page request for an identifier this process has resolved before is served
    from the page cache without the database when the cache says it is current.
    """
    link_type = normalise_link_type(request.args.get("linkType"))
    wants_json = http.wants_json()
    wants_page = not wants_json and link_type not in ("linkset", TRACEABILITY, CERTIFICATION)
    if wants_page:
        response = _remembered_page(key)
        if response is not None:
            return response
    limit.check()
    language = _variant() if wants_page else None
    read, found = lookup.handed_on(request.environ, key, language)
    if not read:
        found = find(language)
    if found is None:
        return _not_found()
    # ``found`` has the attributes of a lot (and of its unit) that the links are made of.
    anchors = lot_anchors(found, found.unit, found.has_certificates)
    if link_type == "linkset" or wants_json:
        return _linkset(anchors, http.UNIT_CACHE if found.unit else http.LOT_CACHE)
    if link_type in (TRACEABILITY, CERTIFICATION):
        target = find_link(anchors, link_type)
        if target is not None:
            return _redirect(target.href, anchors[0])
    return _consumer_page(key, found)


def _remembered_page(key: str):
    remembered = lookup.remembered(key)
    if remembered is None:
        return None
    found, lots = remembered
    html = page_cache.fresh_page(found.id, _variant(), lots, read=limit.read)
    return _page_response(found, html) if html is not None else None


def _consumer_page(key: str, found: Resolved):
    helpers = rendering.helpers()
    html, lots = page_cache.cached_page(
        found, _variant(), lambda: rendering.render_lot(found.id, helpers)
    )
    lookup.remember(key, found, lots)
    return _page_response(found, html)


def _variant() -> str:
    return page_cache.page_variant(str(get_locale()))


def _page_response(found: Resolved, html: str):
    """The page of a lot (or unit) from its cached text, as ``answer.page_answer`` builds it."""
    language = _remember_language()
    pairs = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    asked = answer.PageRequest.of(
        request.environ, str(get_locale()), pairs, chose_language=language is not None
    )
    body, headers = answer.page_answer(
        current_app, found, html, asked, lambda: _item_parts(found.unit)
    )
    response = current_app.response_class(body, headers=headers)
    return response.make_conditional(request)


def _item_parts(unit) -> dict[str, str]:
    """An item's own parts of its lot's page: the fake-code alert, its serial, its scans."""
    stats = scans.unit_scan_stats(unit.id)
    day = http.day_formatter()
    return {
        "alert": str(get_template_attribute("public/_unit.html", "alert")(stats)),
        "item": str(get_template_attribute("public/_unit.html", "item")(unit)),
        "scans": str(get_template_attribute("public/_unit.html", "scans")(stats, day)),
    }


def _remember_language() -> str | None:
    """Keep the language picked with ?lang= for the next pages (the choice is remembered)."""
    asked = request.args.get("lang")
    if asked in current_app.config["LANGUAGES"]:
        session[LOCALE_SESSION_KEY] = asked
        return asked
    return None


def _product_level(product: Product | None):
    if product is None:
        return _not_found()
    anchor = product_anchor(product)
    link_type = normalise_link_type(request.args.get("linkType"))
    if link_type == "linkset" or http.wants_json():
        return _linkset([anchor], http.PRODUCT_CACHE)
    language = _remember_language()
    html = render_template(
        "public/product.html",
        product=product,
        name=pages.local_name(product.name, product.name_en, str(get_locale()) == "en"),
        image=images.image_url(product),
        producer_place=place_name(product.organization.admin_unit_id),
        **rendering.helpers(),
    )
    cache = http.PERSONAL_CACHE if language else http.PRODUCT_CACHE
    return http.html_response(html, cache, link_header(anchor, linkset_href(anchor)))


def _linkset(anchors: list[Anchor], cache_control: str):
    body = json.dumps(linkset_document(anchors), ensure_ascii=False)
    mimetype = "application/json" if http.wanted_type() == "application/json" else None
    response = current_app.response_class(body, mimetype=mimetype or LINKSET_MEDIA_TYPE)
    response.headers["Link"] = (
        f'<{LINKSET_CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; '
        f'type="application/ld+json"'
    )
    return http.conditional(response, cache_control)


def _redirect(href: str, anchor: Anchor):
    response = redirect(http.passed_on(href), 307)
    response.headers["Link"] = link_header(anchor, linkset_href(anchor))
    response.headers["Cache-Control"] = http.LOT_CACHE
    response.vary.add("Accept")
    return response


def _malformed(exc: Malformed):
    message = _(exc.message, **exc.params)
    if http.wants_json():
        return error_body(400, "malformed_identifier", message), 400
    return _error_page(400, message), 400


def _not_found():
    message = _("We do not know this code. Check that you scanned the whole label.")
    if http.wants_json():
        return error_body(404, "not_found", message), 404
    return _error_page(404, message), 404


def _error_page(status: int, message: str) -> str:
    return render_template(
        "public/error.html", status=status, message=message, **rendering.helpers()
    )


@bp.errorhandler(429)
def _too_many(exc):
    message = _("You opened many pages in a short time. Please wait a minute and try again.")
    if http.wants_json():
        return error_body(429, "too_many_requests", message), 429
    return _error_page(429, message), 429


@bp.get("/img/p/<name>")
@limit.limited
def product_image(name):
    """A product's image, made small for a phone; the name is unique, so it is cached for good."""
    limit.check()
    path = images.small_image(name)
    if path is None:
        abort(404)
    return images.image_response(path)


@bp.get("/.well-known/gs1resolver")
def resolver_description():
    """The GS1 resolver description file."""
    description = {
        "name": _("Cooperative traceability resolver"),
        "resolverRoot": base_url(),
        "supportedPrimaryKeys": ["01"],
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
        "jsonLdContextLocation": LINKSET_CONTEXT,
        "contact": {"fn": _("Cooperative traceability service")},
    }
    response = current_app.response_class(
        json.dumps(description, ensure_ascii=False), mimetype="application/json"
    )
    return http.conditional(response, "public, max-age=86400", vary_accept=False)


@bp.get("/healthz")
def healthz():
    """A trivial liveness answer (also the load test's baseline)."""
    return "ok", 200, {"Content-Type": "text/plain", "Cache-Control": "no-store"}
