"""The season import pages: upload, the report row by row, the file given back with its
messages, templates with lists and drop-downs, a long file run by the worker."""

import io

import openpyxl

from core.extensions import db
from tests.conftest import csrf_token, row_count
from tests.trace.season_helpers import LOT_HEADER, csv_file, lot_rows, season
from trace.models import Batch
from trace.season_models import SeasonImport

__all__ = ["season"]


def _upload(client, kind, data, name="mua-vu.csv"):
    token = csrf_token(client, f"/trace/imports?kind={kind}")
    return client.post(
        f"/trace/imports/{kind}",
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_refused_then_fixed(app, world, season, login):
    client = login(world["users"]["coop_a"])
    rows = lot_rows(2)
    rows[1] = rows[1].replace(",Lê Thị Hoa,", ",Lê Thị Hòa Bình,")
    response = _upload(client, "lots", csv_file(LOT_HEADER, *rows))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Hộ thành viên" in html and "Lê Thị Hòa Bình" in html
    with app.app_context():
        assert row_count(Batch) == 0
        job_id = db.session.scalar(db.select(SeasonImport.id))
    annotated = client.get(f"/trace/imports/{job_id}/errors")
    assert annotated.status_code == 200
    lines = annotated.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == LOT_HEADER + ",Lỗi"
    assert lines[1].endswith(",")  # a good row: no message
    assert lines[2].startswith("L00001,,,,,,Lê Thị Hòa Bình,200,")
    assert "Hộ thành viên: " in lines[2] and "Lê Thị Hòa Bình" in lines[2].rsplit(",", 1)[1]
    response = _upload(client, "lots", csv_file(LOT_HEADER, *lot_rows(2)))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'id="import-done"' in page
    with app.app_context():
        assert row_count(Batch) == 2


def test_templates_have_examples_lists_and_drop_downs(app, world, season, login):
    client = login(world["users"]["coop_a"])
    response = client.get("/trace/imports/template/lots.xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    first, lists = book.worksheets[0], book["Danh sách"]
    assert [c.value for c in first[1]][:3] == ["Mã lô", "Sản phẩm", "Vùng trồng"]
    assert first["B2"].value == "Cà phê nhân xanh Robusta"
    assert [c.value for c in lists["C"] if c.value][1:] == ["Lê Thị Hoa", "Nguyễn Văn An"]
    ranges = {str(v.sqref): v.formula1 for v in first.data_validations.dataValidation}
    assert ranges["G2:G20001"] == "'Danh sách'!$C$2:$C$3"
    csv_template = client.get("/trace/imports/template/shipments.csv").get_data(as_text=True)
    assert csv_template.lstrip("\ufeff").startswith("Mã lô,Ngày giao,Số lượng,Bên mua")


def test_a_long_file_runs_in_the_worker(app, world, season, login):
    client = login(world["users"]["coop_a"])
    app.config["SEASON_IMPORT_SYNC_ROWS"] = 3
    try:
        response = _upload(client, "lots", csv_file(LOT_HEADER, *lot_rows(3)))
    finally:
        app.config.pop("SEASON_IMPORT_SYNC_ROWS")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    # JOBS_IMMEDIATE: the worker ran it as it was queued.
    assert 'id="import-done"' in page
    with app.app_context():
        assert row_count(Batch) == 3
        job = db.session.scalar(db.select(SeasonImport))
        assert (job.status, job.created, job.data) == ("done", 3, None)


def test_only_a_cooperative_imports(app, world, season, login):
    client = login(world["users"]["ent_x"])
    assert client.get("/trace/imports").status_code == 403
    other = login(world["users"]["coop_b"])
    _upload(login(world["users"]["coop_a"]), "lots", b"x,y\n1,2\n")
    with app.app_context():
        job_id = db.session.scalar(db.select(SeasonImport.id))
    assert other.get(f"/trace/imports/{job_id}").status_code == 404


def test_a_running_import_shows_its_progress_and_can_be_left(app, world, season, login):
    from jobs import huey_of
    from registry.models import User

    client = login(world["users"]["coop_a"])
    with app.app_context():
        user = db.session.get(User, world["users"]["coop_a"])
        job = SeasonImport(
            organization_id=user.organization_id,
            user_id=user.id,
            kind="lots",
            filename="mua-vu-lon.xlsx",
            status="running",
            total_rows=20000,
            created=0,
            unchanged=0,
        )
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        huey_of(app).put(f"season-import-{job_id}", {"done": 1250, "total": 5000, "rows": 20000})
    page = client.get(f"/trace/imports/{job_id}").get_data(as_text=True)
    assert '<progress max="100" value="25">' in page
    assert 'http-equiv="refresh"' in page
    # Left and come back to: the upload page lists it.
    listing = client.get("/trace/imports").get_data(as_text=True)
    assert f"/trace/imports/{job_id}" in listing and "mua-vu-lon.xlsx" in listing
    api = client.get(f"/api/v1/trace/imports/{job_id}")
    assert api.status_code == 401  # the API takes a token, not the web session
