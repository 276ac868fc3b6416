"""No label for a recalled lot (issue 20 item 2): the lot page offers no "Print labels",
and the API and the print page refuse with 409 and the reason, recording nothing."""

from labels.models import LabelPrint
from tests import labels_helpers
from tests.conftest import csrf_token, row_count
from tests.web_helpers import text

complete_batch = labels_helpers.complete_batch


def _recall(farm, batch_id):
    farm.post(
        "/recalls",
        {"batch_id": batch_id, "reason": "Dư lượng thuốc vượt mức", "severity": "serious"},
    )


def test_a_recalled_lot_is_refused_labels_with_409(app, farm, complete_batch, no_smtp):
    batch = complete_batch()
    _recall(farm, batch["id"])
    path = f"/api/v1/batches/{batch['id']}/label-prints"
    response = farm.client.post(path, json={"layout": "roll-50x30"}, headers=farm.headers)
    assert response.status_code == 409, response.json
    assert "thu hồi" in response.json["errors"]["batch"][0]  # "recalled", Vietnamese first
    units = farm.client.post(
        f"/api/v1/batches/{batch['id']}/units", json={"count": 2}, headers=farm.headers
    )
    assert units.status_code == 409, units.json
    with app.app_context():
        assert row_count(LabelPrint) == 0


def test_the_recalled_lot_page_offers_no_print_and_the_form_answers_409(
    app, farm, complete_batch, login, world, no_smtp
):
    batch = complete_batch()
    client = login(world["users"]["coop_a"])
    assert 'id="print-labels"' in text(client.get(f"/trace/batches/{batch['id']}"))
    _recall(farm, batch["id"])
    assert 'id="print-labels"' not in text(client.get(f"/trace/batches/{batch['id']}"))
    page = f"/trace/batches/{batch['id']}/labels"
    response = client.post(
        page,
        data={
            "layout": "roll-50x30",
            "mode": "batch",
            "copies": "1",
            "csrf_token": csrf_token(client, page),
        },
    )
    assert response.status_code == 409
    with app.app_context():
        assert row_count(LabelPrint) == 0
