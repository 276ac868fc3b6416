"""Recall pages: who sees the "Open a recall" link and may use the form, refusals shown beside
their fields with nothing written, login required except for the e-mail link's page."""

import re

import pytest

from core.extensions import db
from recall.models import Recall, RecallNotice
from tests.conftest import csrf_token, row_count
from trace.models import Batch, BatchStatus

REASON = "Phát hiện mảnh kim loại trong sản phẩm"


def written(app) -> tuple[int, int]:
    with app.app_context():
        return row_count(Recall), row_count(RecallNotice)


def status_of(app, batch_id: int) -> BatchStatus:
    with app.app_context():
        return db.session.get(Batch, batch_id).status


def post_form(client, batch_id: int, **fields):
    token = csrf_token(client, f"/recalls/new?batch_id={batch_id}")
    data = {"batch_id": batch_id, "reason": REASON, "severity": "serious", **fields}
    return client.post(
        "/recalls/new",
        data={k: v for k, v in data.items() if v is not None} | {"csrf_token": token},
    )


def test_the_link_on_the_lot_page_follows_the_roles(app, login, world, chain, no_smtp):
    def has_link(role, name):
        page = login(world["users"][role]).get(f"/trace/batches/{chain.id(name)}")
        assert page.status_code == 200
        return 'id="open-recall"' in page.get_data(as_text=True)

    assert has_link("coop_a", "RAW") and has_link("department", "RAW")
    assert not has_link("ent_x", "ROAST") and not has_link("ent_x", "PACK")
    response = post_form(login(world["users"]["department"]), chain.id("ROAST"))
    assert response.status_code == 302
    assert not has_link("coop_a", "ROAST")  # recalled already


def test_enterprises_and_other_cooperatives_cannot_open(app, login, world, chain, no_smtp):
    ent_x = login(world["users"]["ent_x"])
    assert ent_x.get(f"/recalls/new?batch_id={chain.id('ROAST')}").status_code == 403
    coop_b = login(world["users"]["coop_b"])
    assert coop_b.get(f"/recalls/new?batch_id={chain.id('RAW')}").status_code == 404
    coop_a = login(world["users"]["coop_a"])
    assert coop_a.get("/recalls/new").status_code == 404
    token = csrf_token(ent_x, "/recalls")  # the log-out form's token of X's own session
    response = ent_x.post(
        "/recalls/new",
        data={
            "batch_id": chain.id("ROAST"),
            "reason": REASON,
            "severity": "low",
            "csrf_token": token,
        },
    )
    assert response.status_code == 403
    assert written(app) == (0, 0)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": None}, "reason"),
        ({"reason": "abc"}, "reason"),
        ({"severity": "extreme"}, "severity"),
        ({"severity": None}, "severity"),
    ],
)
def test_bad_form_input_is_shown_beside_the_field(app, login, world, chain, no_smtp, fields, field):
    coop = login(world["users"]["coop_a"])
    response = post_form(coop, chain.id("RAW"), **fields)
    assert response.status_code == 422
    assert f'id="e-{field}"' in response.get_data(as_text=True)
    assert written(app) == (0, 0)
    assert status_of(app, chain.id("RAW")) == BatchStatus.ACTIVE


def test_recalling_a_recalled_lot_again_is_refused_on_the_form(app, login, world, chain, no_smtp):
    coop = login(world["users"]["coop_a"])
    assert post_form(coop, chain.id("B")).status_code == 302
    again = post_form(coop, chain.id("B"))
    assert again.status_code == 422 and "_schema" not in again.get_data(as_text=True)
    assert 'id="e-batch_id"' in again.get_data(as_text=True)
    assert written(app)[0] == 1


def test_closing_needs_an_outcome(app, login, world, chain, no_smtp):
    coop = login(world["users"]["coop_a"])
    location = post_form(coop, chain.id("RAW")).headers["Location"]
    recall_id = int(re.search(r"/recalls/(\d+)$", location).group(1))
    token = csrf_token(coop, f"/recalls/{recall_id}")
    response = coop.post(f"/recalls/{recall_id}/close", data={"csrf_token": token})
    assert response.status_code == 422 and 'id="e-outcome"' in response.get_data(as_text=True)
    ent_y = login(world["users"]["ent_y"])
    refused = ent_y.post(
        f"/recalls/{recall_id}/close",
        data={"outcome": "destroyed", "csrf_token": csrf_token(ent_y, f"/recalls/{recall_id}")},
    )
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Recall, recall_id).closed_at is None


def test_pages_need_a_login_and_load_nothing_from_elsewhere(app, client, login, world, chain):
    assert client.get("/recalls").status_code == 302
    assert client.get("/recalls/1").status_code == 302
    page = login(world["users"]["department"]).get("/recalls").get_data(as_text=True)
    assert not re.search(r'(src|href)="https?://', page)
    assert 'name="viewport"' in page


def test_a_recalled_lot_page_links_to_its_recall(app, login, world, chain, no_smtp):
    """The lot page of a recalled lot leads to the recall; a lot it never reached does not."""
    coop = login(world["users"]["coop_a"])
    assert post_form(coop, chain.id("ROAST")).status_code == 302
    page = coop.get(f"/trace/batches/{chain.id('ROAST')}").get_data(as_text=True)
    href = re.search(r'id="see-recall" href="([^"]+)"', page).group(1)
    opened = coop.get(href)
    assert opened.status_code == 302
    with app.app_context():
        recall_id = db.session.scalar(db.select(Recall.id))
    assert opened.headers["Location"].endswith(f"/recalls/{recall_id}")
    assert 'id="see-recall"' not in coop.get(f"/trace/batches/{chain.id('RAW')}").get_data(
        as_text=True
    )
    assert coop.get(f"/recalls/lot/{chain.id('RAW')}").status_code == 404
