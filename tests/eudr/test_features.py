"""Each plot's stored EU feature (``eudr_plots.eu_feature``) is rewritten whenever what it shows
changes, through whichever service changes it, and the evidence is built from it."""

import json

from sqlalchemy import select, update

from core.extensions import db
from eudr.models import Plot
from eudr.services import evidence, features
from tests.eudr.conftest import LAT, LON, square


def _stored(app, plot_id: int) -> dict:
    with app.app_context():
        text = db.session.scalar(select(Plot.eu_feature).where(Plot.id == plot_id))
        assert text == features.compute(db.session.connection(), [plot_id])[plot_id]
        return json.loads(text)


def _send(client, farm, method, path, body):
    response = getattr(client, method)(f"/api/v1{path}", json=body, headers=farm.headers)
    assert response.status_code == 200, response.json
    return response.json


def test_the_stored_feature_follows_every_change(app, client, farm, plots, world):
    member = world["member_a"]
    site = farm.site(name="Vùng Ia Pết")
    plot = plots.add(site["id"], name="Thửa cũ", household_ids=[])
    stored = _stored(app, plot["id"])
    assert stored["properties"]["ProductionPlace"].startswith("Thửa cũ, Vùng Ia Pết, ")
    assert "ProducerName" not in stored["properties"]

    # The plot's own details and geometry.
    body = {"name": "Thửa mới", "geometry": square(LON + 0.01, LAT), "household_ids": []}
    body["production_since"] = "2015-05-01"
    _send(client, farm, "put", f"/eudr/plots/{plot['id']}", body)
    stored = _stored(app, plot["id"])
    assert stored["properties"]["ProductionPlace"].startswith("Thửa mới, ")
    assert stored["geometry"]["coordinates"][0][0] == [round(LON + 0.01, 6), LAT]

    # Its households, and their consent to be named.
    _send(client, farm, "put", f"/eudr/plots/{plot['id']}", {**body, "household_ids": [member]})
    consent = {"agreed": True, "decided_on": "2026-11-02"}
    _send(client, farm, "put", f"/eudr/households/{member}/consent", consent)
    assert _stored(app, plot["id"])["properties"]["ProducerName"] == "Nguyễn Văn An"

    # The household's name and the growing area's name, changed in their own services.
    _send(client, farm, "patch", f"/members/{member}", {"head_name": "Nguyễn Văn Ân"})
    assert _stored(app, plot["id"])["properties"]["ProducerName"] == "Nguyễn Văn Ân"
    _send(client, farm, "patch", f"/sites/{site['id']}", {"name": "Vùng Ia Pết mới"})
    place = _stored(app, plot["id"])["properties"]["ProductionPlace"]
    assert place.startswith("Thửa mới, Vùng Ia Pết mới, ")

    # The consent withdrawn: the name is left out again.
    refusal = {"agreed": False, "decided_on": "2026-11-03"}
    _send(client, farm, "put", f"/eudr/households/{member}/consent", refusal)
    assert "ProducerName" not in _stored(app, plot["id"])["properties"]


def test_the_evidence_is_the_stored_text_and_writes_what_is_missing(app, farm, plots):
    site = farm.site()
    first = plots.add(site["id"])
    second = plots.add(site["id"], name="Thửa 2", geometry=square(LON + 0.003, LAT))
    lot = farm.batch(farm.product()["id"], 500)
    farm.harvest(lot["id"], site["id"])
    marker = json.dumps(
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [108.5, 14.5]},
            "properties": {"ProducerCountry": "VN", "Area": 1.0},
        }
    )
    # A stored text is used as it is (here replaced around the ORM to show where the file
    # comes from); a plot without one is written on the fly.
    with app.test_request_context():
        db.session.execute(update(Plot).where(Plot.id == first["id"]).values(eu_feature=marker))
        db.session.execute(update(Plot).where(Plot.id == second["id"]).values(eu_feature=None))
        found = evidence.gather("test", [lot["id"]])
        collection = json.loads(found.files[0])
        assert collection["features"][0] == json.loads(marker)
        computed = features.compute(db.session.connection(), [second["id"]])[second["id"]]
        assert collection["features"][1] == json.loads(computed)
        db.session.rollback()
