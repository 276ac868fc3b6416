"""Downloading trace data from the web UI: a lot's trace report (CSV, XLSX) and EPCIS 2.0
document from the batch page, and the same for a range of days from the exports page;
refusals with the field named, and each role getting only what the services give it."""

import io
import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from epcis.views.downloads import SORT_LABELS
from tests.epcis_helpers import schema_errors, supply_chain
from tests.trace.test_trace_report import HEADERS, read_csv
from tests.trace_helpers import VIETNAM, Farm, when
from tests.web_helpers import field_error, text
from trace.services.report import COLUMNS, SORTS


@pytest.fixture
def chain(farm, buyer, world):
    return supply_chain(farm, buyer, world)


@pytest.fixture
def coop_a(login, world):
    return login(world["users"]["coop_a"])


def local_day(days_ago: int = 0) -> str:
    """A date as ``<input type="date">`` posts it, ``days_ago`` days before today in Vietnam."""
    return (datetime.now(VIETNAM).date() - timedelta(days=days_ago)).isoformat()


def fetch(client, url: str, expect: int = 200):
    """GET ``url`` in English (the files' headers and the messages are compared as such)."""
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}lang=en")
    assert response.status_code == expect, text(response)[:500]
    return response


def export(client, expect: int = 200, **args):
    """The exports page asked for a file (``from`` is a keyword: pass it as ``start``)."""
    if "start" in args:
        args["from"] = args.pop("start")
    return fetch(client, f"/trace/exports?{urlencode(args)}", expect)


def api_rows(farm_like, query: str) -> list[dict]:
    response = farm_like.client.get(
        f"/api/v1/trace-report?{query}", headers={**farm_like.headers, "Accept-Language": "en"}
    )
    assert response.status_code == 200
    return read_csv(response)


def api_events(farm_like, query: str) -> list[dict]:
    response = farm_like.client.get(f"/api/v1/epcis/events?{query}", headers=farm_like.headers)
    assert response.status_code == 200
    return json.loads(response.data)["epcisBody"]["eventList"]


def link(html: str, element_id: str) -> str:
    """The href of the link with this id on a page."""
    match = re.search(rf'id="{element_id}" href="([^"]+)"', html)
    assert match, f"no link #{element_id}"
    return match.group(1)


def xlsx_rows(response) -> list[dict]:
    assert response.mimetype.endswith("spreadsheetml.sheet")
    values = list(load_workbook(io.BytesIO(response.data)).active.values)
    assert list(values[0]) == HEADERS
    return [dict(zip(COLUMNS, row, strict=True)) for row in values[1:]]


def epcis_events(response) -> list[dict]:
    assert response.mimetype == "application/ld+json"
    assert "attachment" in response.headers["Content-Disposition"]
    document = json.loads(response.data)
    assert document["type"] == "EPCISDocument"
    return document["epcisBody"]["eventList"]


# A lot's files, from the links on its page ---------------------------------------------------


def test_the_batch_page_links_the_lots_csv(coop_a, farm, chain):
    page = text(fetch(coop_a, f"/trace/batches/{chain['green']}"))
    assert 'id="trace-data"' in page and 'href="/trace/exports"' in page
    response = fetch(coop_a, link(page, "report-csv"))
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert "attachment" in disposition and "trace-report-" in disposition
    assert "no-store" in response.headers["Cache-Control"]
    rows = read_csv(response)
    # The transformation that made the green lot (1 + 1 lines) and the split of it (1 + 2).
    assert len(rows) == 5
    assert {row["event_type"] for row in rows} == {"Processing or packing"}
    assert rows == api_rows(farm, f"batch_id={chain['green']}")


def test_the_lots_xlsx_has_the_same_rows(coop_a, chain):
    page = text(fetch(coop_a, f"/trace/batches/{chain['roasted'][0]}"))
    csv_rows = read_csv(fetch(coop_a, link(page, "report-csv")))
    rows = xlsx_rows(fetch(coop_a, link(page, "report-xlsx")))
    assert [row["event_id"] for row in rows] == [int(row["event_id"]) for row in csv_rows]
    assert [row["event_type"] for row in rows] == [row["event_type"] for row in csv_rows]
    assert {row["event_type"] for row in rows} == {"Processing or packing", "Shipping"}
    assert {row["lot"] for row in rows} >= {csv_rows[0]["lot"]}


def test_the_lots_epcis_document_validates_and_holds_its_events(coop_a, farm, chain):
    page = text(fetch(coop_a, f"/trace/batches/{chain['green']}"))
    response = fetch(coop_a, link(page, "epcis-jsonld"))
    assert "filename=epcis-" in response.headers["Content-Disposition"]
    assert response.headers["Content-Disposition"].endswith(".jsonld")
    document = json.loads(response.data)
    assert schema_errors(document) == []
    events = epcis_events(response)
    assert [e["type"] for e in events] == ["TransformationEvent"] * 2
    assert events == api_events(farm, f"batch_id={chain['green']}")


def test_a_lots_report_in_another_order_and_a_bad_sort(coop_a, chain):
    url = f"/trace/batches/{chain['roasted'][0]}/report.csv"
    rows = read_csv(fetch(coop_a, f"{url}?sort=event_type"))
    kinds = [row["event_type"] for row in rows]
    assert kinds == sorted(kinds)
    refused = fetch(coop_a, f"{url}?sort=quantity", expect=422)
    assert "Sort by event_time, lot or event_type." in text(refused)
    fetch(coop_a, f"/trace/batches/{chain['green']}/report.pdf", expect=404)


def test_a_lot_code_with_a_slash_makes_a_plain_file_name(coop_a, farm):
    product = farm.product()
    batch = farm.batch(product["id"], lot_code="CF/26.7")
    response = fetch(coop_a, f"/trace/batches/{batch['id']}/epcis.jsonld")
    assert "epcis-CF-26.7.jsonld" in response.headers["Content-Disposition"]
    assert epcis_events(response) == []


# The exports page: a range of days -----------------------------------------------------------


def test_the_exports_page_shows_the_form_with_the_last_30_days(coop_a):
    page = text(fetch(coop_a, "/trace/exports"))
    assert 'id="export-form"' in page and 'method="get"' in page
    assert f'name="from" type="date" value="{local_day(29)}"' in page
    assert f'name="to" type="date" value="{local_day(0)}"' in page
    assert '<option value="csv" selected>' in page
    assert 'name="sort"' in page and "Event type" in page
    assert 'name="organization_id"' not in page  # the department's filter only


def test_a_range_downloads_the_events_inside_it(coop_a, chain):
    # The shipment (5 days ago) and the inspection (3); the harvest (20) is outside.
    inside = read_csv(export(coop_a, start=local_day(7), to=local_day(0), kind="csv"))
    assert {row["event_type"] for row in inside} == {"Shipping", "Inspection"}
    rows = xlsx_rows(export(coop_a, start=local_day(7), to=local_day(0), kind="xlsx", sort="lot"))
    assert sorted(int(row["event_id"]) for row in inside) == sorted(r["event_id"] for r in rows)
    lots = [row["lot"] for row in rows]
    assert lots == sorted(lots)
    events = epcis_events(export(coop_a, start=local_day(7), to=local_day(0), kind="epcis"))
    steps = sorted(event["bizStep"] for event in events)
    # The shipment declared erroneous is in EPCIS with its errorDeclaration.
    assert steps == ["inspecting", "shipping", "shipping"]
    assert sum("errorDeclaration" in event for event in events) == 1
    older = read_csv(export(coop_a, start=local_day(25), to=local_day(18), kind="csv"))
    assert {row["event_type"] for row in older} == {"Harvest"}


def test_the_days_are_whole_local_days(coop_a, farm, world):
    product = farm.product()
    site = farm.site()
    batch = farm.batch(product["id"], lot_code="CF-26-050")
    farm.harvest(batch["id"], site["id"], days_ago=40)
    day = datetime.now(VIETNAM).date() - timedelta(days=10)
    times = {
        "before": f"{day - timedelta(days=1)}T23:50:00+07:00",
        "first": f"{day}T00:10:00+07:00",
        "last": f"{day}T23:50:00+07:00",
        "after": f"{day + timedelta(days=1)}T00:10:00+07:00",
    }
    ids = {}
    for name, moment in times.items():
        event = farm.post(
            "/events",
            {"kind": "inspection", "event_time": moment, "lines": [{"batch_id": batch["id"]}]},
        )
        ids[name] = event["id"]
    rows = read_csv(export(coop_a, start=day.isoformat(), to=day.isoformat(), kind="csv"))
    assert sorted(int(row["event_id"]) for row in rows) == sorted([ids["first"], ids["last"]])
    assert [row["event_time"][:10] for row in rows] == [day.isoformat()] * 2


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"start": local_day(1), "to": local_day(3)}, "to", "The period ends before it starts."),
        ({"start": "2026-02-30"}, "from", "Not a valid date (use YYYY-MM-DD)."),
        ({"to": "hôm qua"}, "to", "Not a valid date (use YYYY-MM-DD)."),
        ({"start": ""}, "from", "This field is required."),
        ({"start": local_day(366)}, "from", "At most 366 days at a time"),
        ({"start": "1999-12-31", "to": "2000-01-02"}, "from", "Choose a date in 2000 or later."),
        ({"to": local_day(-2)}, "to", "The date is in the future."),  # 2: a run may cross midnight
        ({"kind": "pdf"}, "kind", "Must be one of: csv, xlsx, epcis."),
        ({"sort": "quantity"}, "sort", "Must be one of: event_time, lot, event_type."),
        ({"kind": "epcis", "sort": "<script>"}, "sort", "Must be one of"),
    ],
)
def test_bad_input_is_refused_at_its_field(coop_a, args, field, message):
    query = {"start": local_day(10), "to": local_day(0), "kind": "csv", **args}
    response = export(coop_a, expect=422, **query)
    html = text(response)
    assert response.mimetype == "text/html"
    assert message in field_error(html, field)
    assert "Please correct the fields marked below." in html
    assert 'id="export-form"' in html


def test_a_span_of_366_days_is_allowed(coop_a, chain):
    rows = read_csv(export(coop_a, start=local_day(365), to=local_day(0), kind="csv"))
    assert len(rows) == 9  # every live line of the chain (see test_trace_report)


# Who gets what -------------------------------------------------------------------------------


def test_another_cooperative_gets_404_for_the_lots_files(login, world, chain):
    coop_b = login(world["users"]["coop_b"])
    for url in (
        f"/trace/batches/{chain['green']}/report.csv",
        f"/trace/batches/{chain['green']}/report.xlsx",
        f"/trace/batches/{chain['green']}/epcis.jsonld",
    ):
        fetch(coop_b, url, expect=404)
    assert read_csv(export(coop_b, start=local_day(40), to=local_day(0), kind="csv")) == []
    assert epcis_events(export(coop_b, start=local_day(40), to=local_day(0), kind="epcis")) == []


def test_an_enterprise_gets_what_was_shipped_to_it(login, world, client, token_for, buyer, chain):
    other = Farm(client, token_for(world["users"]["coop_b"]), world, org_key="coop_b")
    product = other.product(name="Hồ tiêu đen")
    site = other.site(household_ids=[world["member_b"]], planting_area_code="VN-52-HT-0001")
    pepper = other.batch(
        product["id"],
        lot_code="HT-26-009",
        households=[{"member_id": world["member_b"], "quantity": 1000}],
    )
    harvest = other.harvest(pepper["id"], site["id"], days_ago=6)
    ent_x = login(world["users"]["ent_x"])
    days = {"start": local_day(40), "to": local_day(0)}
    rows = read_csv(export(ent_x, kind="csv", **days))
    assert {row["event_type"] for row in rows} == {"Processing or packing", "Shipping", "Receipt"}
    assert "HT-26-009" not in {row["lot"] for row in rows}
    since = when(40).replace("+", "%2B")
    assert {row["event_id"] for row in rows} == {
        row["event_id"] for row in api_rows(buyer, f"from={since}")
    }
    events = epcis_events(export(ent_x, kind="epcis", **days))
    assert events and all("HT-26-009" not in json.dumps(event) for event in events)
    assert harvest["event_hash"] not in {event["eventID"] for event in events}
    fetch(ent_x, f"/trace/batches/{pepper['id']}/epcis.jsonld", expect=404)


def test_the_department_narrows_the_epcis_export_to_one_organization(login, world, chain):
    department = login(world["users"]["department"])
    page = text(fetch(department, "/trace/exports"))
    assert 'name="organization_id"' in page and "HTX Hồ tiêu Chư Sê" in page
    days = {"start": local_day(40), "to": local_day(0)}
    everything = epcis_events(export(department, kind="epcis", **days))
    # Coop A's seven events and the buyer's receipt.
    assert len(everything) == 8
    buyers = epcis_events(export(department, kind="epcis", organization_id=world["ent_x"], **days))
    assert [event["bizStep"] for event in buyers] == ["receiving"]
    assert (
        epcis_events(export(department, kind="epcis", organization_id=world["coop_b"], **days))
        == []
    )
    refused = export(department, expect=422, kind="csv", organization_id=world["coop_b"], **days)
    assert "Only the EPCIS document" in field_error(text(refused), "organization_id")
    for bad in ("999999", "-1", "x", "9" * 30):
        refused = export(department, expect=422, kind="epcis", organization_id=bad, **days)
        assert field_error(text(refused), "organization_id")


def test_a_cooperative_cannot_use_the_organization_filter(coop_a, world, chain):
    # Not offered to it: ignored, and the services still give only what it may see.
    rows = read_csv(
        export(coop_a, start=local_day(40), to=local_day(0), kind="csv", organization_id="x")
    )
    assert len(rows) == 9


def test_anonymous_visitors_are_sent_to_login(client):
    for url in (
        "/trace/exports?kind=csv",
        "/trace/batches/1/report.csv",
        "/trace/batches/1/epcis.jsonld",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_the_sort_choices_are_the_reports():
    assert list(SORT_LABELS) == list(SORTS)
