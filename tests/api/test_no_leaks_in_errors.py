"""No leaks in errors (issue 18 item 7): a lot, contract or member the caller may not see is not
found (404) and never named. Another cooperative and another enterprise count up ids through
every operation that takes a lot in its body or query (events of each kind, recalls, EUDR
statements, deliveries, scans, reports, exports) and through every refused operation of the
tenancy matrix, writes included: no answer names A's lots (drafts and recalled ones included),
its contract or its member.
"""

import pytest

from tests.api.test_tenancy_matrix import call, ordered, readable, spec_operations
from tests.tenancy_helpers import MARKERS, MATRIX, B, X, Y, build_world
from tests.trace_helpers import Farm, when

SECRET = "ZQA"  # in every lot code, product, site and contract number of A's


def probes(lot_id: int, world: dict, contract_b: int) -> list[tuple[str, str, dict | None]]:
    """(method, url, body) naming the lot ``lot_id`` in each place a lot can be named."""
    line = [{"batch_id": lot_id, "quantity": 1}]
    return [
        ("POST", "/events", {"kind": "inspection", "event_time": when(1), "lines": line}),
        ("POST", "/events", {"kind": "harvest", "event_time": when(1), "lines": line}),
        ("POST", "/events", {"kind": "input_applied", "event_time": when(1), "lines": line,
                             "input_name": "Phân NPK"}),
        ("POST", "/events", {"kind": "shipping", "event_time": when(1), "lines": line,
                             "destination_org_id": world["ent_y"]}),
        ("POST", "/events", {"kind": "receiving", "event_time": when(1), "lines": line,
                             "source_org_id": world["coop_a"]}),
        ("POST", "/events", {"kind": "transformation", "event_time": when(1), "inputs": line,
                             "outputs": [{"batch_id": lot_id, "quantity": 1}]}),
        ("POST", "/recalls", {"batch_id": lot_id, "reason": "Thử", "severity": "low"}),
        ("POST", "/eudr/statements", {"reference_number": "26VNPROBE01",
                                      "verification_number": "V1", "batch_ids": [lot_id]}),
        ("POST", f"/contracts/{contract_b}/deliveries",
         {"delivered_on": when(1)[:10], "lines": line}),
        ("GET", f"/scans/totals?batch_ids={lot_id}", None),
        ("GET", f"/trace-report?batch_id={lot_id}", None),
        ("GET", f"/epcis/events?batch_id={lot_id}", None),
        ("GET", f"/eudr/lots/{lot_id}/statements", None),
        ("GET", f"/batches/{lot_id}/trace?direction=backward", None),
    ]  # fmt: skip


@pytest.fixture
def probed(client, world, token_for, linkage):
    w = build_world(client, world, token_for, linkage)
    farm_a = Farm(client, w["headers"]["coop_a"], world)
    draft = farm_a.batch(w["params"]["product_id"], lot_code="LOT-ZQA-DRAFT")
    contract_b = client.get("/api/v1/contracts", headers=w["headers"][Y]).json
    return {**w, "draft": draft["id"], "contract_b": contract_b[0]["id"]}


def test_counting_up_lot_ids_never_reveals_a_lot_code(client, world, probed):
    failures = []
    for role in (B, Y):
        headers = probed["headers"][role]
        for lot_id in range(1, probed["draft"] + 2):
            for method, url, body in probes(lot_id, world, probed["contract_b"]):
                response = client.open(f"/api/v1{url}", method=method, headers=headers, json=body)
                text = readable(response)
                if SECRET in text:
                    failures.append(f"{role} {method} {url} lot {lot_id}: {text[:160]}")
    assert not failures, "\n".join(failures)


def test_an_inspection_of_a_foreign_lot_is_not_found(client, world, probed):
    body = {"kind": "inspection", "event_time": when(1), "lines": [{"batch_id": probed["draft"]}]}
    response = client.post("/api/v1/events", json=body, headers=probed["headers"][B])
    assert response.status_code == 404
    assert response.json["code"] == "not_found"
    assert "LOT-ZQA" not in readable(response)


def test_no_refused_operation_names_what_it_refuses(client, probed):
    """Every operation refused to B or Y, writes included, answers without A's markers."""
    failures = []
    for method, path in ordered(spec_operations(client)):
        allowed, _refusals, body_name = MATRIX[(method, path)]
        for role in (B, Y):
            if role in allowed:
                continue
            response = call(client, probed, method, path, role, body_name)
            leaked = [m for m in (*MARKERS, SECRET) if m in readable(response)]
            if leaked:
                failures.append(f"{role} {method} {path}: {response.status_code} names {leaked}")
    assert not failures, "\n".join(failures)


def test_the_buyer_still_reads_the_lots_shipped_to_it(client, probed):
    """Not vacuous: the lot A shipped to X is named to X."""
    batch_id = probed["params"]["batch_id"]
    response = client.get(f"/api/v1/batches/{batch_id}", headers=probed["headers"][X])
    assert response.status_code == 200 and SECRET in response.json["lot_code"]
