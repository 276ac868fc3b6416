"""What organizations hold of lots, for lots of several owners in one query."""

from decimal import Decimal

from sqlalchemy import event

from core.extensions import db
from tests.trace_helpers import Farm
from trace.services.quantities import held_by_owners, held_quantities


def _lots(farm: Farm, member_key: str, *quantities: int) -> list[int]:
    """Harvested lots of the farm's cooperative, one per quantity (0: a lot not harvested)."""
    product = farm.product()["id"]
    site = farm.site(household_ids=[farm.world[member_key]])["id"]
    ids = []
    for quantity in quantities:
        households = [{"member_id": farm.world[member_key], "quantity": quantity or 1}]
        lot = farm.batch(product, quantity or 1, households=households)
        if quantity:
            farm.harvest(lot["id"], site)
        ids.append(lot["id"])
    return ids


def test_each_lot_counts_what_its_own_owner_holds_in_one_query(app, client, world, token_for):
    coop_a = Farm(client, token_for(world["users"]["coop_a"]), world)
    coop_b = Farm(client, token_for(world["users"]["coop_b"]), world, org_key="coop_b")
    shipped, kept, unharvested = _lots(coop_a, "member_a", 1000, 500, 0)
    (own_b,) = _lots(coop_b, "member_b", 200)
    coop_a.ship(shipped, 300, world["ent_x"])
    coop_b.ship(own_b, 50, world["coop_a"])  # coop_a now holds some of coop_b's lot
    lot_ids = [shipped, kept, unharvested, own_b]

    with app.app_context():
        selects = []

        def record(conn, cursor, statement, parameters, context, executemany):
            selects.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            held = held_by_owners(lot_ids)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

        assert held == {shipped: 700, kept: 500, unharvested: 0, own_b: 150}
        assert all(isinstance(value, Decimal) for value in held.values())
        assert len(selects) == 1
        per_owner = held_quantities([shipped, kept, unharvested], world["coop_a"])
        per_owner |= held_quantities([own_b], world["coop_b"])
        assert held == per_owner
        assert held_by_owners([]) == {}
