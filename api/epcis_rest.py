"""GS1's EPCIS 2.0 REST binding under ``/epcis/v2``, for the parts that fit us.

``GET /events`` (the standard's query parameters, ``perPage``/``nextPageToken`` with a
``Link: <…>; rel="next"`` header), ``GET /events/{eventID}``, ``GET /eventTypes``,
``/bizSteps``, ``/dispositions``, ``/epcs/{epc}/events``, ``/bizLocations/{bizLocation}/events``,
``POST /capture`` (202, ``Location: /capture/{captureID}``; the worker captures) and
``GET /capture/{captureID}``. Every other operation of the binding answers 501.

Authentication is the API's bearer token (``api.common.load_bearer_user``: 401 before
anything else), and each caller sees what the export shows it. Errors are RFC 7807 problems
(``application/problem+json``) with the binding's exception types. Every answer carries
``GS1-EPCIS-Version``, ``GS1-CBV-Version`` and ``GS1-Extensions`` (our extension prefix).
"""

from urllib.parse import quote, urlencode

from flask import Blueprint, after_this_request, current_app, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from api.common import caller, load_bearer_user
from core.errors import ServiceError
from core.extensions import db
from core.security import own_body_limit
from core.urls import base_url
from epcis import (
    capture_jobs,
    query,
    tasks,  # noqa: F401 - declares the capture job for the worker
)
from epcis import export as epcis_export
from jobs import enqueue

bp = Blueprint("epcis_rest", __name__)
bp.before_request(load_bearer_user)

EPCIS_VERSION = "2.0.0"
CBV_VERSION = "2.0.0"
LD_JSON = "application/ld+json"
PROBLEM = "application/problem+json"
EXCEPTIONS = {
    400: "epcisException:QueryParameterException",
    401: "epcisException:SecurityException",
    403: "epcisException:SecurityException",
    404: "epcisException:NoSuchNameException",
    406: "epcisException:NotAcceptableException",
    413: "epcisException:CaptureLimitExceededException",
    415: "epcisException:UnsupportedMediaTypeException",
    501: "epcisException:ImplementationException",
}


@bp.after_request
def _binding_headers(response):
    response.headers["GS1-EPCIS-Version"] = EPCIS_VERSION
    response.headers["GS1-CBV-Version"] = CBV_VERSION
    response.headers["GS1-Extensions"] = f"htx={base_url()}/ns/"
    return response


@bp.before_request
def _check_versions():
    # The binding's version negotiation: we speak EPCIS and CBV 2.0 only.
    for header in ("GS1-EPCIS-Version", "GS1-CBV-Version", "GS1-EPCIS-Min", "GS1-CBV-Min"):
        asked = request.headers.get(header)
        if asked and not asked.strip().startswith("2"):
            return _problem(406, _("Only EPCIS 2.0 and CBV 2.0 are served here."))
    return None


@bp.errorhandler(ServiceError)
def _service_problem(exc: ServiceError):
    db.session.rollback()
    return _problem(exc.status, exc.message, exc.errors)


@bp.errorhandler(HTTPException)
def _http_problem(exc: HTTPException):
    data = getattr(exc, "data", None) or {}
    response = _problem(exc.code or 500, data.get("message") or exc.description)
    for key, value in (data.get("headers") or {}).items():
        response.headers[key] = value
    return response


def _problem(status: int, title: str, errors: dict | None = None, exception: str | None = None):
    body = {"type": exception or EXCEPTIONS.get(status, "epcisException:ImplementationException")}
    body.update(title=str(title), status=status)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    return response


def _ld_json(body: dict, status: int = 200):
    response = current_app.response_class(epcis_export.as_json(body), mimetype=LD_JSON)
    response.status_code = status
    return response


def _collection(members: list[str], context: dict | None = None):
    context_list = [epcis_export.EPCIS_CONTEXT_URL, *([context] if context else [])]
    return _ld_json({"@context": context_list, "type": "Collection", "member": members})


@bp.get("/events")
def events():
    """Events the caller may see, filtered by the standard's query parameters, a page at a time."""
    return _event_page(request.args)


@bp.get("/epcs/<path:epc>/events")
def epc_events(epc: str):
    """Events naming this EPC (a lot's URI: ours, a GS1 Digital Link or an EPC URN)."""
    return _event_page(request.args, MATCH_anyEPC=epc)


@bp.get("/bizLocations/<path:biz_location>/events")
def location_events(biz_location: str):
    """Events at this business location."""
    return _event_page(request.args, EQ_bizLocation=biz_location)


def _event_page(args, **fixed):
    user = caller()
    read = query.read_query(args)
    if "MATCH_anyEPC" in fixed:
        read.lots.append(fixed["MATCH_anyEPC"])
    if "EQ_bizLocation" in fixed:
        read.biz_locations.append(fixed["EQ_bizLocation"])
    page = query.event_page(user, read)
    response = _ld_json(epcis_export.query_document(page.events))
    if page.next_token:
        params = [(k, v) for k, v in args.items(multi=True) if k != "nextPageToken"]
        params.append(("nextPageToken", page.next_token))
        next_url = f"{request.base_url}?{urlencode(params)}"
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


@bp.get("/events/<path:event_id>", merge_slashes=False)
def event(event_id: str):
    """One event by its eventID (a ``ni:///sha-256;…`` hash, or the sender's ``urn:uuid:…``)."""
    found = query.event_by_id(caller(), event_id)
    return _ld_json(epcis_export.query_document([found]))


@bp.get("/eventTypes")
def event_types():
    """The five standard event types (we store no extension event types of our own)."""
    caller()
    return _collection(list(query.EVENT_TYPES))


@bp.get("/bizSteps")
def biz_steps():
    """CBV 2.0's business steps (our own few are URIs in our namespace, as events show)."""
    caller()
    return _collection(list(query.BIZ_STEPS))


@bp.get("/dispositions")
def dispositions():
    """CBV 2.0's dispositions."""
    caller()
    return _collection(list(query.DISPOSITIONS))


@bp.post("/capture")
@own_body_limit("EPCIS_CAPTURE_MAX_BYTES")
def capture():
    """Receive a document; 202 with the capture job's URL, the worker captures it."""
    user = caller()
    if not request.is_json:
        return _problem(415, _("Send the EPCIS document as application/ld+json or JSON."))
    document = request.get_json(silent=True)
    if not isinstance(document, dict) or document.get("type") not in (
        "EPCISDocument",
        "EPCISQueryDocument",
    ):
        return _problem(
            400,
            _("The body is not an EPCIS document."),
            exception="epcisException:ValidationException",
        )
    job = capture_jobs.create_job(user, document)
    db.session.commit()
    job_id = job.id

    @after_this_request
    def _queue(response):
        # Committed by now: the worker (or, in tests, this process) can read the job.
        enqueue(capture_jobs.CAPTURE_JOB, job_id)
        return response

    location = url_for(".capture_job", capture_id=job.capture_id)
    response = current_app.response_class(status=202)
    response.headers["Location"] = location
    return response


@bp.get("/capture/<capture_id>")
def capture_job(capture_id: str):
    """The capture job's state: running, success, and its errors (RFC 7807 problems)."""
    job = capture_jobs.get_job(caller(), capture_id)
    body = {
        "captureID": job.capture_id,
        "createdAt": epcis_export.timestamp(job.created_at),
        "running": job.running,
        "success": job.success,
        "captureErrorBehaviour": "rollback",
        "errors": job.errors or [],
    }
    if job.finished_at is not None:
        body["finishedAt"] = epcis_export.timestamp(job.finished_at)
    if not job.running and job.success:
        body["stored"], body["duplicates"] = job.stored, job.duplicates
    return jsonify(body)


@bp.route(
    "/",
    defaults={"rest": ""},
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    endpoint="not_implemented_root",
)
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_implemented(rest: str):
    """Every other operation of the binding (queries, subscriptions, capture lists…): 501."""
    caller()
    return _problem(
        501, _("This operation is not supported by this server: %(path)s", path=quote(rest))
    )
