"""Pages kept ahead of their first view (``consumer.keeping``): ``flask consumer keep-pages``
for every public lot, and the worker's job after a lot changes, for it and the lots made
from it. A first view afterwards renders nothing and sends the bytes a render would."""

from sqlalchemy import delete, select

from consumer import keeping, page_cache
from consumer.models import LotPage
from consumer.tasks import keep_pages_ahead
from core.extensions import db
from tests.consumer_helpers import in_english, make_lot, pack_from, page


def _kept(app) -> set[tuple[int, str]]:
    with app.app_context():
        return {
            tuple(row) for row in db.session.execute(select(LotPage.batch_id, LotPage.language))
        }


def test_keep_pages_renders_every_public_lot_once_in_each_language(
    app, client, runner, farm, renders
):
    lots = [make_lot(farm, gtin=None, contract=False) for _ in range(3)]
    draft = farm.batch(farm.product()["id"])  # not harvested: a draft, not public
    result = runner.invoke(args=["consumer", "keep-pages"])
    assert result.exit_code == 0, result.output
    ids = {lot["batch"]["id"] for lot in lots}
    assert _kept(app) == {(lot_id, language) for lot_id in ids for language in ("vi", "en")}
    assert draft["id"] not in {lot_id for lot_id, _ in _kept(app)}
    assert "6 pages rendered and kept for 3 lots." in result.output
    again = runner.invoke(args=["consumer", "keep-pages"])
    assert "0 pages rendered and kept for 3 lots." in again.output  # all current already
    rendered = len(renders)

    in_english(client)
    kept_view = page(client, f"/q/{lots[0]['code']}")
    assert len(renders) == rendered  # read from lot_pages
    with app.app_context():
        db.session.execute(delete(LotPage))
        db.session.commit()
    fresh_view = page(client, f"/q/{lots[0]['code']}")
    assert len(renders) == rendered + 1
    assert kept_view.data == fresh_view.data


def test_a_change_queues_its_lots_and_the_job_keeps_them_and_those_made_from_them(
    app, client, farm, buyer, world, renders, monkeypatch
):
    cherries = make_lot(farm, contract=False)
    farm.ship(cherries["batch"]["id"], 600, world["ent_x"], days_ago=4)
    packed = pack_from(buyer, cherries)
    queued = []
    monkeypatch.setitem(app.config, "PUBLIC_PAGE_KEEP_AHEAD", True)
    monkeypatch.setattr(
        page_cache.jobs, "enqueue", lambda name, ids: queued.append((name, ids)) or True
    )
    farm.ship(cherries["batch"]["id"], 100, world["ent_x"], days_ago=1)
    assert queued == [(page_cache.KEEP_PAGES_JOB, [cherries["batch"]["id"]])]

    with app.app_context():
        keep_pages_ahead(queued[0][1])
    both = {cherries["batch"]["id"], packed["id"]}
    assert _kept(app) == {(lot_id, language) for lot_id in both for language in ("vi", "en")}
    rendered = len(renders)
    in_english(client)
    html = page(client, f"/q/{packed['public_code']}").text
    assert html.count("Shipped to Công ty TNHH X") == 2  # the new shipment, from the kept page
    assert len(renders) == rendered


def test_a_change_reaching_many_lots_keeps_the_changed_ones_first(app, farm, monkeypatch):
    lots = [make_lot(farm, gtin=None, contract=False)["batch"]["id"] for _ in range(3)]
    monkeypatch.setattr(keeping, "AHEAD_LIMIT", 2)
    with app.app_context():
        assert keeping.lots_ahead([lots[2], lots[0], lots[2]]) == [lots[0], lots[2]]
