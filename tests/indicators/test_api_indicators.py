"""Indicators API: the rates by role, grouping and period; the public open-data aggregate."""

import pytest

from tests.indicators_helpers import C1, C2

LINKAGE = "/api/v1/indicators/linkage"
TRACEABILITY = "/api/v1/indicators/traceability"
PERIOD = "from=2026-01-01&to=2026-06-30"


@pytest.fixture
def dept(paper, make_user, token_for):
    return token_for(make_user("department_admin"))


def test_department_sees_any_scope(client, paper, dept):
    body = client.get(f"{LINKAGE}?as_of=2026-06-15&admin_unit=52", headers=dept).json
    assert body["target"] == 0.5 and len(body["definition"]) > 100
    assert [(r["numerator"], r["denominator"], r["rate"]) for r in body["rows"]] == [(1, 4, 0.25)]
    body = client.get(
        f"{LINKAGE}?as_of=2026-06-15&admin_unit=52&group_by=commune", headers=dept
    ).json
    assert {r["key"]: (r["numerator"], r["denominator"]) for r in body["rows"]} == {
        C1: (1, 2),
        C2: (0, 2),
    }
    body = client.get(f"{TRACEABILITY}?{PERIOD}&admin_unit=52&group_by=month", headers=dept).json
    assert body["target"] == 1.0
    assert {
        r["key"]: (r["numerator"], r["batches"], r["traced_batches"]) for r in body["rows"]
    } == {
        "2026-02": (1, 1, 1),
        "2026-03": (1, 2, 1),
        "2026-04": (0, 2, 1),
        "2026-05": (1, 1, 1),
    }
    (row,) = client.get(f"{TRACEABILITY}?{PERIOD}&admin_unit=52", headers=dept).json["rows"]
    assert (row["numerator"], row["denominator"], row["quantity_kg"]) == (2, 6, 4000)
    assert row["traced_quantity_kg"] == 3300
    body = client.get(f"{LINKAGE}?{PERIOD}&admin_unit=52&group_by=month", headers=dept).json
    assert [r["key"] for r in body["rows"]][:2] == ["2026-01", "2026-02"] and len(body["rows"]) == 6


def test_a_cooperative_sees_only_its_own_and_an_enterprise_nothing(client, paper, token_for):
    own = token_for(paper.users[paper.A])
    (row,) = client.get(f"{TRACEABILITY}?{PERIOD}&admin_unit=52", headers=own).json["rows"]
    assert (row["numerator"], row["denominator"], row["batches"]) == (1, 3, 3)
    (row,) = client.get(f"{LINKAGE}?as_of=2026-06-15", headers=own).json["rows"]
    assert (row["numerator"], row["denominator"]) == (1, 1)
    enterprise = token_for(paper.users[paper.E])
    assert client.get(LINKAGE, headers=enterprise).status_code == 403
    assert client.get(TRACEABILITY, headers=enterprise).status_code == 403
    assert client.get(LINKAGE).status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("as_of=2026-02-30", "as_of"),
        ("from=2026-03-01&to=2026-02-01", "to"),
        ("as_of=2026-01-01&from=2025-01-01", "as_of"),
        ("admin_unit=99999", "admin_unit"),
        ("category=gold", "category"),
        ("group_by=village", "group_by"),
    ],
)
def test_bad_values_name_the_field(client, paper, dept, query, field):
    response = client.get(f"{LINKAGE}?{query}", headers=dept)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"]


def test_open_data_is_public_aggregate_only(client, paper):
    response = client.get("/api/v1/indicators/open-data?as_of=2026-06-15")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    body = response.json
    assert body["province"]["code"] == "52"
    assert body["province"]["linkage"]["numerator"] == 1
    assert body["province"]["linkage"]["denominator"] == 4
    assert {c["code"] for c in body["communes"]} == {C1, C2}
    text = response.get_data(as_text=True)
    for private in ("HTX A", "Công ty E", "0905000001", "HĐ-A", "Hộ thành viên"):
        assert private not in text
    assert client.get("/api/v1/indicators/open-data?as_of=nope").status_code == 422


def test_openapi_documents_the_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"/api/v1/indicators/linkage", "/api/v1/indicators/traceability"} <= set(paths)
    params = {p["name"] for p in paths["/api/v1/indicators/linkage"]["get"]["parameters"]}
    assert {"as_of", "from", "to", "admin_unit", "category", "group_by"} <= params
    assert paths["/api/v1/indicators/open-data"]["get"]["security"] == []
