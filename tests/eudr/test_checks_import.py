"""Deforestation checks made elsewhere: plots out as GeoJSON with their ids, results back as a
CSV keyed by plot id, recorded all or nothing with the tool's name and date."""

import io
import json

from eudr.models import PlotCheck
from tests.conftest import row_count


def _send(client, headers, csv_text, tool="Global Forest Watch", day="2026-11-30"):
    return client.post(
        f"/api/v1/eudr/checks/import?tool={tool}&checked_on={day}",
        data={"file": (io.BytesIO(csv_text.encode()), "ket-qua.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_results_are_recorded_on_each_plot(client, farm, plots):
    site = farm.site()
    first, second = plots.add(site["id"]), plots.add(site["id"], name="Thửa 2")
    exported = client.get("/api/v1/eudr/plots/export?format=geojson", headers=farm.headers)
    ids = {f["properties"]["plot_id"] for f in json.loads(exported.data)["features"]}
    exported.close()
    assert ids == {first["id"], second["id"]}
    text = f"Mã thửa,Kết quả,Ghi chú\n{first['id']},đạt,\n{second['id']},không đạt,Mất rừng 2022\n"
    response = _send(client, farm.headers, text)
    assert response.status_code == 201, response.json
    assert response.json["created"] == 2
    checks = {p["id"]: p["checks"] for p in farm.get(f"/eudr/sites/{site['id']}/plots")}
    assert checks[first["id"]][0]["passed"] is True
    assert checks[second["id"]][0] == {
        "id": checks[second["id"]][0]["id"],
        "kind": "deforestation",
        "tool": "Global Forest Watch",
        "checked_on": "2026-11-30",
        "passed": False,
        "note": "Mất rừng 2022",
    }


def test_one_bad_row_records_nothing(app, client, farm, plots, token_for, world):
    site = farm.site()
    plot = plots.add(site["id"])
    text = f"plot_id,passed\n{plot['id']},yes\nabc,yes\n{plot['id']},maybe\n999999,no\n"
    response = _send(client, farm.headers, text)
    assert response.status_code == 422
    found = {(e["feature"], e["field"]) for e in response.json["errors"]}
    assert found == {(3, "plot_id"), (4, "passed"), (5, "plot_id")}
    # Another cooperative's plot is no plot of the caller's.
    other = _send(
        client, token_for(world["users"]["coop_b"]), f"plot_id,passed\n{plot['id']},yes\n"
    )
    assert other.status_code == 422
    missing = _send(client, farm.headers, "id\n1\n")
    assert missing.status_code == 422 and missing.json["errors"][0]["field"] == "passed"
    no_tool = client.post(
        "/api/v1/eudr/checks/import?checked_on=2026-11-30",
        data={"file": (io.BytesIO(b"plot_id,passed\n"), "a.csv")},
        headers=farm.headers,
        content_type="multipart/form-data",
    )
    assert no_tool.status_code == 422 and "tool" in no_tool.json["errors"]
    with app.app_context():
        assert row_count(PlotCheck) == 0
