"""Fixtures of the EPCIS tests."""

import pytest

from tests.trace_helpers import GTIN


@pytest.fixture
def delivered(farm, world):
    """Two of coop A's lots shipped to enterprise X: one with a GTIN, one without."""
    site = farm.site()
    with_gtin = farm.product(name="Cà phê nhân xanh", gtin=GTIN)
    plain = farm.product(name="Hồ tiêu đen")
    lots = [farm.batch(with_gtin["id"], 100, lot_code="GX-01"), farm.batch(plain["id"], 50)]
    for lot in lots:
        farm.harvest(lot["id"], site["id"])
        farm.ship(lot["id"], lot["quantity"], world["ent_x"], days_ago=3)
    return lots
