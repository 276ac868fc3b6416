"""A cooperative's own figures mention an open recall of its lots (issue 20 item 2): it is
not told "100% traced" with its own recall open and no word of it."""

from tests import labels_helpers
from tests.web_helpers import text

complete_batch = labels_helpers.complete_batch


def test_my_figures_mention_the_open_recall(farm, login, world, complete_batch, no_smtp):
    batch = complete_batch()
    client = login(world["users"]["coop_a"])
    assert 'id="open-recalls"' not in text(client.get("/indicators/mine?lang=en"))
    recall = farm.post(
        "/recalls",
        {"batch_id": batch["id"], "reason": "Dư lượng thuốc vượt mức", "severity": "serious"},
    )
    html = text(client.get("/indicators/mine?lang=en"))
    assert 'id="open-recalls"' in html and "1 open recall reaches your lots" in html
    assert f"/recalls/{recall['id']}" in html
    # Another cooperative's figures say nothing of it.
    assert 'id="open-recalls"' not in text(
        login(world["users"]["coop_b"]).get("/indicators/mine?lang=en")
    )
