"""The tenancy matrix: every API operation × every role, allowed or refused, and no leak.

The operations come from the app's own OpenAPI document, so a new endpoint cannot be
forgotten: one missing from ``MATRIX`` fails the test ("not classified"). Path
parameters are filled with cooperative A's objects (A sells to enterprise X; B sells
to Y). An allowed role gets a 2xx; a refused one gets 401/403/404 (or a 4xx refusal
of a reference it may not use) and nothing is written. Coop B, enterprise Y and an
anonymous caller never receive a response holding A's marked data.

The table and the world it runs in are in tests/tenancy_helpers.py.
"""

import hashlib
import io
import json

from sqlalchemy import select

from core.extensions import db
from registry.models import Organization, OrgStatus
from tests.tenancy_bodies import bodies
from tests.tenancy_helpers import (
    ANON,
    DEPT,
    MARKERS,
    MATRIX,
    QUERIES,
    ROLES,
    RUN_LAST,
    X_MARKERS,
    A,
    B,
    X,
    Y,
    build_world,
    png_bytes,
)
from tests.two_buyers_helpers import build_two_buyers


def snapshot() -> str:
    """A digest of every table's rows, bar bookkeeping that any request may touch."""
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if not c.name.startswith("last_")]
        rows = db.session.execute(select(*columns).order_by(*table.primary_key.columns)).all()
        digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
    return digest.hexdigest()


def call(client, w: dict, method: str, path: str, role: str, body_name: str | None):
    """One request of ``role`` to the operation, with A's objects and a minimal body."""
    url = "/api/v1" + path.format(**w["params"])
    query = QUERIES.get((method, path))
    if query:
        url += "?" + query.format(**w["params"])
    headers = dict(w["headers"][role])
    kwargs = {}
    if body_name == "image":
        kwargs = {
            "data": {"image": (io.BytesIO(png_bytes()), "b.png")},
            "content_type": "multipart/form-data",
        }
    elif body_name == "document":
        kwargs = {
            "data": {"document": (io.BytesIO(b"%PDF-1.4\n%%EOF"), "b.pdf")},
            "content_type": "multipart/form-data",
        }
    elif body_name == "attachment":
        kwargs = {
            "data": {"file": (io.BytesIO(b"%PDF-1.4\n%%EOF"), "b.pdf")},
            "content_type": "multipart/form-data",
        }
    elif body_name is not None:
        kwargs = {"json": bodies(w)[body_name]}
    response = client.open(url, method=method, headers=headers, **kwargs)
    response.get_data()  # read a streamed file before closing it
    response.close()
    return response


def readable(response) -> str:
    """The response as text a person would read (JSON with its \\u escapes decoded)."""
    if response.is_json:
        return json.dumps(response.json, ensure_ascii=False)
    return response.get_data().decode("utf-8", "replace")


def spec_operations(client) -> list[tuple[str, str]]:
    """Every (METHOD, path) of the OpenAPI document, path without the /api/v1 prefix."""
    spec = client.get("/api/v1/openapi.json").json
    operations = []
    for path, item in spec["paths"].items():
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                operations.append((method.upper(), path.removeprefix("/api/v1")))
    return operations


def ordered(operations):
    """Reads first, then writes, then the writes that use an object up."""

    def key(op):
        return (op in RUN_LAST, RUN_LAST.index(op) if op in RUN_LAST else 0, op[0] != "GET")

    return sorted(operations, key=key)


def allowed_answer(status: int, refusals: set[int]) -> bool:
    """An allowed role gets a 2xx, or a 409/422 about the object's state (its rights passed).

    Where a 422 is also how a refused role's reference is turned down, only a 2xx counts.
    """
    if 200 <= status < 300:
        return True
    return status in {409, 422} and 422 not in refusals


def test_every_operation_is_classified(client):
    missing = [op for op in spec_operations(client) if op not in MATRIX]
    assert not missing, f"new endpoint not classified in the tenancy matrix: {missing}"
    stale = [op for op in MATRIX if op not in spec_operations(client)]
    assert not stale, f"classified operations the API no longer has: {stale}"


def reference_policies(app) -> list:
    """Decree 98's support rows, which every test shares."""
    with app.app_context():
        table = db.metadata.tables["support_policies"]
        return db.session.execute(select(table).order_by(table.c.id)).all()


def test_tenancy_matrix(app, client, world, token_for, linkage):
    references = reference_policies(app)
    w = build_world(client, world, token_for, linkage)
    failures = []
    for method, path in ordered(spec_operations(client)):
        if (method, path) not in MATRIX:
            continue  # reported by test_every_operation_is_classified
        allowed, refusals, body_name = MATRIX[(method, path)]
        refused_roles = [role for role in ROLES if role not in allowed]
        with app.app_context():
            before = snapshot() if method != "GET" else None
        for role in refused_roles:
            response = call(client, w, method, path, role, body_name)
            if method == "GET" and role in {B, Y, ANON}:
                leaked = [m for m in MARKERS if m in readable(response)]
                if leaked:
                    failures.append(f"{role} {method} {path}: refusal leaks {leaked}")
            if response.status_code not in refusals:
                failures.append(
                    f"{role} {method} {path}: {response.status_code} (refusal expected)"
                )
        if before is not None:
            with app.app_context():
                if snapshot() != before:
                    failures.append(f"{method} {path}: a refused request changed the database")
        for role in [r for r in ROLES if r in allowed]:
            response = call(client, w, method, path, role, body_name)
            if not allowed_answer(response.status_code, refusals):
                failures.append(f"{role} {method} {path}: {response.status_code} (allowed)")
            if role in {B, Y, ANON}:
                leaked = [m for m in MARKERS if m in readable(response)]
                if leaked:
                    failures.append(f"{role} {method} {path}: leaks {leaked}")
    assert not failures, "\n".join(failures)
    ids = {row.id for row in references}
    after = [row for row in reference_policies(app) if row.id in ids]
    assert after == references, "the shared reference rows were changed"
    # The markers are real: where A's data may be seen, it is (A, dissolved last of all
    # above, is brought back as it was so that its users may sign in again).
    with app.app_context():
        db.session.get(Organization, world["coop_a"]).status = OrgStatus.ACTIVE
        db.session.commit()
    for role in (DEPT, A):
        fresh = token_for(world["users"][role])  # A revoked its own token above
        for path in ("/products", "/batches", "/contracts"):
            response = client.get(f"/api/v1{path}", headers=fresh)
            assert all(m in readable(response) for m in MARKERS[:1]), (role, path)
        member = client.get(f"/api/v1/members/{world['member_a']}", headers=fresh)
        assert MARKERS[2] in readable(member)


def test_two_buyers_of_one_lot_on_every_endpoint(app, client, world, token_for, linkage):
    """A lot sold to X and to Y: every read of the API, with the lot and the other buyer's
    event as its parameters, shows Y nothing of X's shipment, receipt, inspection, documents
    or lots, and X nothing of Y's; the seller and the department read both."""
    w = build_world(client, world, token_for, linkage)
    two = build_two_buyers(client, world, w["headers"])
    events = two["events"]
    theirs = {Y: (X_MARKERS, events["x_receipt"]), X: (("INV-Y-TWO",), events["y_receipt"])}
    failures, answered = [], {X: 0, Y: 0}
    for method, path in spec_operations(client):
        if method != "GET" or (method, path) not in MATRIX:
            continue
        for role, (markers, other_event) in theirs.items():
            params = {**w["params"], "batch_id": two["batch_id"], "event_id": other_event}
            response = call(client, {**w, "params": params}, method, path, role, None)
            answered[role] += 200 <= response.status_code < 300
            leaked = [m for m in markers if m in readable(response)]
            if leaked:
                failures.append(f"{role} GET {path}: leaks {leaked}")
    assert not failures, "\n".join(failures)
    # Not vacuous: each buyer reads the lot, its events and its trace.
    for role in (X, Y):
        lot = client.get(f"/api/v1/events?batch_id={two['batch_id']}", headers=w["headers"][role])
        assert lot.status_code == 200 and len(lot.json) >= 3, role
        assert answered[role] > 20, (role, answered[role])
    for role in (A, DEPT):
        lot = client.get(f"/api/v1/events?batch_id={two['batch_id']}", headers=w["headers"][role])
        assert "INV-XONLY-1" in readable(lot) and "INV-Y-TWO-5" in readable(lot), role
