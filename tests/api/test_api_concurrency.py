"""Concurrent retries with the same Idempotency-Key on PostgreSQL: one record, no 5xx."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from core.extensions import db
from core.idempotency import IdempotencyRecord
from registry.models import Organization
from tests.conftest import GIA_LAI_COMMUNES, row_count
from tests.missing import needs_postgres

PAYLOAD = {
    "kind": "enterprise",
    "name": "Công ty Cà phê Thử",
    "registration_code": "0309999999",
    "admin_unit": GIA_LAI_COMMUNES[2],
}


def test_concurrent_retries_create_one_organization(app, world, token_for, is_postgres):
    needs_postgres(is_postgres, "SQLite serialises writers; the race is a PostgreSQL concern")
    headers = {**token_for(world["users"]["department"]), "Idempotency-Key": "race-1"}
    results: list[tuple[int, dict]] = []
    start = threading.Barrier(50)

    def post():
        client = app.test_client()
        start.wait()
        response = client.post("/api/v1/organizations", json=PAYLOAD, headers=headers)
        results.append((response.status_code, response.json))

    threads = [threading.Thread(target=post) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(results) == 50
    assert all(status in (201, 409) for status, _ in results), results
    created_ids = {body["id"] for status, body in results if status == 201}
    assert len(created_ids) == 1
    with app.app_context():
        assert row_count(Organization) == 5


def test_an_expired_key_may_be_used_again(app, client, world, token_for):
    headers = {**token_for(world["users"]["department"]), "Idempotency-Key": "old-key"}
    assert client.post("/api/v1/organizations", json=PAYLOAD, headers=headers).status_code == 201
    with app.app_context():
        db.session.execute(
            update(IdempotencyRecord).values(created_at=datetime.now(UTC) - timedelta(days=2))
        )
        db.session.commit()
    other = {**PAYLOAD, "registration_code": "0308888888"}
    response = client.post("/api/v1/organizations", json=other, headers=headers)
    assert response.status_code == 201
    assert response.json["registration_code"] == "0308888888"
