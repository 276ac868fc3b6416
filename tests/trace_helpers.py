"""Helpers for trace tests: a cooperative with a product, a site and harvested lots, via the API."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import GIA_LAI_COMMUNES

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
GTIN = "09520123456788"  # GS1's example prefix 952: never a real company's


def when(days_ago: float = 1) -> str:
    """An ISO event time with Vietnam's offset, ``days_ago`` days before now."""
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    return moment.astimezone(VIETNAM).isoformat(timespec="seconds")


# The web forms, as a browser posts them -------------------------------------------------------


def local_time(days_ago: float = 1) -> str:
    """A datetime-local value (Vietnam time), as the browser posts it."""
    moment = datetime.now(VIETNAM) - timedelta(days=days_ago)
    return moment.strftime("%Y-%m-%dT%H:%M")


def product_form(**values) -> dict:
    """The product form with one standard filled in and a blank row, as a browser posts it."""
    form = {
        "name": "Cà phê nhân Robusta",
        "category": "coffee",
        "unit": "kg",
        "is_agricultural": "1",
        "standards.0.kind": "vietgap",
        "standards.0.certificate_number": "VG-52-0001",
        "standards.0.issuer": "Trung tâm Chứng nhận",
        "standards.0.expires_on": "2028-12-31",
        "standards.1.kind": "",
    }
    form.update(values)
    return form


def batch_form(product_id: int, member_id: int, site_id: int | None = None, **values) -> dict:
    """The batch form: a harvest three days ago, all of it from one household."""
    form = {
        "product_id": str(product_id),
        "quantity": "1.000",
        "harvest_date": (datetime.now(VIETNAM).date() - timedelta(days=3)).isoformat(),
        f"hh-{member_id}": "1000",
    }
    if site_id is not None:
        form["site_ids"] = str(site_id)
    form.update(values)
    return form


class Farm:
    """A cooperative's API client with shortcuts for products, sites, batches and events."""

    def __init__(self, client, headers, world, org_key="coop_a"):
        self.client, self.headers, self.world, self.org_id = client, headers, world, world[org_key]

    def post(self, path, body, expect=201):
        response = self.client.post(f"/api/v1{path}", json=body, headers=self.headers)
        assert response.status_code == expect, (path, response.status_code, response.json)
        return response.json

    def get(self, path, expect=200):
        response = self.client.get(f"/api/v1{path}", headers=self.headers)
        assert response.status_code == expect, (path, response.status_code, response.json)
        return response.json

    def product(self, **values):
        body = {
            "name": "Cà phê nhân xanh Robusta",
            "category": "coffee",
            "unit": "kg",
            "standards": [
                {
                    "kind": "vietgap",
                    "certificate_number": "VG-52-0001",
                    "issuer": "Trung tâm Chứng nhận",
                    "expires_on": "2028-12-31",
                }
            ],
        }
        return self.post("/products", {**body, **values})

    def site(self, **values):
        body = {
            "name": "Vùng trồng cà phê Làng Kon",
            "planting_area_code": "VN-52-CF-0001",
            "admin_unit": GIA_LAI_COMMUNES[0],
            "area_ha": 12.5,
            "household_ids": [self.world["member_a"]],
        }
        return self.post("/sites", {**body, **values})

    def batch(self, product_id, quantity=1000, **values):
        body = {
            "product_id": product_id,
            "quantity": quantity,
            "harvest_date": "2026-11-01",
            "households": [{"member_id": self.world["member_a"], "quantity": quantity}],
        }
        return self.post("/batches", {**body, **values})

    def harvest(self, batch_id, site_id, quantity=None, days_ago=20):
        line = {"batch_id": batch_id}
        if quantity is not None:
            line["quantity"] = quantity
        return self.post(
            "/events",
            {"kind": "harvest", "event_time": when(days_ago), "site_id": site_id, "lines": [line]},
        )

    def ship(self, batch_id, quantity, to_org, days_ago=5, expect=201, reference=None):
        body = {
            "kind": "shipping",
            "event_time": when(days_ago),
            "destination_org_id": to_org,
            "lines": [{"batch_id": batch_id, "quantity": quantity}],
        }
        if reference:
            body["reference"] = reference
        return self.post("/events", body, expect=expect)

    def transform(self, inputs, outputs, how="processing", days_ago=10, expect=201):
        body = {
            "kind": "transformation",
            "event_time": when(days_ago),
            "transformation": how,
            "inputs": [{"batch_id": b, "quantity": q} for b, q in inputs],
            "outputs": outputs,
        }
        return self.post("/events", body, expect=expect)


@pytest.fixture
def farm(client, world, token_for):
    return Farm(client, token_for(world["users"]["coop_a"]), world)


@pytest.fixture
def buyer(client, world, token_for):
    return Farm(client, token_for(world["users"]["ent_x"]), world, org_key="ent_x")
