"""The issue's "done when", end to end through the web pages: a raw lot that was split,
processed and shipped to two enterprises is recalled by its cooperative. Checked: the lots
marked recalled, the recipients with their quantities, the notices received by a real SMTP
server (aiosmtpd on localhost), the acknowledgements (by the e-mail link, without login, and
by the button, logged in), the consumer banners of every lot and unit at once, the clock,
the department's list, closing, and the producer's event chain."""

import json
import re

from sqlalchemy import select

from core.extensions import db
from gs1.event_hash import document_event_hashes
from recall.models import AckChannel, NoticeStatus, Recall, RecallNotice, RecallRecipient
from tests.conftest import csrf_token
from tests.epcis_helpers import schema_errors
from tests.recall_helpers import add_unit
from trace.models import Batch, BatchStatus, EventKind, TraceEvent

AFFECTED = ("RAW", "A", "B", "ROAST", "PACK")
REASON = "Aflatoxin B1 vượt ngưỡng 5 µg/kg (phiếu kiểm nghiệm số 123/KN)"
BROWSER = {"Accept": "text/html"}


def consumer(client, code: str, **headers):
    """A consumer's GET of a lot or unit page."""
    return client.get(f"/q/{code}", headers={**BROWSER, **headers})


def open_recall_on_the_web(app, login, world, chain):
    """The cooperative opens the recall from the lot's page; returns its client and the page."""
    coop = login(world["users"]["coop_a"])
    batch_page = coop.get(f"/trace/batches/{chain.id('RAW')}").get_data(as_text=True)
    match = re.search(r'id="open-recall" href="([^"]+)"', batch_page)
    assert match, "no 'Open a recall' link on the lot's page"
    form_path = match.group(1).replace("&amp;", "&")
    response = coop.post(
        "/recalls/new",
        data={
            "batch_id": chain.id("RAW"),
            "reason": REASON,
            "severity": "serious",
            "csrf_token": csrf_token(coop, form_path),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return coop, response.headers["Location"]


def test_recall_of_a_split_processed_shipped_lot(app, client, login, world, chain, smtp_server):
    units = {name: add_unit(app, chain.id(name)) for name in ("RAW", "PACK", "OTHER")}
    before = {name: consumer(client, chain.code(name)) for name in (*AFFECTED, "OTHER")}
    for response in before.values():
        assert response.status_code == 200 and 'id="recall"' not in response.get_data(as_text=True)
    for code in units.values():
        assert 'id="recall"' not in consumer(client, code).get_data(as_text=True)

    coop, location = open_recall_on_the_web(app, login, world, chain)

    # Consumer pages: every affected lot and unit shows the banner at once; the old ETag is stale.
    for name in AFFECTED:
        response = consumer(
            client, chain.code(name), **{"If-None-Match": before[name].headers["ETag"]}
        )
        assert response.status_code == 200, name
        assert 'id="recall"' in response.get_data(as_text=True), name
    for name in ("RAW", "PACK"):
        assert 'id="recall"' in consumer(client, units[name]).get_data(as_text=True), name
    assert 'id="recall"' not in consumer(client, chain.code("OTHER")).get_data(as_text=True)
    assert 'id="recall"' not in consumer(client, units["OTHER"]).get_data(as_text=True)

    with app.app_context():
        statuses = dict(db.session.execute(select(Batch.id, Batch.status)).all())
        recall = db.session.scalars(select(Recall)).one()
        assert {n for n in chain.lots if statuses[chain.id(n)] == BatchStatus.RECALLED} == set(
            AFFECTED
        )
        assert {row.batch_id: row.depth for row in recall.batches} == {
            chain.id("RAW"): 0,
            chain.id("A"): 1,
            chain.id("B"): 1,
            chain.id("ROAST"): 2,
            chain.id("PACK"): 3,
        }
        received = {
            r.organization_id: [(i["batch_id"], i["quantity"]) for i in r.received]
            for r in recall.recipients
        }
        assert received == {
            world["ent_x"]: [(chain.id("ROAST"), 300.0)],
            world["ent_y"]: [(chain.id("B"), 400.0)],
        }
        notices = db.session.scalars(select(RecallNotice)).all()
        assert {(n.address, n.status) for n in notices} == {
            ("x@dn.vn", NoticeStatus.SENT),
            ("y@dn.vn", NoticeStatus.SENT),
        }
        recall_id = recall.id
        event = db.session.get(TraceEvent, recall.event_id)
        assert event.kind == EventKind.RECALL and event.organization_id == world["coop_a"]
        assert event.epcis["disposition"] == "recalled" and event.epcis["bizStep"] == "holding"
        assert {line.batch_id for line in event.lines} == {chain.id(n) for n in AFFECTED}
    assert location.endswith(f"/recalls/{recall_id}")

    # The SMTP server got one notice per enterprise, naming the lot, the quantity and the link.
    assert sorted(rcpt for rcpt, _m in smtp_server.messages) == ["x@dn.vn", "y@dn.vn"]
    lot_code = chain.lots["RAW"]["lot_code"]
    for address, lot, quantity in (("x@dn.vn", "ROAST", "300"), ("y@dn.vn", "B", "400")):
        [message] = smtp_server.to(address)
        assert lot_code in message["Subject"]
        body = smtp_server.body(message)
        assert chain.lots[lot]["lot_code"] in body and quantity in body and REASON in body
        assert "/recalls/ack/" in body

    # Y follows the link in its e-mail, without logging in: the GET alone records nothing.
    stranger = app.test_client()
    ack_path = smtp_server.ack_path("y@dn.vn")
    page = stranger.get(ack_path)
    assert page.status_code == 200 and lot_code in page.get_data(as_text=True)
    assert acknowledgements(app) == {}
    done = stranger.post(
        ack_path, data={"name": "Trần Văn Kho", "csrf_token": csrf_token(stranger, ack_path)}
    )
    assert done.status_code == 200 and 'id="acknowledged"' in done.get_data(as_text=True)
    assert acknowledgements(app) == {world["ent_y"]: ("Trần Văn Kho", AckChannel.LINK)}
    assert stranger.get(ack_path.replace("/ack/", "/ack/x")).status_code == 404

    # The detail page: the clock counts 1 of 2; X is listed as not acknowledged yet.
    detail = coop.get(f"/recalls/{recall_id}").get_data(as_text=True)
    assert 'id="remaining"' in detail and 'id="pending"' in detail
    pending = detail.split('id="pending"')[1].split("</ul>")[0]
    assert "Công ty TNHH X" in pending and "Công ty CP Y" not in pending

    # X acknowledges with the button, logged in.
    ent_x = login(world["users"]["ent_x"])
    page = ent_x.get(f"/recalls/{recall_id}").get_data(as_text=True)
    assert 'id="my-ack"' in page
    response = ent_x.post(
        f"/recalls/{recall_id}/acknowledge",
        data={"csrf_token": csrf_token(ent_x, f"/recalls/{recall_id}")},
    )
    assert response.status_code == 302
    acks = acknowledgements(app)
    assert acks[world["ent_x"]][1] == AckChannel.WEB
    assert 'id="pending"' not in coop.get(f"/recalls/{recall_id}").get_data(as_text=True)

    # The department sees the open recall; the cooperative closes it; it leaves the open list.
    dept = login(world["users"]["department"])
    assert f"/recalls/{recall_id}" in dept.get("/recalls").get_data(as_text=True)
    response = coop.post(
        f"/recalls/{recall_id}/close",
        data={
            "outcome": "destroyed",
            "note": "Tiêu huỷ 1.000 kg",
            "csrf_token": csrf_token(coop, f"/recalls/{recall_id}"),
        },
    )
    assert response.status_code == 302
    assert f"/recalls/{recall_id}" not in dept.get("/recalls").get_data(as_text=True)
    assert f"/recalls/{recall_id}" in dept.get("/recalls?status=closed").get_data(as_text=True)


def acknowledgements(app) -> dict:
    """{organization id: (acknowledged by, via)} of every acknowledged recipient."""
    with app.app_context():
        rows = db.session.scalars(
            select(RecallRecipient).where(RecallRecipient.acknowledged_at.is_not(None))
        )
        return {r.organization_id: (r.acknowledged_by_name, r.acknowledged_via) for r in rows}


def test_the_recall_event_keeps_the_producer_chain_valid(app, runner, farm, chain, no_smtp):
    response = farm.post(
        "/recalls", {"batch_id": chain.id("RAW"), "reason": REASON, "severity": "moderate"}
    )
    assert response["event_id"]
    result = runner.invoke(args=["trace", "verify"])
    assert result.exit_code == 0, result.output


def test_the_recall_event_exports_as_valid_epcis(app, client, farm, chain, no_smtp):
    recall = farm.post(
        "/recalls", {"batch_id": chain.id("ROAST"), "reason": REASON, "severity": "low"}
    )
    response = client.get("/api/v1/epcis/events", headers=farm.headers)
    assert response.status_code == 200
    document = json.loads(response.data)
    assert schema_errors(document) == []
    events = document["epcisBody"]["eventList"]
    [event] = [e for e in events if e.get("disposition") == "recalled"]
    assert event["bizStep"] == "holding" and event["action"] == "OBSERVE"
    assert event["htx:recall"] == str(recall["id"])
    assert len(event["quantityList"]) == 2  # the roast and the pack made from it
    assert [e["eventID"] for e in events] == document_event_hashes(document)
