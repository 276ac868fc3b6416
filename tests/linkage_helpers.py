"""Helpers for linkage tests: a complete contract body and a signed contract via the API."""

import re
from datetime import timedelta

import pytest

from core.clock import vn_today
from tests.web_helpers import text

TODAY = vn_today()


def contract_body(coop_id: int, number: str = "HĐLK-01/2026", **overrides) -> dict:
    """A contract naming every term Decree 98 and the Civil Code ask for."""
    body = {
        "number": number,
        "linkage_form": 3,
        "lead_representative": "Ông Nguyễn Văn Giám đốc",
        "parties": [
            {"organization_id": coop_id, "representative": "Bà Rơ Châm H'Lan", "households": 40}
        ],
        "items": [
            {
                "category": "coffee",
                "season": "2026/27",
                "quantity": 20000,
                "unit": "kg",
                "due_from": (TODAY - timedelta(days=60)).isoformat(),
                "due_to": (TODAY + timedelta(days=120)).isoformat(),
            }
        ],
        "area_ha": 55.5,
        "price_mechanism": "floor",
        "price_vnd": 95000,
        "price_formula": "Giá sàn 95.000 đ/kg hoặc giá thị trường Buôn Ma Thuột nếu cao hơn",
        "quality_standard": "Cà phê quả chín ≥ 95%, tạp chất ≤ 1%",
        "delivery_terms": "Tại kho HTX, hằng tuần",
        "payment_terms": "Chuyển khoản trong 7 ngày",
        "input_advances": "Ứng phân bón, trừ vào tiền hàng",
        "rights_obligations": "Theo Điều 5",
        "risk_sharing": "Chia sẻ 50/50 khi mất mùa",
        "force_majeure": "Thiên tai, dịch bệnh",
        "breach_liability": "Phạt 8% giá trị vi phạm",
        "dispute_resolution": "Thương lượng, sau đó Tòa án nhân dân tỉnh Gia Lai",
        "amendment_termination": "Bằng văn bản, báo trước 30 ngày",
        "effective_from": (TODAY - timedelta(days=90)).isoformat(),
        "effective_to": (TODAY + timedelta(days=275)).isoformat(),
        "signed_on": None,
        "amendment_note": None,
    }
    body.update(overrides)
    return body


class Linkage:
    """Clients of the enterprise, the cooperative and the department for contract work."""

    def __init__(self, client, world, token_for):
        self.client, self.world = client, world
        self.ent = token_for(world["users"]["ent_x"])
        self.coop = token_for(world["users"]["coop_a"])
        self.dept = token_for(world["users"]["department"])

    def call(self, method, path, headers, body=None, expect=None):
        response = getattr(self.client, method)(f"/api/v1{path}", json=body, headers=headers)
        if expect is not None:
            assert response.status_code == expect, (path, response.status_code, response.json)
        return response

    def signed_contract(self, number="HĐLK-01/2026", **overrides) -> dict:
        body = contract_body(self.world["coop_a"], number, **overrides)
        contract = self.call("post", "/contracts", self.ent, body, expect=201).json
        self.call("post", f"/contracts/{contract['id']}/confirm", self.ent, expect=200)
        return self.call("post", f"/contracts/{contract['id']}/confirm", self.coop, expect=200).json


@pytest.fixture
def linkage(client, world, token_for):
    return Linkage(client, world, token_for)


# The web forms, as a browser posts them -------------------------------------------------------


def contract_form(coop_id: int, number: str = "HĐLK-W1/2026", **values) -> dict:
    """The contract form as a lead fills it in: one cooperative, one commitment, every term.

    Unused rows are posted blank (the unit select always posts its value), as a browser does.
    """
    form = {
        "number": number,
        "linkage_form": "3",
        "lead_representative": "Ông Nguyễn Văn Giám đốc",
        "area_ha": "55,5",
        "parties.0.organization_id": str(coop_id),
        "parties.0.representative": "Bà Rơ Châm H'Lan",
        "parties.0.households": "40",
        "items.0.category": "coffee",
        "items.0.season": "2026/27",
        "items.0.quantity": "20.000",
        "items.0.unit": "kg",
        "items.0.due_from": (TODAY - timedelta(days=60)).isoformat(),
        "items.0.due_to": (TODAY + timedelta(days=120)).isoformat(),
        "price_mechanism": "floor",
        "price_vnd": "95.000",
        "price_formula": "Giá sàn 95.000 đ/kg hoặc giá thị trường nếu cao hơn",
        "quality_standard": "Cà phê quả chín ≥ 95%",
        "delivery_terms": "Tại kho HTX, hằng tuần",
        "payment_terms": "Chuyển khoản trong 7 ngày",
        "input_advances": "Ứng phân bón, trừ vào tiền hàng",
        "rights_obligations": "Theo Điều 5",
        "risk_sharing": "Chia sẻ 50/50 khi mất mùa",
        "force_majeure": "Thiên tai, dịch bệnh",
        "breach_liability": "Phạt 8% giá trị vi phạm",
        "dispute_resolution": "Thương lượng, sau đó Tòa án",
        "amendment_termination": "Bằng văn bản, báo trước 30 ngày",
        "signed_on": "",
        "effective_from": (TODAY - timedelta(days=90)).isoformat(),
        "effective_to": (TODAY + timedelta(days=275)).isoformat(),
    }
    for row in (1, 2):
        form.update({f"parties.{row}.organization_id": "", f"parties.{row}.representative": ""})
        form.update({f"items.{row}.category": "", f"items.{row}.unit": "kg"})
        form.update({f"items.{row}.quantity": "", f"items.{row}.season": ""})
    form.update(values)
    return form


def saved_id(response) -> int:
    """The id of the contract a posted form saved (it redirects to the contract's page)."""
    assert response.status_code == 302, re.findall(r'field-error"[^>]*>([^<]*)<', text(response))
    match = re.search(r"/linkage/contracts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))
