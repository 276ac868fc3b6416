"""The EPCIS capture page: a document uploaded through a form, stored whole or refused whole."""

import json
import re
from io import BytesIO

import pytest
from sqlalchemy import select

from core.extensions import db
from tests.conftest import csrf_token
from tests.epcis.capture_helpers import (
    base,
    document,
    object_event,
    receipts,
)
from tests.web_helpers import count, field_error, text
from trace.models import TraceEvent

PATH = "/trace/epcis/capture"


@pytest.fixture
def coop(world, login):
    """Coop A's staff, reading the pages in English."""
    client = login(world["users"]["coop_a"])
    client.get("/lang/en")
    return client


@pytest.fixture
def own_events(app, farm) -> list[dict]:
    """Coop A's harvest of one of its lots and an inspection of it, as its own system sends."""
    site, product = farm.site(), farm.product()
    lot = f"{base(app)}/q/{farm.batch(product['id'], 1000)['public_code']}"
    place = {"readPoint": {"id": f"{base(app)}/l/{site['code']}"}}
    harvest = object_event("commissioning", lot, 1000, days_ago=5, action="ADD", **place)
    return [harvest, object_event("inspecting", lot, 10, days_ago=2, **place)]


def upload(client, content, filename: str = "events.jsonld"):
    """Post the form with ``content`` (a document, or raw bytes) as the chosen file."""
    data = {"csrf_token": csrf_token(client, "/")}
    if content is not None:
        raw = content if isinstance(content, bytes) else json.dumps(content).encode()
        data["file"] = (BytesIO(raw), filename)
    return client.post(PATH, data=data, content_type="multipart/form-data")


def stored_ids(app, sent: dict) -> set[str]:
    """Which of the document's eventIDs are stored."""
    ids = [event["eventID"] for event in sent["epcisBody"]["eventList"]]
    with app.app_context():
        return set(
            db.session.scalars(select(TraceEvent.event_hash).where(TraceEvent.event_hash.in_(ids)))
        )


def flash(client) -> str:
    """The message the page shows after a redirect."""
    match = re.search(r'class="flash flash-success"[^>]*>([^<]+)<', text(client.get(PATH)))
    assert match, "no flash message"
    return match.group(1)


def report_rows(html: str) -> list[tuple[str, str, str]]:
    """(event number, eventID, field) of each row of the refusal's table."""
    table = html.split('id="capture-errors"', 1)[1].split("</table>", 1)[0]
    return re.findall(
        r"<tr><td[^>]*>([^<]+)</td><td>(?:<code>([^<]*)</code>)?</td><td><code>([^<]*)</code>",
        table,
    )


def test_the_page_explains_and_carries_the_form(coop):
    html = text(coop.get(PATH))
    assert "all or nothing" in html and "already stored are skipped" in html
    assert 'enctype="multipart/form-data"' in html and 'name="csrf_token"' in html
    assert re.search(
        r'<input id="f-file" name="file" type="file"[^>]*accept="\.json,\.jsonld', html
    )


def test_a_document_is_stored_and_the_counts_are_said(app, coop, own_events):
    sent = document(own_events)
    before = count(app, TraceEvent)
    response = upload(coop, sent)
    assert response.status_code == 302, text(response)[:2000]
    assert response.headers["Location"].endswith(PATH)
    assert flash(coop) == "Events stored: 2; already stored and skipped: 0."
    assert count(app, TraceEvent) == before + 2
    assert stored_ids(app, sent) == {e["eventID"] for e in sent["epcisBody"]["eventList"]}


def test_the_same_file_again_stores_nothing_new(app, coop, own_events):
    sent = document(own_events)
    assert upload(coop, sent).status_code == 302
    coop.get(PATH)  # the first flash is read
    before = count(app, TraceEvent)
    again = upload(coop, sent)
    assert again.status_code == 302
    assert flash(coop) == "Events stored: 0; already stored and skipped: 2."
    assert count(app, TraceEvent) == before


def test_one_bad_event_refuses_the_document_and_is_named(app, coop, own_events):
    bad = object_event("inspecting", f"{base(app)}/q/NOSUCHCODE000", 5, days_ago=1)
    sent = document([own_events[0], bad, own_events[1]])
    before = count(app, TraceEvent)
    response = upload(coop, sent)
    html = text(response)
    assert response.status_code == 422
    assert count(app, TraceEvent) == before
    assert stored_ids(app, sent) == set()
    assert "Nothing was stored" in html
    assert "Problems: 1; events with a problem: 1." in html
    bad_id = sent["epcisBody"]["eventList"][1]["eventID"]
    assert report_rows(html) == [("2", bad_id, "eventList[1].quantityList[0].epcClass")]
    assert "Unknown lot" in html
    # Corrected, the same file is stored whole.
    assert upload(coop, document(own_events)).status_code == 302
    assert count(app, TraceEvent) == before + 2


def test_a_problem_with_the_document_itself_is_listed_as_the_documents(app, coop):
    response = upload(coop, {"type": "EPCISDocument"})
    assert response.status_code == 422
    rows = report_rows(text(response))
    assert rows and {number for number, _id, _field in rows} == {"Document"}


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "Choose the EPCIS document file"),
        (b"{not json", "not a JSON document in UTF-8"),
        (b"\xff\xfe{\x00}\x00", "not a JSON document in UTF-8"),
        (b'{"epcisBody": NaN}', "not a JSON document in UTF-8"),
        (b"[1, 2]", "must hold one object"),
        (b'"EPCISDocument"', "must hold one object"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ],
    ids=["no file", "not json", "utf-16", "nan", "array", "string", "deep"],
)
def test_a_file_that_is_not_a_json_object_is_refused_on_the_file_field(app, coop, content, words):
    before = count(app, TraceEvent)
    response = upload(coop, content)
    assert response.status_code == 422
    assert words in field_error(text(response), "file")
    assert count(app, TraceEvent) == before


def test_a_byte_order_mark_is_allowed(app, coop, own_events):
    raw = b"\xef\xbb\xbf" + json.dumps(document(own_events)).encode()
    assert upload(coop, raw).status_code == 302
    assert flash(coop) == "Events stored: 2; already stored and skipped: 0."


def test_the_department_is_refused_and_an_enterprise_captures(
    app,
    world,
    login,
    client,
    delivered,  # noqa: F811 - the fixture imported above
):
    department = login(world["users"]["department"])
    department.get("/lang/en")
    refused = department.get(PATH)
    assert refused.status_code == 403
    assert "does not change them" in text(refused)
    before = count(app, TraceEvent)
    assert upload(department, document(receipts(app, world, delivered))).status_code == 403
    assert count(app, TraceEvent) == before
    assert client.get(PATH).status_code == 302  # anonymous: to the login page
    enterprise = login(world["users"]["ent_x"])
    assert enterprise.get(PATH).status_code == 200
    assert upload(enterprise, document(receipts(app, world, delivered))).status_code == 302
    assert count(app, TraceEvent) == before + 3


def test_the_form_needs_its_csrf_token(app, coop, own_events):
    before = count(app, TraceEvent)
    raw = json.dumps(document(own_events)).encode()
    response = coop.post(
        PATH, data={"file": (BytesIO(raw), "events.json")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400
    assert count(app, TraceEvent) == before


def test_the_capture_limit_not_the_apps_bounds_the_upload(app, coop, own_events, monkeypatch):
    raw = json.dumps(document(own_events)).encode()
    # Larger than the app's limit for other uploads, within the capture's own: accepted.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", len(raw) // 2)
    monkeypatch.setitem(app.config, "EPCIS_CAPTURE_MAX_BYTES", len(raw) * 2)
    assert upload(coop, raw).status_code == 302
    # Larger than the capture's limit: 413, nothing stored.
    before = count(app, TraceEvent)
    monkeypatch.setitem(app.config, "EPCIS_CAPTURE_MAX_BYTES", len(raw) // 2)
    too_large = upload(coop, raw)
    assert too_large.status_code == 413
    assert "too large" in text(too_large)
    assert count(app, TraceEvent) == before


def test_an_unreadable_configured_schema_the_page_says_so(
    app, coop, own_events, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "EPCIS_SCHEMA_PATH", str(tmp_path / "missing.json"))
    before = count(app, TraceEvent)
    response = upload(coop, document(own_events))
    assert response.status_code == 503
    html = text(response)
    assert "EPCIS capture is unavailable" in html and "missing.json" in html
    assert count(app, TraceEvent) == before


def with_note(events: list[dict], note: str) -> bytes:
    """The document (no eventIDs) with an extension field whose JSON text is ``note``."""
    raw = json.dumps(document(events, with_ids=False))
    return raw.replace(
        '"eventTimeZoneOffset"', f'"erp:note": {note}, "eventTimeZoneOffset"', 1
    ).encode()


@pytest.mark.parametrize(
    ("note", "refusal"),
    [
        (r'"a\u0000b"', "cannot be stored"),
        (r'"a\ud800b"', "cannot be stored"),
        (r'{"k\u0000": 1}', "cannot be stored"),
        (r'["x", ["\udfff"]]', "cannot be stored"),
        ("NaN", "not a JSON document"),
        ("[-Infinity]", "not a JSON document"),
        ("1e999", "not a JSON document"),
        (r'"\ud83c\udf3f c\u00e0 ph\u00ea"', None),  # a surrogate pair is one character
        (r'"a \\u0000 b"', None),  # a backslash, then the letters u0000
        ("1e300", None),
    ],
    ids=[
        "nul",
        "lone surrogate",
        "nul in a key",
        "nested surrogate",
        "nan",
        "infinity",
        "overflow",
        "emoji",
        "backslash",
        "large",
    ],
)
def test_what_the_database_cannot_hold_is_refused_before_capture(
    app, coop, own_events, note, refusal
):
    before = count(app, TraceEvent)
    response = upload(coop, with_note(own_events, note))
    if refusal is None:
        assert response.status_code == 302, text(response)[:2000]
        assert count(app, TraceEvent) == before + 2
    else:
        assert response.status_code == 422
        assert refusal in field_error(text(response), "file")
        assert count(app, TraceEvent) == before


@pytest.mark.parametrize("quantity", ["1e300", "9" * 400, "-10", "0"])
def test_impossible_quantities_are_reported_not_failed_on(app, coop, own_events, quantity):
    raw = json.dumps(document(own_events, with_ids=False)).replace(
        '"quantity": 10, ', f'"quantity": {quantity}, ', 1
    )
    before = count(app, TraceEvent)
    response = upload(coop, raw.encode())
    assert response.status_code == 422
    assert [row[0] for row in report_rows(text(response))] == ["2"]
    assert count(app, TraceEvent) == before


def test_lots_created_and_warnings_are_said_after_storing(app, coop, farm, own_events):
    """A harvest commissioning a new lot of a GTIN of coop A's, and an eventID that is a hash
    of something else: both stored, the page says so."""
    from gs1.event_hash import event_hash
    from tests.trace_helpers import GTIN

    farm.product(name="Cà phê quả tươi", gtin=GTIN)
    harvest = dict(own_events[0])
    harvest["quantityList"] = [
        {"epcClass": f"https://id.gs1.org/01/{GTIN}/10/WEB-01", "quantity": 50, "uom": "KGM"}
    ]
    harvest["ilmd"] = {"cbvmda:lotNumber": "WEB-01"}
    sent = document([harvest, own_events[0]])
    other = event_hash({**own_events[0], "erp:x": "y"}, sent["@context"])
    sent["epcisBody"]["eventList"][1]["eventID"] = other
    response = upload(coop, sent)
    assert response.status_code == 302, text(response)[:2000]
    html = text(coop.get(PATH))
    assert "Lots created: 1." in html
    assert "Event 2: This eventID is not the event&#39;s CBV 2.0 hash" in html
    assert "Events stored: 2; already stored and skipped: 0." in html
