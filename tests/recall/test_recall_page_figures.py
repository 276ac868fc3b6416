"""The recall page's figures (issue 20 item 2): a lot's "held by" shows what that
organization still held when the recall opened, not the lot's size (part of which went
to the recipients listed below); a notice whose recipient has already acknowledged is not
shown as waiting to be sent, and is not sent."""

import re

from sqlalchemy import select

from core.extensions import db
from recall.models import Recall
from recall.services import notices
from tests.web_helpers import text

REASON = "Dư lượng thuốc bảo vệ thực vật vượt mức cho phép"


def _open(farm, chain) -> int:
    body = {"batch_id": chain.id("RAW"), "reason": REASON, "severity": "serious"}
    return farm.post("/recalls", body)["id"]


def test_held_by_is_what_the_holder_still_had(app, chain, farm, login, world, no_smtp):
    recall_id = _open(farm, chain)
    with app.app_context():
        recall = db.session.scalars(select(Recall)).one()
        held = {row.batch_id: float(row.quantity) for row in recall.batches}
    # ROAST: 500 kg made, 300 kg shipped to X; RAW: all of it split into A and B.
    assert held[chain.id("ROAST")] == 200
    assert held[chain.id("RAW")] == 0
    assert held[chain.id("B")] == 0  # all 400 kg went to Y
    html = text(login(world["users"]["coop_a"]).get(f"/recalls/{recall_id}?lang=en"))
    row = re.search(
        rf"<tr><td><a [^>]*><code>{chain.lots['ROAST']['lot_code']}</code>.*?</tr>", html, re.S
    )
    assert row and "200" in row.group(0) and "500" not in row.group(0)
    assert "Held when recalled" in html


def test_an_acknowledged_recipients_notice_is_neither_waiting_nor_sent(
    app, chain, farm, buyer, login, world, no_smtp
):
    recall_id = _open(farm, chain)
    page = login(world["users"]["coop_a"])
    html = text(page.get(f"/recalls/{recall_id}?lang=en"))
    assert html.count("Waiting to be sent") == 2  # X and Y
    with app.test_request_context():
        assert len(notices.due_notice_ids(recall_id)) == 2
    buyer.post(f"/recalls/{recall_id}/acknowledge", {}, expect=200)
    html = text(page.get(f"/recalls/{recall_id}?lang=en"))
    x_row = re.search(rf'<tr data-org="{world["ent_x"]}">.*?</tr>', html, re.S).group(0)
    assert "Waiting to be sent" not in x_row and "acknowledged already" in x_row
    assert html.count("Waiting to be sent") == 1  # Y's still is
    with app.test_request_context():
        assert len(notices.due_notice_ids(recall_id)) == 1
        assert notices.unsent_count(recall_id) == 1
