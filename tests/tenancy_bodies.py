"""The bodies the tenancy matrix sends: one valid body per operation that takes one, built
from the world's ids (``bodies``), and the support policy and claim the world is made with."""

from core.clock import vn_today
from tests.conftest import PASSWORD
from tests.linkage_helpers import contract_body
from tests.trace_helpers import when

TODAY = vn_today()


def policy_body() -> dict:
    """A provincial support policy row (not one of Decree 98's reference rows)."""
    return {
        "category": "training",
        "rate_percent": 50,
        "valid_from": TODAY.isoformat(),
        "legal_basis": "Nghị quyết thử của tỉnh",
        "cap_vnd": None,
        "max_cycles": None,
        "valid_to": None,
        "note": None,
    }


def claim_body(contract_id: int) -> dict:
    """A support claim on a contract, small enough for any policy's ceiling."""
    return {
        "contract_id": contract_id,
        "category": "consulting",
        "claimed_on": TODAY.isoformat(),
        "eligible_cost_vnd": 10_000_000,
        "amount_asked_vnd": 1_000_000,
    }


def bodies(w: dict) -> dict:
    """Minimal valid bodies, naming A's objects where the operation refers to them."""
    world, p = w["world"], w["params"]
    stamp = when(1)
    return {
        "token": {"email": "a@htx.vn", "password": PASSWORD, "name": "matrix"},
        "organization": {
            "kind": "cooperative",
            "name": "HTX mới",
            "registration_code": "HTX-NEW-009",
            "admin_unit": "23677",
        },
        "organization_edit": {
            "kind": "cooperative",
            "name": "HTX Cà phê Đăk Đoa",
            "registration_code": "HTX-A-001",
            "admin_unit": "23677",
            "address": "Thôn 1",
            "sector": "agricultural",
        }
        | dict.fromkeys(
            (
                "short_name",
                "tax_code",
                "latitude",
                "longitude",
                "main_products",
                "representative",
                "phone",
                "email",
                "gln",
                "established_on",
                "member_count",
            )
        ),
        "organization_patch": {"address": "Thôn 1"},
        "org_status": {},
        "member": {"head_name": "Hộ mới", "admin_unit": "23677"},
        "member_edit": {
            "head_name": "Nguyễn Văn An",
            "admin_unit": "23677",
            "village": "Làng 1",
            "phone": None,
            "planted_area_ha": None,
            "member_type": "official",
            "joined_on": None,
        },
        "member_patch": {"village": "Làng 1"},
        "leave": {"left_on": TODAY.isoformat()},
        "user": {
            "email": "new@htx.vn",
            "full_name": "Người mới",
            "password": "a-long-password-1",
            "role": "cooperative",
            "organization": "HTX-A-001",
        },
        "product": {"name": "Sản phẩm mới", "category": "coffee", "unit": "kg"},
        "product_edit": {
            "name": "Cà phê ZQA-SECRET",
            "name_en": None,
            "category": "coffee",
            "unit": "kg",
            "gtin": None,
            "description": None,
            "is_agricultural": True,
            "no_standard_declared": True,
            "shelf_life_days": None,
            "standards": [],
        },
        "product_patch": {"description": "Rang mộc"},
        "site_edit": {
            "kind": "growing_area",
            "name": "Vùng ZQA-SECRET",
            "name_en": None,
            "planting_area_code": None,
            "admin_unit": "23677",
            "latitude": None,
            "longitude": None,
            "area_ha": None,
            "gln": None,
            "household_ids": [world["member_a"]],
        },
        "site_patch": {"area_ha": 2.5},
        "recall": {"batch_id": p["batch_id"], "reason": "Nhiễm nấm mốc", "severity": "low"},
        "label_print": {"layout": "a4-3x8"},
        "acknowledge": {"name": "Kho X"},
        "close": {"outcome": "destroyed", "note": "Đã tiêu hủy"},
        "site": {
            "name": "Vùng mới",
            "admin_unit": "23677",
            "household_ids": [world["member_a"]],
        },
        "batch": {
            "product_id": p["product_id"],
            "quantity": 10,
            "harvest_date": TODAY.isoformat(),
            "households": [{"member_id": world["member_a"], "quantity": 10}],
        },
        "batch_edit": {
            "product_id": p["product_id"],
            "lot_code": None,
            "quantity": 1000,
            "harvest_date": "2026-11-01",
            "production_date": None,
            "packing_date": None,
            "expiry_date": None,
            "site_ids": [],
            "households": [{"member_id": world["member_a"], "quantity": 1000}],
        },
        "batch_patch": {"quantity": 900},
        "event": {
            "kind": "inspection",
            "event_time": stamp,
            "lines": [{"batch_id": p["batch_id"]}],
        },
        "correction": {"reason": "Nhập nhầm"},
        "field_records": {
            "records": [
                {
                    "key": "matrix-field-0001",
                    "kind": "inspection",
                    "event_time": when(0.5),
                    "lot_id": p["batch_id"],
                    "result": "pass",
                }
            ]
        },
        "contract": contract_body(world["coop_a"], "HĐ-MỚI"),
        "contract_draft": contract_body(world["coop_a"], "HĐ-ZQA-SECRET"),
        "contract_patch": {"price_vnd": 99000},
        "amendment": contract_body(world["coop_a"], "HĐ-ZQA-SECRET", price_vnd=99000),
        "reason": {"reason": "Hết mùa vụ"},
        "delivery": {
            "delivered_on": TODAY.isoformat(),
            "lines": [{"batch_id": p["batch_id"], "quantity": 1}],
        },
        "policy": policy_body(),
        "claim": claim_body(p["contract_id"]),
        "decision": {"status": "rejected", "note": "Thiếu hồ sơ"},
        "epcis": {
            "@context": [],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": stamp,
            "epcisBody": {"eventList": []},
        },
        "units": {"count": 1},
        "plot": {
            "name": "Thửa mới",
            "geometry": {"type": "Point", "coordinates": [108.123457, 14.123457]},
            "declared_area_ha": 2,
        },
        "check": {"tool": "Global Forest Watch", "checked_on": "2026-11-30", "passed": True},
        "consent": {"agreed": True, "decided_on": "2026-11-30"},
        "statement": {
            "reference_number": "26VNMATRIX01",
            "verification_number": "VERIF01",
            "batch_ids": [p["batch_id"]],
        },
    }
