"""Field app fixtures: a cooperative with a product, a growing area and an open lot, and
records as the phone sends them."""

import base64
import io
import uuid

import pytest
from PIL import Image

from tests.trace_helpers import when


def photo_data(size=(640, 480), color=(120, 80, 40)) -> str:
    """A JPEG as the phone sends it: a data: URL of at most 200 kB."""
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def new_key() -> str:
    """An idempotency key as the phone makes it."""
    return str(uuid.uuid4())


@pytest.fixture
def field(farm, world):
    """The cooperative's product, growing area and an active lot (harvested), by id."""
    product = farm.product()
    site = farm.site()
    lot = farm.batch(product["id"], quantity=500)
    farm.harvest(lot["id"], site["id"])
    return {"product": product["id"], "site": site["id"], "lot": lot["id"], "farm": farm}


def harvest(field, world, key=None, quantity="120.5", days_ago=0.1, **values) -> dict:
    """A harvest of a new lot from one household, as the phone records it."""
    return {
        "key": key or new_key(),
        "kind": "harvest",
        "event_time": when(days_ago),
        "product_id": field["product"],
        "site_id": field["site"],
        "quantity": quantity,
        "households": [{"member_id": world["member_a"], "quantity": quantity}],
        **values,
    }


def input_applied(field, key=None, **values) -> dict:
    """A pesticide applied to the open lot."""
    return {
        "key": key or new_key(),
        "kind": "input_applied",
        "event_time": when(0.05),
        "lot_id": field["lot"],
        "input_name": "Thuốc trừ sâu sinh học",
        "dose": "1.5",
        "dose_unit": "l/ha",
        "pre_harvest_interval_days": 7,
        **values,
    }


def inspection(field, key=None, **values) -> dict:
    """An inspection of the open lot."""
    return {
        "key": key or new_key(),
        "kind": "inspection",
        "event_time": when(0.02),
        "lot_id": field["lot"],
        "result": "pass",
        "note": "Quả chín đều, không sâu bệnh",
        **values,
    }
