"""Backups keep the files: on the database store they are in the dump (a round trip brings
back every image byte for byte); on S3, ``flask backup verify`` names what the bucket lacks."""

from sqlalchemy import text

from core.extensions import db
from tests.consumer_helpers import make_lot
from tests.files.conftest import BUCKET, jpeg, upload_image


def _lose_every_file(app) -> None:
    with app.app_context():
        for table in ("file_variants", "file_chunks", "stored_files"):
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        db.session.commit()


def test_a_backup_round_trip_brings_back_every_image_byte_for_byte(
    app, client, runner, farm, tmp_path
):
    lot = make_lot(farm)
    product_id = lot["product"]["id"]
    assert upload_image(client, farm.headers, product_id, jpeg()).status_code == 200
    image_url = f"/api/v1/products/{product_id}/image"
    before = client.get(image_url, headers=farm.headers).data
    backup = tmp_path / "htx.backup"
    assert runner.invoke(args=["backup", "dump", str(backup)]).exit_code == 0

    _lose_every_file(app)
    assert client.get(image_url, headers=farm.headers).status_code == 404

    verified = runner.invoke(args=["backup", "verify", str(backup)])
    assert verified.exit_code == 0, verified.output
    assert "2 file(s), all inside the backup" in verified.output

    restored = runner.invoke(args=["backup", "restore", "--yes", str(backup)])
    assert restored.exit_code == 0, restored.output
    after = client.get(image_url, headers=farm.headers)
    assert after.status_code == 200 and after.data == before


def test_verify_names_the_files_a_backup_needs_that_the_bucket_lacks(s3, make_host, farm, tmp_path):
    client, settings = s3
    host = make_host("host-s3", **settings)
    lot = make_lot(farm)
    product_id = lot["product"]["id"]
    web = host.test_client()
    assert upload_image(web, farm.headers, product_id, jpeg()).status_code == 200
    before = web.get(f"/api/v1/products/{product_id}/image", headers=farm.headers).data
    backup = tmp_path / "htx.backup"
    runner = host.test_cli_runner()
    assert runner.invoke(args=["backup", "dump", str(backup)]).exit_code == 0

    verified = runner.invoke(args=["backup", "verify", str(backup)])
    assert verified.exit_code == 0, verified.output
    assert "All 2 file(s)" in verified.output

    # A bucket restored from an older snapshot than the database: the image is missing.
    key = next(
        item["Key"]
        for item in client.list_objects_v2(Bucket=BUCKET)["Contents"]
        if item["Size"] == len(before)
    )
    client.delete_object(Bucket=BUCKET, Key=key)
    verified = runner.invoke(args=["backup", "verify", str(backup)])
    assert verified.exit_code == 1
    assert f"Missing from the store: {key.split('/')[-1]}" in verified.output
    assert "1 of 2 file(s) are missing" in verified.output

    # Sending the same image again puts the object back.
    assert upload_image(web, farm.headers, product_id, jpeg()).status_code == 200
    assert runner.invoke(args=["backup", "verify", str(backup)]).exit_code == 0
