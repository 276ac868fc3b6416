"""Contract scans in the file store: the same scan attached to two contracts is stored once
and each attachment serves it; nothing is written to the instance folder."""

import io
from pathlib import Path

from sqlalchemy import func, select

from core.extensions import db
from files.models import StoredFile


def test_the_same_scan_attached_to_two_contracts_is_stored_once(app, linkage, client):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    urls = []
    for number in ("HĐLK-01/2026", "HĐLK-02/2026"):
        contract = linkage.signed_contract(number)
        path = f"/api/v1/contracts/{contract['id']}/attachments"
        stored = client.post(
            path,
            headers=linkage.ent,
            content_type="multipart/form-data",
            data={"file": (io.BytesIO(pdf), "hợp đồng.pdf")},
        )
        assert stored.status_code == 201, stored.json
        urls.append(f"{path}/{stored.json['id']}")
    for url in urls:
        own = client.get(url, headers=linkage.coop)
        assert own.status_code == 200 and own.data == pdf and own.mimetype == "application/pdf"
        assert own.headers["Cache-Control"].startswith("private")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert not (Path(app.config["INSTANCE_DIR"]) / "attachments").exists()
