"""The web pages of a batch's labels and scans: print, preview, refuse, scope, count.

PDFs are downloaded through the web form (with its CSRF token), rasterised with
pdftoppm and decoded with zxing-cpp, as in tests/labels/test_labels.py.
"""

import io
import re
from html import unescape

import pytest
from PIL import Image
from sqlalchemy import func, select

from core.extensions import db
from tests import labels_helpers
from tests.conftest import csrf_token
from tests.consumer_helpers import BROWSER
from tests.labels_helpers import decode_image, decode_pdf
from tests.trace_helpers import GTIN
from trace.models import Batch, UnitCode
from trace.services.uris import public_uri, unit_uri

BASE = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL of the test configuration
# The fixtures of tests/labels_helpers.py: a batch complete but for its label; the QR decoder.
complete_batch = labels_helpers.complete_batch
zxing = labels_helpers.zxing


def labels_path(batch: dict) -> str:
    return f"/trace/batches/{batch['id']}/labels"


def post_labels(web, batch: dict, **fields):
    """Submit the print form as a browser does: with the page's own CSRF token."""
    token = csrf_token(web, labels_path(batch))
    return web.post(labels_path(batch), data={"csrf_token": token, **fields})


def unit_uris(app, batch_id: int) -> list[str]:
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        units = db.session.scalars(
            select(UnitCode).where(UnitCode.batch_id == batch_id).order_by(UnitCode.id)
        )
        return [unit_uri(unit, batch) for unit in units]


def lot_uri(app, batch_id: int) -> str:
    with app.app_context():
        return public_uri(db.session.get(Batch, batch_id))


def label_issued(app, batch_id: int):
    with app.app_context():
        return db.session.get(Batch, batch_id).label_issued_at


@pytest.fixture
def web(login, world):
    return login(world["users"]["coop_a"])


def test_batch_page_links_to_labels_and_scans(web, complete_batch):
    batch = complete_batch()
    html = web.get(f"/trace/batches/{batch['id']}").get_data(as_text=True)
    assert f'href="{labels_path(batch)}"' in html
    assert f'href="/trace/batches/{batch["id"]}/scans"' in html


def test_print_page_lists_layouts_and_previews_without_issuing(app, web, complete_batch, zxing):
    batch = complete_batch()
    response = web.get(labels_path(batch))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for key in ("a4-3x8", "a4-4x10", "roll-50x30", "roll-40x25"):
        assert f'value="{key}"' in html
    assert 'name="csrf_token"' in html and 'id="label-preview"' in html
    preview = web.get(f"{labels_path(batch)}/preview.png?layout=roll-40x25")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
    with Image.open(io.BytesIO(preview.data)) as image:
        assert decode_image(zxing, image) == [lot_uri(app, batch["id"])]
    assert label_issued(app, batch["id"]) is None  # a preview is not a print


def test_per_item_pdf_holds_exactly_the_minted_codes(app, web, complete_batch, zxing, tmp_path):
    batch = complete_batch()
    first = post_labels(web, batch, layout="a4-4x10", mode="units", count="3")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    earlier = unit_uris(app, batch["id"])
    assert len(earlier) == 3
    response = post_labels(web, batch, layout="a4-3x8", mode="units", count="30")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    minted = unit_uris(app, batch["id"])[3:]
    assert len(minted) == 30 and len(set(minted)) == 30
    decoded = decode_pdf(zxing, response.data, tmp_path)
    assert sorted(decoded) == sorted(minted)  # the new 30, once each; not the 3 made before
    assert all(uri.startswith(f"{BASE}/01/{GTIN}/10/") and "/21/" in uri for uri in decoded)
    assert label_issued(app, batch["id"]) is not None
    again = post_labels(web, batch, layout="roll-50x30", mode="existing")
    assert sorted(decode_pdf(zxing, again.data, tmp_path)) == sorted(earlier + minted)


def test_batch_labels_pdf_carries_the_lot_uri(app, web, complete_batch, zxing, tmp_path):
    batch = complete_batch()
    response = post_labels(web, batch, layout="a4-4x10", mode="batch", copies="5")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert decode_pdf(zxing, response.data, tmp_path) == [lot_uri(app, batch["id"])] * 5
    with app.app_context():
        assert db.session.scalar(select(func.count(UnitCode.id))) == 0


def test_post_without_csrf_is_refused(app, web, complete_batch):
    batch = complete_batch()
    response = web.post(
        labels_path(batch), data={"layout": "a4-3x8", "mode": "units", "count": "5"}
    )
    assert response.status_code == 400
    assert unit_uris(app, batch["id"]) == []


def test_bad_form_values_are_named(app, web, complete_batch):
    batch = complete_batch()
    response = post_labels(web, batch, layout="a5-huge", mode="units", count="abc")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="e-layout"' in html and 'id="e-count"' in html
    too_many = post_labels(web, batch, layout="a4-3x8", mode="units", count="10001")
    assert too_many.status_code == 422 and 'id="e-count"' in too_many.get_data(as_text=True)
    assert unit_uris(app, batch["id"]) == []


def test_incomplete_batch_gets_no_label_and_names_what_is_missing(app, web, farm):
    product = farm.product(gtin=GTIN)
    batch = farm.batch(product["id"], 100)
    report = farm.get(f"/batches/{batch['id']}/completeness")
    wanted = [i["label"] for i in report["checklist"] if not i["ok"] and i["key"] != "label"]
    assert wanted
    page = web.get(labels_path(batch))
    assert page.status_code == 200
    html = unescape(page.get_data(as_text=True))
    assert 'id="missing"' in html and 'id="label-form"' not in html
    for item in wanted:
        assert item in html
    refused = post_labels_anyway(web, batch, layout="a4-3x8", mode="units", count="5")
    assert refused.status_code == 422
    assert all(item in unescape(refused.get_data(as_text=True)) for item in wanted)
    assert unit_uris(app, batch["id"]) == []
    assert label_issued(app, batch["id"]) is None


def post_labels_anyway(web, batch: dict, **fields):
    """Post the form although the page offers none (a token from another page of the session)."""
    token = csrf_token(web, f"/trace/batches/{batch['id']}")
    return web.post(labels_path(batch), data={"csrf_token": token, **fields})


@pytest.mark.parametrize(("user", "status"), [("coop_b", 404), ("ent_x", 403), ("department", 403)])
def test_only_the_owning_cooperative_prints(app, login, world, complete_batch, user, status):
    batch = complete_batch()
    other = login(world["users"][user])
    assert other.get(labels_path(batch)).status_code == status
    assert other.get(f"{labels_path(batch)}/preview.png").status_code == status
    token = csrf_token(other, "/trace/batches")
    response = other.post(
        labels_path(batch),
        data={"csrf_token": token, "layout": "a4-3x8", "mode": "units", "count": "5"},
    )
    assert response.status_code == status
    assert unit_uris(app, batch["id"]) == []


def test_scans_per_day_for_the_cooperative_and_the_department(
    app, client, login, world, complete_batch
):
    batch = complete_batch()
    for _n in range(3):
        assert client.get(f"/q/{batch['public_code']}", headers=BROWSER).status_code == 200
    client.get(f"/q/{batch['public_code']}", headers={"User-Agent": "Googlebot/2.1"})
    for user in ("coop_a", "department"):
        page = login(world["users"][user]).get(f"/trace/batches/{batch['id']}/scans?days=7")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        # One browser opened it three times: one visitor, three page views.
        assert re.search(r'id="scan-total">1<', html)
        assert re.search(r'id="scan-views">3 ', html)
        rows = re.findall(
            r'<tr data-day="([0-9-]+)"><td>[^<]*</td><td class="num">(\d+)</td>'
            r'<td class="num views">(\d+)<',
            html,
        )
        assert len(rows) == 7 and rows[0][1:] == ("1", "3")  # today first
        assert sum(int(views) for _day, _count, views in rows) == 3
    for user in ("coop_b", "ent_x"):
        other = login(world["users"][user])
        assert other.get(f"/trace/batches/{batch['id']}/scans").status_code in (403, 404)
